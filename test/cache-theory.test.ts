import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cacheTheoryChecks } from '../reports/caches/cache-theory-checks.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import {
  byteHitRatio,
  fifoTheory,
  hitRatio,
  lruTheory,
  missRates,
  perfectLfuTheory,
  scaleRates,
  ttlFixedTheory,
  ttlResetOnHitTheory,
  uniformPopularity,
  zipfPopularity,
} from '../reports/caches/cache-theory.js';

const rates = (...xs: number[]) => Float64Array.from(xs);
const sumOf = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0);

/** Per-key rates: up to 60 keys, some never requested, of widely different rates. */
const rateArrays = fc
  .array(fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1e3, noNaN: true })), { minLength: 1, maxLength: 60 })
  .filter((xs) => xs.some((x) => x > 0))
  .map((xs) => Float64Array.from(xs));

describe('popularity', () => {
  it('Zipf(s) weighs rank r by r^-s and sums to 1; s = 0 is uniform', () => {
    const q = zipfPopularity(1000, 0.8);
    expect(sumOf(q)).toBeCloseTo(1, 12);
    expect(q[0] / q[1]).toBeCloseTo(2 ** 0.8, 12);
    expect(q[9] / q[99]).toBeCloseTo(10 ** 0.8, 10);
    expect([...uniformPopularity(4)]).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(() => zipfPopularity(0, 1)).toThrow(/keys must be a whole number/);
    expect(() => zipfPopularity(10, -1)).toThrow(/exponent/);
  });
});

describe('the formulas, against hand-computed values', () => {
  it('LRU (Che): rates 3 and 1 with room for one solve y³ + y = 1 with y = e^{-T}, so h = (y, 1 − y)', () => {
    // Newton on y³ + y − 1 = 0 gives y = 0.6823278038.
    const y = 0.6823278038280193;
    const lru = lruTheory(rates(3, 1), 1);
    expect(lru.characteristicTime).toBeCloseTo(-Math.log(y), 7);
    expect(lru.hitProbabilities[0]).toBeCloseTo(y, 7);
    expect(lru.hitProbabilities[1]).toBeCloseTo(1 - y, 7);
    expect(lru.hitRatio).toBeCloseTo((3 * y + (1 - y)) / 4, 7);
    expect(lru.expectedOccupancy).toBeCloseTo(1, 7);
  });

  it('FIFO/random: rates 3 and 1 with room for one give 3T² = 1, so T = 1/√3', () => {
    const fifo = fifoTheory(rates(3, 1), 1);
    const t = 1 / Math.sqrt(3);
    expect(fifo.characteristicTime).toBeCloseTo(t, 7);
    expect(fifo.hitProbabilities[0]).toBeCloseTo((3 * t) / (1 + 3 * t), 7);
    expect(fifo.hitProbabilities[1]).toBeCloseTo(t / (1 + t), 7);
    expect(fifo.hitRatio).toBeCloseTo(0.566987298, 7);
  });

  it('uniform popularity: every policy hits C/N of the time', () => {
    const q = uniformPopularity(1000);
    for (const theory of [lruTheory(q, 37), fifoTheory(q, 37), perfectLfuTheory(q, 37)])
      expect(theory.hitRatio).toBeCloseTo(0.037, 7);
  });

  it('perfect LFU holds the top C by rate, ties to the lower index', () => {
    const lfu = perfectLfuTheory(rates(1, 5, 3, 5), 2);
    expect([...lfu.hitProbabilities]).toEqual([0, 1, 0, 1]);
    expect(lfu.hitRatio).toBeCloseTo(10 / 14, 12);
    expect(lfu.characteristicTime).toBeNull();
    expect([...perfectLfuTheory(rates(2, 2, 2), 2.9).hitProbabilities]).toEqual([1, 1, 0]);
  });

  it('TTL fixed at insertion: λT/(1 + λT); reset on hit: 1 − e^{−λT}', () => {
    const fixed = ttlFixedTheory(rates(2, 0.5, 0), 0.5);
    expect([...fixed.hitProbabilities]).toEqual([0.5, 0.2, 0]);
    expect(fixed.hitRatio).toBeCloseTo((2 * 0.5 + 0.5 * 0.2) / 2.5, 12);
    expect(fixed.characteristicTime).toBe(0.5);
    const reset = ttlResetOnHitTheory(rates(2, 0.5), 0.5);
    expect(reset.hitProbabilities[0]).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(reset.hitProbabilities[1]).toBeCloseTo(1 - Math.exp(-0.25), 12);
    expect(ttlFixedTheory(rates(2, 0.5), Infinity).hitRatio).toBe(1);
    expect(ttlResetOnHitTheory(rates(2, 0.5), 0).hitRatio).toBe(0);
  });

  it('the miss stream is λ_i(1 − h_i) and carries (1 − H) of the requests', () => {
    const λ = scaleRates(zipfPopularity(500, 0.9), 2000);
    const lru = lruTheory(λ, 50);
    const misses = missRates(λ, lru.hitProbabilities);
    expect(misses[0]).toBeCloseTo(λ[0] * (1 - lru.hitProbabilities[0]), 12);
    expect(sumOf(misses)).toBeCloseTo(2000 * (1 - lru.hitRatio), 8);
    // A second tier of the same size sees the first tier's misses and hits less often than the first.
    expect(lruTheory(misses, 50).hitRatio).toBeLessThan(lru.hitRatio);
  });

  it('byte hit ratio weighs by size; equal sizes give the hit ratio, and capacity in bytes the same T', () => {
    const λ = zipfPopularity(200, 1);
    const sizes = new Float64Array(200).fill(4096);
    const entries = lruTheory(λ, 20);
    const bytes = lruTheory(λ, 20 * 4096, sizes);
    expect(bytes.characteristicTime! / entries.characteristicTime!).toBeCloseTo(1, 7);
    expect(byteHitRatio(λ, bytes.hitProbabilities, sizes)).toBeCloseTo(entries.hitRatio, 7);
    const h = rates(1, 0);
    expect(byteHitRatio(rates(1, 1), h, rates(1, 3))).toBeCloseTo(0.25, 12);
    expect(hitRatio(rates(1, 1), h)).toBeCloseTo(0.5, 12);
  });

  it('limits: room for every requested key hits always (T infinite); no room never hits', () => {
    const λ = rates(5, 0, 1, 2);
    for (const solve of [lruTheory, fifoTheory, perfectLfuTheory]) {
      expect(solve(λ, 3).hitRatio).toBe(1);
      expect(solve(λ, 10).hitRatio).toBe(1);
      expect(solve(λ, 0).hitRatio).toBe(0);
    }
    expect(lruTheory(λ, 3).characteristicTime).toBe(Infinity);
    expect(lruTheory(λ, 3).hitProbabilities[1]).toBe(0);
  });

  it('rejects rates, sizes and capacities that mean nothing', () => {
    expect(() => lruTheory(rates(1, -1), 1)).toThrow(/rate of key index 1 is -1/);
    expect(() => fifoTheory(rates(1, NaN), 1)).toThrow(/rates must be finite/);
    expect(() => lruTheory(rates(1, 1), -1)).toThrow(/capacity must be >= 0/);
    expect(() => lruTheory(rates(1, 1), 1, rates(1))).toThrow(/1 sizes for 2 keys/);
    expect(() => ttlFixedTheory(rates(1), -1)).toThrow(/TTL must be >= 0/);
  });
});

describe('properties', () => {
  // Subnormal capacities are left out: their T underflows, and the scaling property cannot hold for it.
  const capacities = fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 80, noNaN: true }));

  it('after bisection the cache is full: Σ h_i = C (LRU and FIFO)', () => {
    fc.assert(
      fc.property(rateArrays, capacities, (λ, c) => {
        const requested = λ.filter((x) => x > 0).length;
        for (const theory of [lruTheory(λ, c), fifoTheory(λ, c)]) {
          expect(sumOf(theory.hitProbabilities)).toBeCloseTo(Math.min(c, requested), 6);
          expect(theory.expectedOccupancy).toBeCloseTo(Math.min(c, requested), 6);
        }
      }),
    );
  });

  it('more room never lowers the hit ratio, and perfect LFU is the best any C entries can do', () => {
    fc.assert(
      fc.property(rateArrays, capacities, capacities, (λ, a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        for (const solve of [lruTheory, fifoTheory, perfectLfuTheory])
          expect(solve(λ, large).hitRatio).toBeGreaterThanOrEqual(solve(λ, small).hitRatio - 1e-9);
        // Top-C maximises Σ λ_i h_i over 0 ≤ h_i ≤ 1, Σ h_i ≤ C, which LRU and FIFO also satisfy (at integer C).
        const c = Math.floor(small);
        const best = perfectLfuTheory(λ, c).hitRatio;
        expect(lruTheory(λ, c).hitRatio).toBeLessThanOrEqual(best + 1e-9);
        expect(fifoTheory(λ, c).hitRatio).toBeLessThanOrEqual(best + 1e-9);
      }),
    );
  });

  it('h_i grows with λ_i, and scaling every rate scales T inversely with the same hit ratio', () => {
    fc.assert(
      fc.property(rateArrays, capacities, fc.double({ min: 0.01, max: 100, noNaN: true }), (λ, c, k) => {
        const lru = lruTheory(λ, c);
        const scaled = lruTheory(scaleRates(λ, k), c);
        expect(scaled.hitRatio).toBeCloseTo(lru.hitRatio, 6);
        const t = lru.characteristicTime!;
        if (Number.isFinite(t) && t > 0) expect(Math.abs((scaled.characteristicTime! * k) / t - 1)).toBeLessThan(1e-8);
        const order = [...λ.keys()].sort((i, j) => λ[i] - λ[j]);
        for (let k2 = 1; k2 < order.length; k2++)
          expect(lru.hitProbabilities[order[k2]]).toBeGreaterThanOrEqual(lru.hitProbabilities[order[k2 - 1]]);
      }),
    );
  });

  it('a reset-on-hit TTL hits at least as often as a fixed one, and both grow with the TTL', () => {
    fc.assert(
      fc.property(
        rateArrays,
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (λ, a, b) => {
          const [short, long] = a <= b ? [a, b] : [b, a];
          expect(ttlResetOnHitTheory(λ, long).hitRatio).toBeGreaterThanOrEqual(
            ttlFixedTheory(λ, long).hitRatio - 1e-12,
          );
          expect(ttlFixedTheory(λ, long).hitRatio).toBeGreaterThanOrEqual(ttlFixedTheory(λ, short).hitRatio - 1e-12);
          expect(ttlResetOnHitTheory(λ, long).hitRatio).toBeGreaterThanOrEqual(
            ttlResetOnHitTheory(λ, short).hitRatio - 1e-12,
          );
        },
      ),
    );
  });
});

const ZIPF_KEYS = 'keys: { count: 1000, zipf: 0.8 }';

/** A short run of one cache (two nodes) in front of a kv-store: `cache`, `workload` and `db` are lines added to each, `rest` to the file. */
async function checksOf(
  cache: string,
  { workload = ZIPF_KEYS, db = '', rest = '' }: { workload?: string; db?: string; rest?: string } = {},
): Promise<ReturnType<typeof cacheTheoryChecks>> {
  const text = `
name: cache-theory-selection
seed: 1
duration: 2s
warmup: 1s
topology:
  regions: [dc]
  nodes:
    cache-host: { count: 2 }
    db-host: { count: 1 }
    client: { count: 1 }
components:
  cache:
    type: cache
    nodes: cache-host
    backend: db
    ${cache}
  db:
    type: kv-store
    nodes: db-host
    keys: { count: 1000 }
    ${db}
workloads:
  readers:
    type: poisson
    nodes: client
    target: cache
    rate: 500/s
    ${workload}
${rest}
`;
  const run = await runScenario(parseScenarioText(text, 'selection.yaml').scenario);
  return cacheTheoryChecks(run.built);
}

describe('which caches the checks describe', () => {
  it('a cache of two nodes fed by Poisson reads: the formula per node, at half the rate', async () => {
    const [check] = await checksOf('policy: lru\n    capacity: 100');
    expect(check).toMatchObject({ component: 'cache', policy: 'lru', method: "Che's approximation (LRU)", nodes: 2 });
    expect(check.requestRatePerSec).toBeCloseTo(250, 6);
    expect(check.note).toMatch(/split evenly over 2 nodes/);
    expect(check.rows[0].theory).toBeCloseTo(lruTheory(scaleRates(zipfPopularity(1000, 0.8), 250), 100).hitRatio, 5);
    expect(check.rows[0].difference).toBeCloseTo(check.rows[0].simulated! - check.rows[0].theory!, 5);
  });

  it('a policy without a formula is compared simulated only, with a note', async () => {
    const [check] = await checksOf('policy: sieve\n    capacity: 100');
    expect(check.method).toBeNull();
    expect(check.note).toMatch(/^no closed form: SIEVE has no published/);
    expect(check.rows[0].simulated).toBeGreaterThan(0);
    expect(check.rows[0].theory).toBeNull();
  });

  it('a byte capacity over equal objects counts entries; unequal objects add a byte hit ratio row', async () => {
    const [equal] = await checksOf('capacityBytes: 50KB', { db: 'objectSizes: 1KB' });
    expect(equal).toMatchObject({ method: "Che's approximation (LRU)", capacity: 50 });
    const lognormal = 'objectSizes: { type: lognormal, median: 1KB, sigma: 1 }';
    const [unequal] = await checksOf('capacity: 100', { db: lognormal });
    expect(unequal.rows.map((r) => r.key)).toEqual(['hit-ratio', 'byte-hit-ratio']);
    expect(unequal.rows[1].theory).not.toBeNull();
    const [bytes] = await checksOf('capacityBytes: 50KB', { db: lognormal });
    expect(bytes.note).toMatch(/^no closed form: a capacity in bytes with objects of different sizes/);
  });

  it('TTL modes get their exact formulas; a capacity and a TTL together get none', async () => {
    const [fixed] = await checksOf('ttl: 200ms');
    expect(fixed).toMatchObject({ policy: 'ttl', ttlMode: 'fixed', method: 'TTL fixed at insertion (exact)' });
    expect(fixed.characteristicTimeUs).toBe(200_000);
    const [both] = await checksOf('capacity: 100\n    ttl: 200ms\n    ttlMode: reset-on-hit');
    expect(both.note).toMatch(/a capacity that binds and a TTL together/);
  });

  it('a capacity that holds every key never binds: a TTL alongside it gets the TTL formula', async () => {
    const [roomy] = await checksOf('capacity: 5000\n    ttl: 200ms');
    expect(roomy).toMatchObject({
      method: 'TTL fixed at insertion (exact)',
      note: "requests split evenly over 2 nodes: the formula is per node, each seeing 1/2 of every key's rate",
    });
  });

  it('slow fills are named with the share of requests they make miss, the gap to expect', async () => {
    const slow = 'read: 50ms\n    workers: 64';
    const [check] = await checksOf('ttl: 100ms', { db: slow });
    const share = Number(/about ([0-9.]+)% of all/.exec(check.note ?? '')?.[1]);
    expect(share).toBeGreaterThan(1);
    expect(check.rows[0].theory! - check.rows[0].simulated!).toBeGreaterThan(0.005);
    const [fast] = await checksOf('ttl: 100ms');
    expect(fast.note ?? '').not.toMatch(/fills a miss at once/);
  });

  it('writes, a shifting hot set or faults leave a cache without a check', async () => {
    expect(
      await checksOf('capacity: 100', { workload: `${ZIPF_KEYS}\n    operations: { read: 9, write: 1 }` }),
    ).toEqual([]);
    expect(
      await checksOf('capacity: 100', { workload: 'keys: { count: 1000, zipf: 0.8, shift: { at: 1s, by: 10 } }' }),
    ).toEqual([]);
    const crash = 'faults:\n  timeline:\n    - { at: 1500ms, action: crash, nodes: [db-host-1] }';
    expect(await checksOf('capacity: 100', { rest: crash })).toEqual([]);
  });
});
