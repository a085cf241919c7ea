import { deriveStream, distribution, type Distribution, type DistributionSpec } from '../../engine/index.js';

/**
 * The WARS model of a Dynamo-style partial quorum (Bailis et al.,
 * "Probabilistically Bounded Staleness for Practical Partial Quorums", VLDB
 * 2012): theory to set beside a simulated staleness curve.
 *
 * Each of the N replicas draws its four one-way latencies independently: the
 * write's trip and application (W), the acknowledgement back (A), the read's
 * trip (R) and the response back (S). The write commits at the W-th smallest
 * W + A; a read starts t after that; its coordinator keeps the first R
 * responders by R + S, and the read is consistent when one of them had the
 * write before the read request, W_i <= commit + t + R_i. Negative draws
 * (a normal's tail) count as 0, as the network treats them.
 *
 * Whether a trial's read is consistent is monotone in t, so a trial is one
 * number: the smallest t at which it is consistent (negative when even a read
 * started at the commit is). The sorted numbers answer every t at once, and
 * their quantiles are the times to reach a probability.
 */

/** One-way latency distributions in µs. */
export interface WarsLatencies {
  readonly write: DistributionSpec;
  readonly ack: DistributionSpec;
  readonly read: DistributionSpec;
  readonly response: DistributionSpec;
}

export interface WarsQuestion {
  /** N */
  readonly replicas: number;
  /** R */
  readonly readQuorum: number;
  /** W */
  readonly writeQuorum: number;
  readonly latencies: WarsLatencies;
  /** Delays after the commit (µs, >= 0) at which to ask for P(consistent read). */
  readonly tUs: readonly number[];
  readonly trials: number;
  readonly seed: number;
}

/**
 * The client's two hops, for t measured from when the client received the
 * acknowledgement: the acknowledgement's trip from the write's coordinator to
 * the client, and the read's trip from the client to the read's coordinator.
 */
export interface WarsClientLatencies {
  readonly ack: DistributionSpec;
  readonly request: DistributionSpec;
}

export interface WarsAfterAckQuestion extends WarsQuestion {
  readonly client: WarsClientLatencies;
}

/** P(consistent read) at each t (same order as tUs), measured from the write's commit at the coordinator. */
export function warsTVisibility(q: WarsQuestion): number[] {
  const times = checkedTimes(q.tUs);
  const delays = warsConsistentAfterUs(q);
  return times.map((t) => fractionAtOrBelow(delays, t));
}

/**
 * The t-visibility curve at `tUs` and the time at which it reaches each of
 * `probabilities`, from one run of the trials (what a report shows).
 */
export function warsCurve(
  q: WarsQuestion,
  probabilities: readonly number[],
): { atTimes: number[]; timesToProbabilityUs: number[] } {
  const times = checkedTimes(q.tUs);
  for (const p of probabilities)
    if (!(typeof p === 'number' && p > 0 && p <= 1)) throw new RangeError(`p must be in (0, 1], got ${p}`);
  const delays = warsConsistentAfterUs(q);
  return {
    atTimes: times.map((t) => fractionAtOrBelow(delays, t)),
    timesToProbabilityUs: probabilities.map((p) => timeToProbability(delays, p)),
  };
}

/**
 * P(consistent read) at each t, measured from when the client received the
 * write's acknowledgement: the read reaches its coordinator t plus the
 * client's two hops after the commit. Both hops are drawn independently of
 * everything else, as WARS draws the replicas' legs.
 */
export function warsTVisibilityAfterAck(q: WarsAfterAckQuestion): number[] {
  const times = checkedTimes(q.tUs);
  const delays = warsConsistentAfterUs(q, requireClient(q.client));
  return times.map((t) => fractionAtOrBelow(delays, t));
}

/**
 * Closed form: probability that a read misses the last k versions,
 * (C(N−W, R)/C(N, R))^k, for quorums chosen uniformly and independently;
 * 0 when R+W>N.
 */
export function kStalenessProbability(replicas: number, readQuorum: number, writeQuorum: number, k: number): number {
  checkQuorums(replicas, readQuorum, writeQuorum);
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new RangeError(`k must be a whole number >= 1, got ${k}`);
  // C(N−W, R)/C(N, R) = Π_{i<R} (N−W−i)/(N−i): no factorials to overflow.
  let missOne = 1;
  for (let i = 0; i < readQuorum; i++) missOne *= Math.max(0, replicas - writeQuorum - i) / (replicas - i);
  return missOne ** k;
}

/**
 * The smallest t >= 0 (µs after the commit) at which P(consistent read)
 * reaches p, from the Monte Carlo samples; 0 when a read at the commit
 * already is consistent with probability p.
 */
export function warsTimeToProbability(q: Omit<WarsQuestion, 'tUs'>, p: number): number {
  if (!(typeof p === 'number' && p > 0 && p <= 1)) throw new RangeError(`p must be in (0, 1], got ${p}`);
  return timeToProbability(warsConsistentAfterUs(q), p);
}

/** Same, with t measured from when the client received the acknowledgement. */
export function warsTimeToProbabilityAfterAck(q: Omit<WarsAfterAckQuestion, 'tUs'>, p: number): number {
  if (!(typeof p === 'number' && p > 0 && p <= 1)) throw new RangeError(`p must be in (0, 1], got ${p}`);
  return timeToProbability(warsConsistentAfterUs(q, requireClient(q.client)), p);
}

/**
 * Each trial's smallest t (µs, may be negative) at which its read is
 * consistent, sorted ascending: P(consistent at t) is the share at or below
 * t. One run of the trials answers any number of t and quantiles.
 */
export function warsConsistentAfterUs(q: Omit<WarsQuestion, 'tUs'>, client?: WarsClientLatencies): Float64Array {
  const { replicas, readQuorum, writeQuorum, trials, seed } = q;
  checkQuorums(replicas, readQuorum, writeQuorum);
  if (!(Number.isSafeInteger(trials) && trials >= 1)) {
    throw new RangeError(`trials must be a whole number >= 1, got ${trials}`);
  }
  if (!(typeof seed === 'number' && Number.isFinite(seed))) {
    throw new RangeError(`seed must be a finite number, got ${seed}`);
  }
  const legs = ['write', 'ack', 'read', 'response'] as const;
  const [write, ack, read, response] = legs.map((leg) => latency(`latencies.${leg}`, q.latencies?.[leg]));
  // One stream per leg: changing R or the read latencies leaves the write draws alone.
  const [writeRng, ackRng, readRng, responseRng] = legs.map((leg) => deriveStream(seed, 'wars', leg));
  const clientAck = client === undefined ? null : latency('client.ack', client.ack);
  const clientRequest = client === undefined ? null : latency('client.request', client.request);
  const clientAckRng = deriveStream(seed, 'wars', 'client-ack');
  const clientRequestRng = deriveStream(seed, 'wars', 'client-request');

  const writeArrival = new Float64Array(replicas);
  const readArrival = new Float64Array(replicas);
  const responseArrival = new Float64Array(replicas);
  const acked = new Float64Array(replicas);
  const order = new Int32Array(replicas);
  const byResponse = (a: number, b: number) => responseArrival[a] - responseArrival[b] || a - b;
  const delays = new Float64Array(trials);

  for (let trial = 0; trial < trials; trial++) {
    for (let i = 0; i < replicas; i++) {
      const w = nonNegative(write.sample(writeRng));
      const r = nonNegative(read.sample(readRng));
      writeArrival[i] = w;
      acked[i] = w + nonNegative(ack.sample(ackRng));
      readArrival[i] = r;
      responseArrival[i] = r + nonNegative(response.sample(responseRng));
      order[i] = i;
    }
    acked.sort();
    const commit = acked[writeQuorum - 1];
    // Ties in R + S go to the lower replica index, so constant latencies give one answer.
    if (readQuorum === 1) order[0] = firstResponder(responseArrival);
    else order.sort(byResponse);
    let earliest = Infinity;
    for (let j = 0; j < readQuorum; j++) {
      const i = order[j];
      const needed = writeArrival[i] - readArrival[i];
      if (needed < earliest) earliest = needed;
    }
    let delay = earliest - commit;
    if (clientAck !== null && clientRequest !== null) {
      delay -= nonNegative(clientAck.sample(clientAckRng)) + nonNegative(clientRequest.sample(clientRequestRng));
    }
    delays[trial] = delay;
  }
  return delays.sort();
}

function firstResponder(responseArrival: Float64Array): number {
  let best = 0;
  for (let i = 1; i < responseArrival.length; i++) if (responseArrival[i] < responseArrival[best]) best = i;
  return best;
}

/** Share of the sorted delays at or below t. */
function fractionAtOrBelow(sorted: Float64Array, t: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= t) low = middle + 1;
    else high = middle;
  }
  return low / sorted.length;
}

function timeToProbability(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  // The fewest trials whose share reaches p, counted the way fractionAtOrBelow divides.
  let needed = Math.ceil(p * n);
  if (needed > 1 && (needed - 1) / n >= p) needed--;
  return Math.max(0, sorted[needed - 1]);
}

function checkQuorums(replicas: number, readQuorum: number, writeQuorum: number): void {
  if (!(Number.isSafeInteger(replicas) && replicas >= 1)) {
    throw new RangeError(`replicas (N) must be a whole number >= 1, got ${replicas}`);
  }
  if (!(Number.isSafeInteger(readQuorum) && readQuorum >= 1 && readQuorum <= replicas)) {
    throw new RangeError(`readQuorum (R) must be a whole number from 1 to replicas (${replicas}), got ${readQuorum}`);
  }
  if (!(Number.isSafeInteger(writeQuorum) && writeQuorum >= 1 && writeQuorum <= replicas)) {
    throw new RangeError(`writeQuorum (W) must be a whole number from 1 to replicas (${replicas}), got ${writeQuorum}`);
  }
}

function checkedTimes(tUs: readonly number[]): readonly number[] {
  if (!Array.isArray(tUs)) throw new RangeError(`tUs must be an array of delays in µs, got ${String(tUs)}`);
  tUs.forEach((t: unknown, i) => {
    if (!(typeof t === 'number' && Number.isFinite(t) && t >= 0)) {
      throw new RangeError(`tUs[${i}] must be a finite delay >= 0 µs after the commit, got ${String(t)}`);
    }
  });
  return tUs;
}

function requireClient(client: WarsClientLatencies | undefined): WarsClientLatencies {
  if (typeof client !== 'object' || client === null) {
    throw new RangeError("client must give the { ack, request } latencies of the client's two hops");
  }
  return client;
}

function latency(name: string, spec: DistributionSpec | undefined): Distribution {
  try {
    return distribution(spec as DistributionSpec);
  } catch (error) {
    throw new RangeError(`${name}: ${(error as Error).message}`);
  }
}

function nonNegative(x: number): number {
  return x > 0 ? x : 0;
}
