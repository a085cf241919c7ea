import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distribution, Zipf, type Distribution, type DistributionSpec } from '../engine/distribution.js';
import seedrandom from 'seedrandom';
import { deriveStream, RandomStream } from '../engine/random-stream.js';

function draws(stream: RandomStream, count: number): number[] {
  return Array.from({ length: count }, () => stream.next());
}

function correlation(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < n; i++) {
    covariance += (xs[i] - meanX) * (ys[i] - meanY);
    varianceX += (xs[i] - meanX) ** 2;
    varianceY += (ys[i] - meanY) ** 2;
  }
  return covariance / Math.sqrt(varianceX * varianceY);
}

/** Asserts an observed frequency is within 5 standard errors of probability p. */
function expectFrequency(hits: number, trials: number, p: number): void {
  const standardError = Math.sqrt((p * (1 - p)) / trials);
  expect(Math.abs(hits / trials - p)).toBeLessThanOrEqual(5 * standardError);
}

describe('deriveStream', () => {
  it('pins the numbers a seed produces, so a library or derivation change cannot slip by', () => {
    const stream = deriveStream(1, 'a', 'b');
    expect(stream.key).toBe('[1,"a","b"]');
    expect(draws(stream, 3)).toEqual([0.6077076317742467, 0.3853400768712163, 0.08345345291309059]);
  });

  it("steps exactly as seedrandom's alea for the same key, next() and nextDouble() alike", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (key) => {
        const ours = new RandomStream(key);
        const theirs = seedrandom.alea(key);
        for (let i = 0; i < 200; i++) expect(ours.next()).toBe(theirs());
        for (let i = 0; i < 50; i++) expect(ours.nextDouble()).toBe(theirs.double());
      }),
      { numRuns: 50 },
    );
  });

  it('gives identical sequences for the same (seed, path, purpose)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), fc.string(), fc.string(), (seed, path, purpose) => {
        expect(draws(deriveStream(seed, path, purpose), 20)).toEqual(draws(deriveStream(seed, path, purpose), 20));
      }),
      { numRuns: 50 },
    );
  });

  it('gives different sequences for different seeds, paths or purposes, including numeric vs string seeds', () => {
    const reference = draws(deriveStream(1, 'node-1', 'latency'), 10);
    for (const other of [
      deriveStream(2, 'node-1', 'latency'),
      deriveStream('1', 'node-1', 'latency'),
      deriveStream(1, 'node-2', 'latency'),
      deriveStream(1, 'node-1', 'loss'),
      deriveStream(1, 'node-1latency', ''),
    ]) {
      expect(draws(other, 10)).not.toEqual(reference);
    }
  });

  it('gives uncorrelated streams for neighbouring seeds and for different names', () => {
    const pairs = 10_000;
    const bound = 5 / Math.sqrt(pairs);
    expect(
      Math.abs(correlation(draws(deriveStream(1, 'n', 'p'), pairs), draws(deriveStream(2, 'n', 'p'), pairs))),
    ).toBeLessThan(bound);
    expect(
      Math.abs(correlation(draws(deriveStream(1, 'n1', 'p'), pairs), draws(deriveStream(1, 'n2', 'p'), pairs))),
    ).toBeLessThan(bound);
    expect(
      Math.abs(correlation(draws(deriveStream(1, 'n', 'p1'), pairs), draws(deriveStream(1, 'n', 'p2'), pairs))),
    ).toBeLessThan(bound);

    const shortPairs = 2_000;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 2 }),
        fc.string({ maxLength: 8 }),
        ([pathA, pathB], purpose) => {
          const r = correlation(
            draws(deriveStream(7, pathA, purpose), shortPairs),
            draws(deriveStream(7, pathB, purpose), shortPairs),
          );
          expect(Math.abs(r)).toBeLessThan(5 / Math.sqrt(shortPairs));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('is unaffected by deriving and using other streams in between (e.g. a newly added node)', () => {
    const reference = draws(deriveStream(99, 'cluster/db-1', 'disk'), 40);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string(), fc.nat(5))), (extras) => {
        const stream = deriveStream(99, 'cluster/db-1', 'disk');
        const observed: number[] = [];
        for (const [path, purpose, extraDraws] of extras) {
          observed.push(stream.next());
          const newcomer = deriveStream(99, path, purpose);
          for (let i = 0; i < extraDraws; i++) newcomer.next();
        }
        observed.push(...draws(stream, 40 - observed.length));
        expect(observed).toEqual(reference);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects seeds JSON cannot tell apart', () => {
    expect(() => deriveStream(Number.NaN, 'a', 'b')).toThrow(RangeError);
    expect(() => deriveStream(Infinity, 'a', 'b')).toThrow(/finite/);
  });
});

describe('RandomStream state', () => {
  it('resumes exactly after saveState / JSON round trip / restoreState', () => {
    const normal = distribution({ type: 'normal', mean: 0, stddev: 1 });
    fc.assert(
      fc.property(fc.string(), fc.nat(300), (path, skip) => {
        const original = deriveStream(3, path, 'resume');
        for (let i = 0; i < skip; i++)
          i % 3 === 0 ? original.int(17) : i % 3 === 1 ? normal.sample(original) : original.next();
        const saved = JSON.parse(JSON.stringify(original.saveState()));
        const expected = draws(original, 50);

        const fresh = deriveStream(3, path, 'resume');
        fresh.restoreState(saved);
        expect(draws(fresh, 50)).toEqual(expected);

        // Restoring also rewinds a stream that has moved on.
        original.restoreState(saved);
        expect(draws(original, 50)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('saves plain data and refuses states from another stream or corrupt states', () => {
    const stream = deriveStream(1, 'a', 'b');
    const state = stream.saveState();
    expect(Object.keys(state).sort()).toEqual(['c', 'key', 's0', 's1', 's2']);
    expect(() => deriveStream(1, 'a', 'c').restoreState(state)).toThrow(/cannot restore/);
    expect(() => stream.restoreState({ ...state, s1: 1.5 })).toThrow(/corrupt/);
    expect(() => stream.restoreState({ ...state, c: Number.NaN })).toThrow(/corrupt/);
    // Alea's state words are multiples of 2^-32; anything else was not saved by a stream.
    expect(() => stream.restoreState({ ...state, s0: 0.1 })).toThrow(/corrupt/);
  });
});

describe('RandomStream helpers', () => {
  it('next() is in [0, 1)', () => {
    const stream = deriveStream(5, 'x', 'y');
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = stream.next();
      if (!(x >= 0 && x < 1)) outOfRange++;
    }
    expect(outOfRange).toBe(0);
  });

  it('int(n) is a uniform integer in [0, n)', () => {
    const stream = deriveStream(5, 'x', 'int');
    const n = 7;
    const trials = 70_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < trials; i++) counts[stream.int(n)]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(trials);
    for (const count of counts) expectFrequency(count, trials, 1 / n);

    // A large n exercises the rejection step (2^32 mod 3e9 is far from 0).
    const large = 3_000_000_000;
    let upperHalf = 0;
    let invalid = 0;
    for (let i = 0; i < 10_000; i++) {
      const k = stream.int(large);
      if (!(Number.isInteger(k) && k >= 0 && k < large)) invalid++;
      if (k >= large / 2) upperHalf++;
    }
    expect(invalid).toBe(0);
    expectFrequency(upperHalf, 10_000, 0.5);

    expect(stream.int(1)).toBe(0);
    expect(Number.isInteger(stream.int(2 ** 32))).toBe(true);
    for (const bad of [0, -1, 1.5, 2 ** 32 + 1, Number.NaN]) expect(() => stream.int(bad)).toThrow(RangeError);
  });

  it('bernoulli(p) is true with frequency p', () => {
    const stream = deriveStream(5, 'x', 'coin');
    const trials = 50_000;
    let hits = 0;
    for (let i = 0; i < trials; i++) if (stream.bernoulli(0.3)) hits++;
    expectFrequency(hits, trials, 0.3);
    for (let i = 0; i < 1_000; i++) {
      expect(stream.bernoulli(0)).toBe(false);
      expect(stream.bernoulli(1)).toBe(true);
    }
    for (const bad of [-0.1, 1.1, Number.NaN]) expect(() => stream.bernoulli(bad)).toThrow(RangeError);
  });

  it('pick() returns every element and rejects an empty array', () => {
    const stream = deriveStream(5, 'x', 'pick');
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(stream.pick(items));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => stream.pick([])).toThrow(RangeError);
  });
});

describe('distribution', () => {
  const SAMPLES = 200_000;

  /**
   * Sample mean and variance within 5 standard errors of the analytic values.
   * The variance's standard error, sqrt((m4 - var^2) / n), uses the sample's
   * fourth central moment, hence pareto shape > 4.
   */
  function expectMomentsMatch(dist: Distribution, purpose: string): void {
    const rng = deriveStream(2024, 'moments', purpose);
    const xs = new Float64Array(SAMPLES);
    let sum = 0;
    let smallest = Infinity;
    for (let i = 0; i < SAMPLES; i++) {
      xs[i] = dist.sample(rng);
      sum += xs[i];
      smallest = Math.min(smallest, xs[i]);
    }
    expect(smallest).toBeGreaterThanOrEqual(dist.min);
    const mean = sum / SAMPLES;
    let m2 = 0;
    let m4 = 0;
    for (const x of xs) {
      const d2 = (x - mean) ** 2;
      m2 += d2;
      m4 += d2 * d2;
    }
    const variance = m2 / (SAMPLES - 1);
    m4 /= SAMPLES;
    expect(Math.abs(mean - dist.mean)).toBeLessThanOrEqual(5 * Math.sqrt(dist.variance / SAMPLES));
    expect(Math.abs(variance - dist.variance)).toBeLessThanOrEqual(5 * Math.sqrt((m4 - variance * variance) / SAMPLES));
  }

  const specs: DistributionSpec[] = [
    { type: 'uniform', min: -3, max: 5 },
    { type: 'exponential', mean: 250 },
    { type: 'normal', mean: 10, stddev: 3 },
    { type: 'lognormal', mu: 1, sigma: 0.5 },
    { type: 'lognormal', median: 20_000, sigma: 0.3 },
    { type: 'pareto', scale: 100, shape: 5 },
    {
      type: 'empirical',
      points: [
        [0, 1000],
        [50, 2000],
        [99, 10_000],
        [100, 50_000],
      ],
    },
  ];
  for (const spec of specs) {
    it(`${JSON.stringify(spec)} has the analytic mean and variance`, () => {
      expectMomentsMatch(distribution(spec), JSON.stringify(spec));
    });
  }

  it('has the textbook closed forms', () => {
    const uniform = distribution({ type: 'uniform', min: 2, max: 8 });
    expect([uniform.mean, uniform.variance, uniform.min]).toEqual([5, 3, 2]);
    const exponential = distribution({ type: 'exponential', mean: 4 });
    expect([exponential.mean, exponential.variance, exponential.min]).toEqual([4, 16, 0]);
    const pareto = distribution({ type: 'pareto', scale: 2, shape: 3 });
    expect([pareto.mean, pareto.variance, pareto.min]).toEqual([3, 3, 2]);
    expect(distribution({ type: 'normal', mean: 1, stddev: 2 }).min).toBe(-Infinity);
    const lognormal = distribution({ type: 'lognormal', mu: 0, sigma: 1 });
    expect(lognormal.mean).toBeCloseTo(Math.exp(0.5), 12);
    expect(lognormal.variance).toBeCloseTo((Math.E - 1) * Math.E, 12);
    // median = e^mu, so the two parametrisations agree.
    const byMedian = distribution({ type: 'lognormal', median: 1, sigma: 1 });
    expect([byMedian.mean, byMedian.variance]).toEqual([lognormal.mean, lognormal.variance]);
    // Two segments: uniform [0, 10] with half the mass, uniform [10, 30] with the other half.
    const empirical = distribution({
      type: 'empirical',
      points: [
        [0, 0],
        [50, 10],
        [100, 30],
      ],
    });
    expect(empirical.mean).toBeCloseTo(12.5, 12);
    expect(empirical.variance).toBeCloseTo((100 / 3 + 1300 / 3) / 2 - 12.5 ** 2, 9);
    expect(empirical.min).toBe(0);
  });

  it('reports Infinity for moments that do not exist', () => {
    const heavy = distribution({ type: 'pareto', scale: 1, shape: 1 });
    expect([heavy.mean, heavy.variance]).toEqual([Infinity, Infinity]);
    const moderate = distribution({ type: 'pareto', scale: 1, shape: 1.5 });
    expect(moderate.mean).toBe(3);
    expect(moderate.variance).toBe(Infinity);
  });

  it('constant returns its value and draws nothing', () => {
    const constant = distribution({ type: 'constant', value: 42 });
    const rng = deriveStream(1, 'c', 'c');
    const untouched = deriveStream(1, 'c', 'c');
    for (let i = 0; i < 10; i++) expect(constant.sample(rng)).toBe(42);
    expect(rng.next()).toBe(untouched.next());
    expect([constant.mean, constant.variance, constant.min]).toEqual([42, 0, 42]);
  });

  it('empirical sample percentiles match the table', () => {
    const empirical = distribution({
      type: 'empirical',
      points: [
        [0, 1000],
        [50, 2000],
        [99, 10_000],
        [100, 50_000],
      ],
    });
    const rng = deriveStream(2024, 'percentiles', 'empirical');
    const thresholds = [
      { value: 1500, percentile: 25 },
      { value: 2000, percentile: 50 },
      { value: 6000, percentile: 74.5 },
      { value: 10_000, percentile: 99 },
      { value: 30_000, percentile: 99.5 },
    ];
    const atOrBelow = thresholds.map(() => 0);
    let outOfRange = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const x = empirical.sample(rng);
      if (!(x >= 1000 && x < 50_000)) outOfRange++;
      for (let j = 0; j < thresholds.length; j++) if (x <= thresholds[j].value) atOrBelow[j]++;
    }
    expect(outOfRange).toBe(0);
    thresholds.forEach(({ percentile }, j) => expectFrequency(atOrBelow[j], SAMPLES, percentile / 100));
  });

  it('rejects bad parameters with a message naming the parameter', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'exponential', mean: -3 }, /^exponential mean must be > 0, got -3$/],
      [{ type: 'exponential', mean: Infinity }, /exponential mean must be a finite number, got Infinity/],
      [{ type: 'constant', value: Number.NaN }, /constant value must be a finite number, got NaN/],
      [{ type: 'constant' }, /constant value must be a finite number, got undefined/],
      [{ type: 'uniform', min: 5, max: 3 }, /uniform max must be >= min \(5\), got 3/],
      [{ type: 'normal', mean: 0, stddev: -1 }, /normal stddev must be >= 0, got -1/],
      [{ type: 'lognormal', mu: 0, median: 1, sigma: 1 }, /exactly one of mu .* or median/],
      [{ type: 'lognormal', sigma: 1 }, /exactly one of mu .* or median/],
      [{ type: 'lognormal', median: 0, sigma: 1 }, /lognormal median must be > 0, got 0/],
      [{ type: 'lognormal', mu: 0, sigma: -0.5 }, /lognormal sigma must be >= 0, got -0.5/],
      [{ type: 'pareto', scale: -1, shape: 2 }, /pareto scale must be > 0, got -1/],
      [{ type: 'pareto', scale: 1, shape: 0 }, /pareto shape must be > 0, got 0/],
      [{ type: 'pareto', scale: '1', shape: 2 }, /pareto scale must be a finite number, got "1"/],
      [{ type: 'empirical', points: [[0, 1]] }, /at least 2/],
      [
        {
          type: 'empirical',
          points: [
            [10, 1],
            [100, 2],
          ],
        },
        /points\[0\] percentile must be 0, got 10/,
      ],
      [
        {
          type: 'empirical',
          points: [
            [0, 1],
            [99, 2],
          ],
        },
        /points\[1\] percentile must be 100, got 99/,
      ],
      [
        {
          type: 'empirical',
          points: [
            [0, 1],
            [50, 2],
            [50, 3],
            [100, 4],
          ],
        },
        /points\[2\] percentile must be > the previous percentile \(50\), got 50/,
      ],
      [
        {
          type: 'empirical',
          points: [
            [0, 5],
            [50, 4],
            [100, 6],
          ],
        },
        /points\[1\] value must be >= the previous value \(5\), got 4/,
      ],
      [{ type: 'empirical', points: [[0, 1], [100]] }, /points\[1\] must be a \[percentile, value\] pair/],
      [{ type: 'gamma', shape: 2 }, /unknown distribution type "gamma"/],
      [null, /unknown distribution type undefined/],
    ];
    for (const [spec, message] of cases) {
      expect(() => distribution(spec as DistributionSpec), JSON.stringify(spec)).toThrow(RangeError);
      expect(() => distribution(spec as DistributionSpec), JSON.stringify(spec)).toThrow(message);
    }
  });

  it('accepts degenerate but meaningful parameters', () => {
    const rng = deriveStream(1, 'd', 'd');
    expect(distribution({ type: 'uniform', min: 3, max: 3 }).sample(rng)).toBe(3);
    expect(distribution({ type: 'normal', mean: 3, stddev: 0 }).sample(rng)).toBe(3);
    expect(
      distribution({
        type: 'empirical',
        points: [
          [0, 7],
          [100, 7],
        ],
      }).sample(rng),
    ).toBe(7);
  });
});

describe('mixture distribution', () => {
  const SAMPLES = 200_000;
  const tail: DistributionSpec = {
    type: 'mixture',
    parts: [
      { weight: 9, distribution: { type: 'exponential', mean: 2000 } },
      { weight: 1, distribution: { type: 'pareto', scale: 5000, shape: 5 } },
    ],
  };

  it('has the law-of-total-variance moments, and samples match them', () => {
    const d = distribution(tail);
    const paretoMean = (5 * 5000) / 4;
    const paretoVariance = (5000 ** 2 * 5) / (16 * 3);
    const mean = 0.9 * 2000 + 0.1 * paretoMean;
    expect(d.mean).toBeCloseTo(mean, 9);
    const secondMoment = 0.9 * (2 * 2000 ** 2) + 0.1 * (paretoVariance + paretoMean ** 2);
    expect(d.variance).toBeCloseTo(secondMoment - mean ** 2, 6);
    expect(d.min).toBe(0);

    const rng = deriveStream(2024, 'moments', 'mixture');
    const xs = new Float64Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) xs[i] = d.sample(rng);
    const sampleMean = xs.reduce((a, b) => a + b, 0) / SAMPLES;
    let m2 = 0;
    let m4 = 0;
    for (const x of xs) {
      m2 += (x - sampleMean) ** 2;
      m4 += (x - sampleMean) ** 4;
    }
    const sampleVariance = m2 / (SAMPLES - 1);
    expect(Math.abs(sampleMean - d.mean)).toBeLessThanOrEqual(5 * Math.sqrt(d.variance / SAMPLES));
    expect(Math.abs(sampleVariance - d.variance)).toBeLessThanOrEqual(
      5 * Math.sqrt((m4 / SAMPLES - sampleVariance ** 2) / SAMPLES),
    );
  });

  it('normalises weights by their sum and picks each part with its share', () => {
    const d = distribution({
      type: 'mixture',
      parts: [
        { weight: 0.5, distribution: { type: 'constant', value: 1 } },
        { weight: 1.5, distribution: { type: 'constant', value: 2 } },
      ],
    });
    expect([d.mean, d.variance, d.min, d.draws]).toEqual([1.75, 0.1875, 1, 1]);
    const rng = deriveStream(7, 'mixture', 'shares');
    let ones = 0;
    for (let i = 0; i < SAMPLES; i++) if (d.sample(rng) === 1) ones++;
    expectFrequency(ones, SAMPLES, 0.25);
  });

  it('consumes the same number of draws whichever part it picks', () => {
    // Parts drawing 0, 1 and 2 numbers: every sample spends 1 + 2.
    const d = distribution({
      type: 'mixture',
      parts: [
        { weight: 1, distribution: { type: 'constant', value: 1 } },
        { weight: 1, distribution: { type: 'exponential', mean: 1 } },
        { weight: 1, distribution: { type: 'normal', mean: 0, stddev: 1 } },
      ],
    });
    expect(d.draws).toBe(3);
    const rng = deriveStream(3, 'mixture', 'draws');
    const shadow = deriveStream(3, 'mixture', 'draws');
    for (let i = 0; i < 300; i++) {
      d.sample(rng);
      draws(shadow, 3);
      expect(rng.saveState()).toEqual(shadow.saveState());
    }
  });

  it('states the draws of every type, and nested mixtures add theirs', () => {
    const counts = (
      [
        [{ type: 'constant', value: 1 }, 0],
        [{ type: 'uniform', min: 0, max: 1 }, 1],
        [{ type: 'exponential', mean: 1 }, 1],
        [{ type: 'normal', mean: 0, stddev: 1 }, 2],
        [{ type: 'lognormal', mu: 0, sigma: 1 }, 2],
        [{ type: 'pareto', scale: 1, shape: 2 }, 1],
        [
          {
            type: 'empirical',
            points: [
              [0, 1],
              [100, 2],
            ],
          },
          1,
        ],
        [
          {
            type: 'mixture',
            parts: [
              { weight: 1, distribution: tail },
              { weight: 1, distribution: { type: 'normal', mean: 0, stddev: 1 } },
            ],
          },
          3,
        ],
      ] as Array<[DistributionSpec, number]>
    ).map(([spec, expected]) => {
      const d = distribution(spec);
      const rng = deriveStream(5, 'draws', spec.type);
      const shadow = deriveStream(5, 'draws', spec.type);
      for (let i = 0; i < 50; i++) d.sample(rng);
      draws(shadow, 50 * d.draws);
      expect(rng.saveState(), spec.type).toEqual(shadow.saveState());
      return [d.draws, expected];
    });
    for (const [got, expected] of counts) expect(got).toBe(expected);
  });

  it('is infinite in mean or variance when a part is', () => {
    const mix = (shape: number) =>
      distribution({
        type: 'mixture',
        parts: [
          { weight: 1, distribution: { type: 'exponential', mean: 1 } },
          { weight: 1, distribution: { type: 'pareto', scale: 1, shape } },
        ],
      });
    expect([mix(1).mean, mix(1).variance]).toEqual([Infinity, Infinity]);
    expect(mix(1.5).mean).toBeCloseTo(2, 12);
    expect(mix(1.5).variance).toBe(Infinity);
  });

  it('rejects bad parts, weights and nesting with a message naming them', () => {
    const exp = { type: 'exponential', mean: 1 };
    const nest = (depth: number): unknown =>
      depth === 0
        ? exp
        : {
            type: 'mixture',
            parts: [
              { weight: 1, distribution: nest(depth - 1) },
              { weight: 1, distribution: exp },
            ],
          };
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'mixture', parts: [{ weight: 1, distribution: exp }] }, /^mixture parts must be an array of at least 2/],
      [{ type: 'mixture' }, /mixture parts must be an array of at least 2 .*got undefined/],
      [
        {
          type: 'mixture',
          parts: [
            { weight: 0, distribution: exp },
            { weight: 1, distribution: exp },
          ],
        },
        /^mixture parts\[0\] weight must be > 0, got 0$/,
      ],
      [
        {
          type: 'mixture',
          parts: [
            { weight: 1, distribution: exp },
            { weight: -2, distribution: exp },
          ],
        },
        /mixture parts\[1\] weight must be > 0, got -2/,
      ],
      [
        { type: 'mixture', parts: [{ weight: 1, distribution: exp }, { distribution: exp }] },
        /mixture parts\[1\] weight must be a finite number, got undefined/,
      ],
      [
        { type: 'mixture', parts: [{ weight: 1, distribution: exp }, 3] },
        /mixture parts\[1\] must be a \{ weight, distribution \} part, got 3/,
      ],
      [
        {
          type: 'mixture',
          parts: [
            { weight: 1e308, distribution: exp },
            { weight: 1e308, distribution: exp },
          ],
        },
        /finite sum/,
      ],
      [
        {
          type: 'mixture',
          parts: [
            { weight: 1, distribution: exp },
            { weight: 1, distribution: { type: 'exponential', mean: -3 } },
          ],
        },
        /^mixture parts\[1\] distribution: exponential mean must be > 0, got -3$/,
      ],
      [
        { type: 'mixture', parts: [{ weight: 1, distribution: exp }, { weight: 1 }] },
        /mixture parts\[1\] distribution: unknown distribution type undefined/,
      ],
      [nest(5), /mixtures nest at most 4 deep/],
    ];
    for (const [spec, message] of cases) {
      expect(() => distribution(spec as DistributionSpec), JSON.stringify(spec)).toThrow(RangeError);
      expect(() => distribution(spec as DistributionSpec), JSON.stringify(spec)).toThrow(message);
    }
    expect(distribution(nest(4) as DistributionSpec).draws).toBe(5);
  });

  it('a spec that contains itself is refused, not a stack overflow', () => {
    const parts: { weight: number; distribution: DistributionSpec }[] = [];
    const loop: DistributionSpec = { type: 'mixture', parts };
    parts.push({ weight: 1, distribution: loop }, { weight: 1, distribution: loop });
    expect(() => distribution(loop)).toThrow(/mixtures nest at most 4 deep/);
  });
});

describe('Zipf', () => {
  const SAMPLES = 200_000;

  function harmonic(n: number, s: number): number {
    let sum = 0;
    for (let k = 1; k <= n; k++) sum += k ** -s;
    return sum;
  }

  for (const s of [0, 0.5, 1, 1.5]) {
    it(`n = 10, s = ${s}: rank frequencies match k^-s / H(10, s)`, () => {
      const zipf = new Zipf(10, s);
      const rng = deriveStream(2024, 'zipf', `s=${s}`);
      // Index 0 and 11 collect nothing unless a rank falls outside 1..10.
      const counts = new Array<number>(12).fill(0);
      for (let i = 0; i < SAMPLES; i++) counts[Math.min(Math.max(zipf.sample(rng), 0), 11)]++;
      expect([counts[0], counts[11]]).toEqual([0, 0]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(SAMPLES);
      const normaliser = harmonic(10, s);
      for (let k = 1; k <= 10; k++) expectFrequency(counts[k], SAMPLES, k ** -s / normaliser);
    });
  }

  it('is continuous through s = 1 (no 0/0 blow-up next to it)', () => {
    for (const nearOne of [1 - 1e-12, 1 + 1e-12, 1 - 1e-7, 1 + 1e-7]) {
      const exact = new Zipf(1000, 1);
      const near = new Zipf(1000, nearOne);
      const rngExact = deriveStream(1, 'zipf', 'near-one');
      const rngNear = deriveStream(1, 'zipf', 'near-one');
      let differences = 0;
      for (let i = 0; i < 10_000; i++) if (exact.sample(rngExact) !== near.sample(rngNear)) differences++;
      // A difference would desynchronise the streams (rejection), so allow a handful at most.
      expect(differences, `s = ${nearOne}`).toBeLessThanOrEqual(5);
    }
  });

  it('samples a billion keys in O(1): integer ranks in range with the right head and mean', () => {
    const n = 1e9;
    const trials = 20_000;
    const rng = deriveStream(2024, 'zipf', 'billion');

    const skewed = new Zipf(n, 1);
    let ones = 0;
    let invalid = 0;
    for (let i = 0; i < trials; i++) {
      const k = skewed.sample(rng);
      if (!(Number.isInteger(k) && k >= 1 && k <= n)) invalid++;
      if (k === 1) ones++;
    }
    expect(invalid).toBe(0);
    // H(n, 1) = ln n + Euler–Mascheroni + O(1/n).
    expectFrequency(ones, trials, 1 / (Math.log(n) + 0.5772156649015329));

    const uniform = new Zipf(n, 0);
    let sum = 0;
    for (let i = 0; i < trials; i++) {
      const k = uniform.sample(rng);
      if (!(Number.isInteger(k) && k >= 1 && k <= n)) invalid++;
      sum += k;
    }
    expect(invalid).toBe(0);
    const standardError = n / Math.sqrt(12 * trials);
    expect(Math.abs(sum / trials - (n + 1) / 2)).toBeLessThanOrEqual(5 * standardError);
  });

  it('handles n = 1 and steep exponents', () => {
    const rng = deriveStream(1, 'zipf', 'edges');
    const single = new Zipf(1, 1.2);
    for (let i = 0; i < 100; i++) expect(single.sample(rng)).toBe(1);
    const steep = new Zipf(1e6, 40);
    for (let i = 0; i < 1000; i++) expect(steep.sample(rng)).toBe(1);
  });

  it('rejects bad parameters', () => {
    expect(() => new Zipf(0, 1)).toThrow(/zipf n must be an integer >= 1, got 0/);
    expect(() => new Zipf(2.5, 1)).toThrow(RangeError);
    expect(() => new Zipf(10, -1)).toThrow(/zipf exponent s must be a finite number >= 0, got -1/);
    expect(() => new Zipf(10, Number.NaN)).toThrow(RangeError);
  });
});
