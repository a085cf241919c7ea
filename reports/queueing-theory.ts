/**
 * Closed-form results of queueing theory, for cross-checking simulated
 * stations. Rates are per second, times in the caller's unit (consistent);
 * `offeredLoad` a = λ·E[S] is in Erlangs.
 */

/** Erlang B: the share of arrivals blocked at c servers with no waiting room (M/G/c/c; insensitive to the service distribution). */
export function erlangB(servers: number, offeredLoad: number): number {
  // The stable recurrence B(k) = a·B(k-1) / (k + a·B(k-1)).
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/** Erlang C: the probability that an arrival waits at an M/M/c queue (requires a < c). */
export function erlangC(servers: number, offeredLoad: number): number {
  const rho = offeredLoad / servers;
  if (!(rho < 1)) return 1;
  const b = erlangB(servers, offeredLoad);
  return b / (1 - rho * (1 - b));
}

export interface StationTheory {
  /** Busy share of each server: λ(1 − blocking)·E[S] / c. */
  utilization: number;
  /** Mean time an admitted customer spends at the station (wait + service). */
  meanSojourn: number;
  /** Probability that an admitted customer waits before service. */
  probabilityOfWaiting: number;
  /** Share of arrivals turned away (0 without a capacity limit). */
  blocking: number;
}

/** M/G/1 by Pollaczek–Khinchine: Wq = λ·E[S²] / (2(1 − ρ)); M/M/1 and M/D/1 are special cases. Null when ρ ≥ 1. */
export function mg1(arrivalRate: number, serviceMean: number, serviceVariance: number): StationTheory | null {
  const rho = arrivalRate * serviceMean;
  if (!(rho < 1)) return null;
  const secondMoment = serviceVariance + serviceMean * serviceMean;
  const wait = (arrivalRate * secondMoment) / (2 * (1 - rho));
  return { utilization: rho, meanSojourn: wait + serviceMean, probabilityOfWaiting: rho, blocking: 0 };
}

/** M/M/c with unlimited waiting room. Null when ρ ≥ 1. */
export function mmc(arrivalRate: number, serviceMean: number, servers: number): StationTheory | null {
  const a = arrivalRate * serviceMean;
  if (!(a < servers)) return null;
  const c = erlangC(servers, a);
  const wait = (c * serviceMean) / (servers - a);
  return { utilization: a / servers, meanSojourn: wait + serviceMean, probabilityOfWaiting: c, blocking: 0 };
}

/** M/M/c/K: c servers, room for K customers in all (K ≥ c), by the birth–death stationary distribution. */
export function mmck(arrivalRate: number, serviceMean: number, servers: number, capacity: number): StationTheory {
  const a = arrivalRate * serviceMean;
  // Unnormalized p_n = a^n / n! for n ≤ c, then × (a/c)^(n−c); built iteratively to stay finite.
  const p: number[] = [1];
  for (let n = 1; n <= capacity; n++) p.push((p[n - 1] * a) / Math.min(n, servers));
  const total = p.reduce((s, x) => s + x, 0);
  const pn = p.map((x) => x / total);
  const blocking = pn[capacity];
  const admitted = arrivalRate * (1 - blocking);
  const meanInSystem = pn.reduce((s, x, n) => s + n * x, 0);
  let waits = 0;
  for (let n = servers; n < capacity; n++) waits += pn[n];
  return {
    utilization: (admitted * serviceMean) / servers,
    meanSojourn: meanInSystem / admitted,
    probabilityOfWaiting: waits / (1 - blocking),
    blocking,
  };
}
