/**
 * Closed-form hit ratios of a cache fed by independent requests with fixed
 * popularity (the independent reference model, IRM): key i is requested as a
 * Poisson process of rate λ_i, independently of every other key, and the
 * rates do not change. Each formula gives h_i, the probability that a request
 * for key i hits; the cache's hit ratio is the request-weighted mean
 * Σ λ_i·h_i / Σ λ_i, and what it sends behind it is again a stream of
 * independent keys, of rates λ_i·(1 − h_i) (missRates), which is how a CDN
 * applies the same formulas tier by tier (an approximation above the first
 * tier: a miss stream is not exactly Poisson).
 *
 * Rates are per-key Float64Arrays in any unit (per second, or probabilities
 * summing to 1); times (the characteristic time T, a TTL) are in the
 * reciprocal unit (seconds, or requests). Nothing here knows about scenarios.
 *
 * - LRU, Che's approximation (Che, Tung & Wang 2002; why it is so accurate:
 *   Fricker, Robert & Roberts 2012): a key stays in the cache for a
 *   characteristic time T after its last request, the same T for every key,
 *   so h_i = 1 − e^{−λ_i·T}, with T the root of Σ h_i = C (the cache is full).
 * - FIFO and random replacement (same hit ratio under IRM; Gelenbe 1973; the
 *   approximation of Martina, Garetto & Leonardi 2014): an entry lives T
 *   after its insertion whatever happens meanwhile, so a key is absent for an
 *   Exp(λ_i) wait and present for T: h_i = λ_i·T / (1 + λ_i·T), Σ h_i = C.
 * - Perfect LFU (counts every key, forever): in steady state it holds the C
 *   keys of highest rate, so h_i is 1 for them and 0 otherwise (static top-C).
 * - TTL with no capacity limit, exact for Poisson requests (Martina, Garetto
 *   & Leonardi 2014): expiry fixed at insertion (T = the TTL): a renewal of a
 *   present time T and an absent Exp(λ_i) wait, h_i = λ_i·T / (1 + λ_i·T);
 *   expiry reset on every hit: a request hits when the previous one came less
 *   than T before, h_i = 1 − e^{−λ_i·T}.
 *
 * In every case the expected number of entries is Σ h_i (requests see time
 * averages, PASTA), so the TTL cases also say how much memory a TTL costs.
 * With object sizes s_i the capacity equation becomes Σ s_i·h_i = C in bytes:
 * exact in the FIFO/random renewal argument's terms, and for unequal sizes an
 * approximation whose accuracy has been checked only for LRU (as in Che's
 * and Fricker's papers, for entries).
 */

export interface CacheTheory {
  /** h_i: the probability that a request for key i finds it in the cache (0 for keys never requested). */
  hitProbabilities: Float64Array;
  /** Σ λ_i·h_i / Σ λ_i: the share of requests that hit; NaN when no key is requested. */
  hitRatio: number;
  /**
   * T, in the reciprocal unit of the rates: LRU's time a key survives its last
   * request, FIFO/random's time an entry lives, the TTL itself. Infinity when
   * every requested key fits; null for perfect LFU, which has no such time.
   */
  characteristicTime: number | null;
  /** Σ h_i (Σ s_i·h_i with sizes): the expected entries (bytes) held; the capacity when the cache is full. */
  expectedOccupancy: number;
}

/**
 * The relative width of T's bracket at which bisection stops. The hit ratio
 * moves by at most 1/e per unit of ln T (|dH/d ln T| = Σ q_i·x_i·h'(x_i) ≤
 * max x·e^{−x} with x_i = λ_i·T), so it is then within 4e-9 of its limit.
 */
const RELATIVE_TOLERANCE = 1e-8;

/**
 * Popularity of Zipf(s) over `keys` keys: the key of rank r (index r − 1) is
 * requested with probability r^{−s} / Σ_j j^{−s}; s = 0 is uniform. Matches
 * the workloads' `keys: { count, zipf }`.
 */
export function zipfPopularity(keys: number, exponent: number): Float64Array {
  if (!Number.isInteger(keys) || keys < 1)
    throw new RangeError(`zipf popularity: keys must be a whole number >= 1, got ${keys}`);
  if (!(exponent >= 0) || !Number.isFinite(exponent))
    throw new RangeError(`zipf popularity: the exponent must be a finite number >= 0, got ${exponent}`);
  const q = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) {
    q[r] = Math.pow(r + 1, -exponent);
    sum += q[r];
  }
  for (let r = 0; r < keys; r++) q[r] /= sum;
  return q;
}

/** Every one of `keys` keys equally likely. */
export function uniformPopularity(keys: number): Float64Array {
  return zipfPopularity(keys, 0);
}

/** Per-key rates: `popularity` (summing to 1) times the total request rate. */
export function scaleRates(popularity: Float64Array, totalRate: number): Float64Array {
  const rates = new Float64Array(popularity.length);
  for (let i = 0; i < rates.length; i++) rates[i] = popularity[i] * totalRate;
  return rates;
}

/** LRU by Che's approximation: h_i = 1 − e^{−λ_i·T}, with Σ h_i = C (Σ s_i·h_i = C with sizes). */
export function lruTheory(rates: Float64Array, capacity: number, sizes?: Float64Array): CacheTheory {
  return capacityTheory(CHE, rates, capacity, sizes);
}

/** FIFO and random replacement: h_i = λ_i·T / (1 + λ_i·T), with Σ h_i = C (Σ s_i·h_i = C with sizes). */
export function fifoTheory(rates: Float64Array, capacity: number, sizes?: Float64Array): CacheTheory {
  return capacityTheory(FIFO, rates, capacity, sizes);
}

/**
 * Perfect LFU: the floor(C) keys of highest rate always hit, the rest never
 * (ties at the boundary go to the lower index, as a count cannot tell them
 * apart in expectation).
 */
export function perfectLfuTheory(rates: Float64Array, capacity: number): CacheTheory {
  checkRates(rates);
  checkCapacity(capacity);
  const n = rates.length;
  const h = new Float64Array(n);
  const requested = countRequested(rates);
  const slots = Math.min(Math.floor(capacity), requested);
  if (slots > 0) {
    const sorted = Float64Array.from(rates).sort();
    const threshold = sorted[n - slots];
    let above = 0;
    for (let i = 0; i < n; i++) if (rates[i] > threshold) above++;
    let atThreshold = slots - above;
    for (let i = 0; i < n; i++) {
      if (rates[i] > threshold) h[i] = 1;
      else if (rates[i] === threshold && atThreshold > 0) {
        h[i] = 1;
        atThreshold--;
      }
    }
  }
  return { hitProbabilities: h, hitRatio: hitRatio(rates, h), characteristicTime: null, expectedOccupancy: slots };
}

/** TTL counted from insertion, no capacity limit: h_i = λ_i·T / (1 + λ_i·T), exact for Poisson requests. */
export function ttlFixedTheory(rates: Float64Array, ttl: number): CacheTheory {
  return ttlTheory(FIFO, rates, ttl);
}

/** TTL restarted by every hit, no capacity limit: h_i = 1 − e^{−λ_i·T}, exact for Poisson requests. */
export function ttlResetOnHitTheory(rates: Float64Array, ttl: number): CacheTheory {
  return ttlTheory(CHE, rates, ttl);
}

/** Σ λ_i·h_i / Σ λ_i; NaN when no key is requested. */
export function hitRatio(rates: Float64Array, hitProbabilities: Float64Array): number {
  let requested = 0;
  let hit = 0;
  for (let i = 0; i < rates.length; i++) {
    requested += rates[i];
    hit += rates[i] * hitProbabilities[i];
  }
  return requested === 0 ? NaN : hit / requested;
}

/** Σ λ_i·s_i·h_i / Σ λ_i·s_i: the share of requested bytes served from the cache; NaN when no byte is requested. */
export function byteHitRatio(rates: Float64Array, hitProbabilities: Float64Array, sizes: Float64Array): number {
  let requested = 0;
  let hit = 0;
  for (let i = 0; i < rates.length; i++) {
    requested += rates[i] * sizes[i];
    hit += rates[i] * sizes[i] * hitProbabilities[i];
  }
  return requested === 0 ? NaN : hit / requested;
}

/** λ_i·(1 − h_i): the rates of the requests the cache sends behind it, the next tier's input. */
export function missRates(rates: Float64Array, hitProbabilities: Float64Array): Float64Array {
  const out = new Float64Array(rates.length);
  for (let i = 0; i < rates.length; i++) out[i] = rates[i] * (1 - hitProbabilities[i]);
  return out;
}

/** The two shapes of h(λ·T): Che's 1 − e^{−x} and the renewal x / (1 + x). */
const CHE = 0;
const FIFO = 1;
type Shape = typeof CHE | typeof FIFO;

function ttlTheory(shape: Shape, rates: Float64Array, ttl: number): CacheTheory {
  checkRates(rates);
  if (!(ttl >= 0)) throw new RangeError(`ttl theory: the TTL must be >= 0 (Infinity: none), got ${ttl}`);
  const h = hitProbabilitiesAt(shape, rates, ttl);
  return { hitProbabilities: h, hitRatio: hitRatio(rates, h), characteristicTime: ttl, expectedOccupancy: sum(h) };
}

/**
 * Solves Σ s_i·h(λ_i·T) = C for T by bisection. h(λ·T) ≤ λ·T, so the root
 * is at least C / Σ s_i·λ_i: the bracket starts there and doubles until the
 * occupancy reaches C, then halves to a relative width of 1e-8 (27 passes over
 * the keys after the doubling; no allocation inside).
 */
function capacityTheory(shape: Shape, rates: Float64Array, capacity: number, sizes?: Float64Array): CacheTheory {
  checkRates(rates);
  checkCapacity(capacity);
  if (sizes !== undefined && sizes.length !== rates.length)
    throw new RangeError(`cache theory: ${sizes.length} sizes for ${rates.length} keys; give one size per key`);
  let weightedRate = 0;
  let requestedSize = 0;
  for (let i = 0; i < rates.length; i++) {
    const s = sizes === undefined ? 1 : sizes[i];
    if (!(s > 0) || !Number.isFinite(s))
      throw new RangeError(`cache theory: size of key index ${i} is ${s}; sizes must be > 0`);
    weightedRate += s * rates[i];
    if (rates[i] > 0) requestedSize += s;
  }
  let characteristicTime: number;
  if (capacity === 0 || weightedRate === 0) characteristicTime = 0;
  else if (capacity >= requestedSize) characteristicTime = Infinity;
  else {
    let lo = capacity / weightedRate;
    // A capacity so small that the bound underflows still needs a bracket that can grow.
    let hi = Math.max(2 * lo, Number.MIN_VALUE);
    while (occupancy(shape, rates, sizes, hi) < capacity) {
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > RELATIVE_TOLERANCE * hi) {
      const mid = 0.5 * (lo + hi);
      // Adjacent floats (or subnormals): the bracket cannot shrink further.
      if (mid <= lo || mid >= hi) break;
      if (occupancy(shape, rates, sizes, mid) < capacity) lo = mid;
      else hi = mid;
    }
    characteristicTime = 0.5 * (lo + hi);
  }
  const h = hitProbabilitiesAt(shape, rates, characteristicTime);
  return {
    hitProbabilities: h,
    hitRatio: hitRatio(rates, h),
    characteristicTime,
    expectedOccupancy: sizes === undefined ? sum(h) : weightedSum(h, sizes),
  };
}

/** Σ s_i·h(λ_i·T): one pass, the bisection's inner loop. */
function occupancy(shape: Shape, rates: Float64Array, sizes: Float64Array | undefined, t: number): number {
  let total = 0;
  const n = rates.length;
  if (shape === CHE) {
    if (sizes === undefined) for (let i = 0; i < n; i++) total -= Math.expm1(-rates[i] * t);
    else for (let i = 0; i < n; i++) total -= sizes[i] * Math.expm1(-rates[i] * t);
  } else if (sizes === undefined)
    for (let i = 0; i < n; i++) {
      const x = rates[i] * t;
      total += x / (1 + x);
    }
  else
    for (let i = 0; i < n; i++) {
      const x = rates[i] * t;
      total += (sizes[i] * x) / (1 + x);
    }
  return total;
}

/** h(λ_i·T) per key; T = Infinity holds every requested key. */
function hitProbabilitiesAt(shape: Shape, rates: Float64Array, t: number): Float64Array {
  const h = new Float64Array(rates.length);
  for (let i = 0; i < rates.length; i++) {
    const rate = rates[i];
    if (rate === 0) continue;
    if (t === Infinity) h[i] = 1;
    else if (shape === CHE) h[i] = -Math.expm1(-rate * t);
    else h[i] = (rate * t) / (1 + rate * t);
  }
  return h;
}

function checkRates(rates: Float64Array): void {
  for (let i = 0; i < rates.length; i++)
    if (!(rates[i] >= 0) || !Number.isFinite(rates[i]))
      throw new RangeError(`cache theory: rate of key index ${i} is ${rates[i]}; rates must be finite and >= 0`);
}

function checkCapacity(capacity: number): void {
  if (!(capacity >= 0)) throw new RangeError(`cache theory: capacity must be >= 0, got ${capacity}`);
}

function countRequested(rates: Float64Array): number {
  let n = 0;
  for (let i = 0; i < rates.length; i++) if (rates[i] > 0) n++;
  return n;
}

function sum(xs: Float64Array): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i];
  return total;
}

function weightedSum(xs: Float64Array, weights: Float64Array): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i] * weights[i];
  return total;
}
