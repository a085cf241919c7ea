import { describe, expect, it } from 'vitest';
import { deriveStream, type DistributionSpec, type RandomStream } from '../engine/index.js';
import {
  kStalenessProbability,
  warsConsistentAfterUs,
  warsCurve,
  warsTimeToProbability,
  warsTVisibility,
  warsTVisibilityAfterAck,
  warsTimeToProbabilityAfterAck,
  type WarsLatencies,
} from '../reports/consistency/wars-model.js';

const exp = (meanUs: number): DistributionSpec => ({ type: 'exponential', mean: meanUs });
const constant = (value: number): DistributionSpec => ({ type: 'constant', value });
/** A slow write against fast acknowledgements, reads and responses, so staleness is common. */
const slowWrites: WarsLatencies = { write: exp(5000), ack: exp(1000), read: exp(1000), response: exp(1000) };

/** Asserts two estimates of one probability from n1 and n2 trials agree within 5 standard errors of their difference. */
function expectSameProbability(a: number, n1: number, b: number, n2: number): void {
  const p = (a * n1 + b * n2) / (n1 + n2);
  const standardError = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(5 * standardError, 1e-12));
}

describe('WARS t-visibility', () => {
  it('is 1 at every t >= 0 when R + W > N: read and write quorums share a replica that had the write', () => {
    for (const [replicas, readQuorum, writeQuorum] of [
      [3, 2, 2],
      [3, 1, 3],
      [3, 3, 1],
      [5, 3, 3],
    ]) {
      const q = { replicas, readQuorum, writeQuorum, latencies: slowWrites, trials: 5000, seed: 3 };
      expect(warsTVisibility({ ...q, tUs: [0, 1, 1000, 1e6] })).toEqual([1, 1, 1, 1]);
      expect(warsTimeToProbability(q, 1)).toBe(0);
    }
  });

  it('constant latencies: every trial is consistent from -(A + R), hand-computed', () => {
    const latencies = { write: constant(10_000), ack: constant(1000), read: constant(2000), response: constant(500) };
    const delays = warsConsistentAfterUs({
      replicas: 3,
      readQuorum: 1,
      writeQuorum: 1,
      latencies,
      trials: 10,
      seed: 1,
    });
    expect([...delays]).toEqual(Array(10).fill(-3000));
  });

  it('a two-valued write latency gives the hand-computed step: 3/4 consistent until 17 ms, then all', () => {
    // W is 1 ms or 20 ms with equal odds, A = R = S = 1 ms, N = 2, R = W = 1. The read goes to replica 1
    // (ties go to the lower index); the write commits at min(W) + 1 ms. Only W = (20, 1) is stale, until
    // 20 <= (1 + 1) + t + 1, i.e. t >= 17 ms.
    const twoValued: DistributionSpec = {
      type: 'mixture',
      parts: [
        { weight: 1, distribution: constant(1000) },
        { weight: 1, distribution: constant(20_000) },
      ],
    };
    const latencies = { write: twoValued, ack: constant(1000), read: constant(1000), response: constant(1000) };
    const trials = 40_000;
    const q = { replicas: 2, readQuorum: 1, writeQuorum: 1, latencies, trials, seed: 7 };
    const [atCommit, justBefore, at, after] = warsTVisibility({ ...q, tUs: [0, 16_999, 17_000, 50_000] });
    expect(Math.abs(atCommit - 0.75)).toBeLessThanOrEqual(5 * Math.sqrt((0.75 * 0.25) / trials));
    expect(justBefore).toBe(atCommit);
    expect([at, after]).toEqual([1, 1]);
    expect(warsTimeToProbability(q, 0.9)).toBe(17_000);
    expect(warsTimeToProbability(q, 0.5)).toBe(0);
    // Two replicas both read: the stale one is never alone.
    expect(warsTVisibility({ ...q, readQuorum: 2, tUs: [0] })).toEqual([1]);
  });

  /**
   * WARS written the long way: per t, per trial, absolute event times and an
   * explicit sort of the responders, exponentials drawn by hand.
   */
  function bruteForce(
    replicas: number,
    readQuorum: number,
    writeQuorum: number,
    tUs: number,
    trials: number,
    rng: RandomStream,
  ): number {
    const draw = (mean: number) => -mean * Math.log(1 - rng.next());
    let consistent = 0;
    for (let trial = 0; trial < trials; trial++) {
      const replicasDrawn = Array.from({ length: replicas }, () => ({
        writeArrives: draw(5000),
        ackLeg: draw(1000),
        readLeg: draw(1000),
        responseLeg: draw(1000),
      }));
      const acks = replicasDrawn.map((r) => r.writeArrives + r.ackLeg).sort((a, b) => a - b);
      const readSent = acks[writeQuorum - 1] + tUs;
      const answered = replicasDrawn
        .map((r) => ({
          readArrives: readSent + r.readLeg,
          responseArrives: readSent + r.readLeg + r.responseLeg,
          writeArrives: r.writeArrives,
        }))
        .sort((a, b) => a.responseArrives - b.responseArrives)
        .slice(0, readQuorum);
      if (answered.some((r) => r.writeArrives <= r.readArrives)) consistent++;
    }
    return consistent / trials;
  }

  it('agrees with a direct per-t simulation for exponential latencies', () => {
    const tUs = [0, 1000, 5000, 20_000];
    const trials = 40_000;
    const bruteTrials = 20_000;
    for (const [replicas, readQuorum, writeQuorum] of [
      [3, 1, 1],
      [3, 1, 2],
      [5, 2, 2],
    ]) {
      const model = warsTVisibility({
        replicas,
        readQuorum,
        writeQuorum,
        latencies: slowWrites,
        tUs,
        trials,
        seed: 11,
      });
      tUs.forEach((t, i) => {
        const rng = deriveStream(99, `brute ${replicas}/${readQuorum}/${writeQuorum}`, String(t));
        const brute = bruteForce(replicas, readQuorum, writeQuorum, t, bruteTrials, rng);
        expectSameProbability(model[i], trials, brute, bruteTrials);
        expect(Math.abs(model[i] - brute), `N=${replicas} R=${readQuorum} W=${writeQuorum} t=${t}`).toBeLessThan(0.02);
      });
      // More time never makes a read staler.
      for (let i = 1; i < model.length; i++) expect(model[i]).toBeGreaterThanOrEqual(model[i - 1]);
    }
  });

  it("reproduces the PBS paper's t-visibility for its production latency fits (N = 3, R = W = 1)", () => {
    // Fits from Table "Distribution fits for production latency distributions" and values from
    // "Observed t-visibility" of the paper's draft source (github.com/pbailis/pbs-vldb-historical-paper-material,
    // writeup/ernst.tex): λ in 1/ms, x_m in ms. The paper ran 10,000 writes per curve, hence ±0.01.
    const pareto = (weight: number, scaleMs: number, shape: number) => ({
      weight,
      distribution: { type: 'pareto', scale: scaleMs * 1000, shape } as const,
    });
    const exponential = (weight: number, lambdaPerMs: number) => ({ weight, distribution: exp(1000 / lambdaPerMs) });
    const ssd: DistributionSpec = { type: 'mixture', parts: [pareto(0.9122, 0.235, 10), exponential(0.0878, 1.66)] };
    const diskWrite: DistributionSpec = {
      type: 'mixture',
      parts: [pareto(0.38, 1.05, 1.51), exponential(0.62, 0.183)],
    };
    const ymmrWrite: DistributionSpec = {
      type: 'mixture',
      parts: [pareto(0.939, 3, 3.35), exponential(0.061, 0.0028)],
    };
    const ymmrRest: DistributionSpec = {
      type: 'mixture',
      parts: [pareto(0.982, 1.5, 3.8), exponential(0.018, 0.0217)],
    };
    const curve = (latencies: WarsLatencies) =>
      warsTVisibility({
        replicas: 3,
        readQuorum: 1,
        writeQuorum: 1,
        latencies,
        tUs: [0, 10_000],
        trials: 50_000,
        seed: 1,
      });

    const [ssdAtCommit, ssdAt10ms] = curve({ write: ssd, ack: ssd, read: ssd, response: ssd });
    expect(Math.abs(ssdAtCommit - 0.975)).toBeLessThanOrEqual(0.01);
    expect(ssdAt10ms).toBeGreaterThan(0.9995);
    const [diskAtCommit, diskAt10ms] = curve({ write: diskWrite, ack: ssd, read: ssd, response: ssd });
    expect(Math.abs(diskAtCommit - 0.439)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(diskAt10ms - 0.925)).toBeLessThanOrEqual(0.01);
    const [ymmrAtCommit, ymmrAt10ms] = curve({ write: ymmrWrite, ack: ymmrRest, read: ymmrRest, response: ymmrRest });
    expect(Math.abs(ymmrAtCommit - 0.893)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(ymmrAt10ms - 0.939)).toBeLessThanOrEqual(0.01);
    // Its table puts LNKD-SSD's 99.9% t-visibility at 1.85 ms (from 50,000 reads).
    const ssdTime = warsTimeToProbability(
      {
        replicas: 3,
        readQuorum: 1,
        writeQuorum: 1,
        latencies: { write: ssd, ack: ssd, read: ssd, response: ssd },
        trials: 50_000,
        seed: 1,
      },
      0.999,
    );
    expect(ssdTime / 1000).toBeGreaterThan(1.85 * 0.9);
    expect(ssdTime / 1000).toBeLessThan(1.85 * 1.1);
  });

  it('time to a probability is the curve read backwards', () => {
    const q = { replicas: 3, readQuorum: 1, writeQuorum: 1, latencies: slowWrites, trials: 20_000, seed: 5 };
    for (const p of [0.9, 0.99, 0.999]) {
      const t = warsTimeToProbability(q, p);
      const [at, below] = warsTVisibility({ ...q, tUs: [t, Math.max(0, t - 1e-6)] });
      expect(at).toBeGreaterThanOrEqual(p);
      if (t > 0) expect(below).toBeLessThan(p);
    }
  });

  it('from the acknowledgement: the curve from the commit, shifted by the constant client hops', () => {
    const q = { replicas: 3, readQuorum: 1, writeQuorum: 1, latencies: slowWrites, trials: 10_000, seed: 8 };
    const client = { ack: constant(1000), request: constant(2000) };
    const tUs = [0, 500, 2000, 10_000];
    expect(warsTVisibilityAfterAck({ ...q, tUs, client })).toEqual(
      warsTVisibility({ ...q, tUs: tUs.map((t) => t + 3000) }),
    );
    expect(warsTimeToProbabilityAfterAck({ ...q, client }, 0.99)).toBe(
      Math.max(0, warsTimeToProbability(q, 0.99) - 3000),
    );
  });

  it('the same seed gives identical results; another seed other samples', () => {
    const q = { replicas: 3, readQuorum: 1, writeQuorum: 2, latencies: slowWrites, trials: 5000, seed: 21 };
    expect(warsConsistentAfterUs(q)).toEqual(warsConsistentAfterUs(q));
    expect(warsTVisibility({ ...q, tUs: [0, 3000] })).toEqual(warsTVisibility({ ...q, tUs: [0, 3000] }));
    expect(warsConsistentAfterUs({ ...q, seed: 22 })).not.toEqual(warsConsistentAfterUs(q));
  });

  it('refuses bad questions with RangeErrors that name the argument', () => {
    const q = { replicas: 3, readQuorum: 1, writeQuorum: 1, latencies: slowWrites, tUs: [0], trials: 100, seed: 1 };
    const cases: Array<[object, RegExp]> = [
      [{ replicas: 0 }, /replicas \(N\) must be a whole number >= 1, got 0/],
      [{ replicas: 2.5 }, /replicas \(N\) must be a whole number >= 1, got 2.5/],
      [{ readQuorum: 4 }, /readQuorum \(R\) must be a whole number from 1 to replicas \(3\), got 4/],
      [{ readQuorum: 0 }, /readQuorum \(R\) .* got 0/],
      [{ writeQuorum: 5 }, /writeQuorum \(W\) must be a whole number from 1 to replicas \(3\), got 5/],
      [{ trials: 0 }, /trials must be a whole number >= 1, got 0/],
      [{ seed: Number.NaN }, /seed must be a finite number, got NaN/],
      [{ tUs: [0, -1] }, /tUs\[1\] must be a finite delay >= 0 µs after the commit, got -1/],
      [{ latencies: { ...slowWrites, ack: exp(-1) } }, /^latencies\.ack: exponential mean must be > 0, got -1$/],
      [{ latencies: { write: exp(1), ack: exp(1), read: exp(1) } }, /latencies\.response: unknown distribution type/],
    ];
    for (const [change, message] of cases) {
      expect(() => warsTVisibility({ ...q, ...change }), JSON.stringify(change)).toThrow(RangeError);
      expect(() => warsTVisibility({ ...q, ...change }), JSON.stringify(change)).toThrow(message);
    }
    expect(() => warsTimeToProbability(q, 0)).toThrow(/p must be in \(0, 1\], got 0/);
    expect(() => warsTimeToProbability(q, 1.5)).toThrow(RangeError);
    expect(() => warsTVisibilityAfterAck({ ...q } as never)).toThrow(/client must give the \{ ack, request \}/);
    expect(() => warsTVisibilityAfterAck({ ...q, client: { ack: exp(1), request: exp(0) } })).toThrow(
      /^client\.request: exponential mean must be > 0, got 0$/,
    );
  });
});

describe('k-staleness closed form', () => {
  it('has the textbook values', () => {
    expect(kStalenessProbability(3, 1, 1, 1)).toBeCloseTo(2 / 3, 15);
    expect(kStalenessProbability(3, 1, 1, 2)).toBeCloseTo(4 / 9, 15);
    expect(kStalenessProbability(3, 2, 1, 1)).toBeCloseTo(1 / 3, 15);
    expect(kStalenessProbability(3, 2, 2, 1)).toBe(0);
    expect(kStalenessProbability(4, 3, 2, 1)).toBe(0);
    expect(kStalenessProbability(4, 2, 2, 3)).toBeCloseTo((1 / 6) ** 3, 15);
    // The paper's example: N = 100, R = W = 30 gives 1.88e-6.
    expect(kStalenessProbability(100, 30, 30, 1)).toBeCloseTo(1.88e-6, 8);
  });

  it('matches a Monte Carlo of uniformly chosen quorums within ±0.01', () => {
    const rng = deriveStream(4, 'k-staleness', 'quorums');
    /** A uniformly random subset of size m of 0..n-1, by a partial Fisher–Yates shuffle. */
    const subset = (n: number, m: number) => {
      const items = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < m; i++) {
        const j = i + rng.int(n - i);
        [items[i], items[j]] = [items[j], items[i]];
      }
      return new Set(items.slice(0, m));
    };
    const trials = 20_000;
    for (const [n, r, w, k] of [
      [3, 1, 1, 1],
      [3, 1, 1, 3],
      [5, 2, 2, 1],
      [5, 1, 2, 2],
      [6, 2, 3, 1],
    ]) {
      let missedAll = 0;
      for (let trial = 0; trial < trials; trial++) {
        const read = subset(n, r);
        let missed = true;
        for (let version = 0; version < k && missed; version++) {
          for (const replica of subset(n, w)) if (read.has(replica)) missed = false;
        }
        if (missed) missedAll++;
      }
      expect(Math.abs(missedAll / trials - kStalenessProbability(n, r, w, k)), `${n} ${r} ${w} ${k}`).toBeLessThan(
        0.01,
      );
    }
  });

  it('refuses bad arguments', () => {
    expect(() => kStalenessProbability(3, 4, 1, 1)).toThrow(/readQuorum \(R\)/);
    expect(() => kStalenessProbability(3, 1, 0, 1)).toThrow(/writeQuorum \(W\)/);
    expect(() => kStalenessProbability(3, 1, 1, 0)).toThrow(/k must be a whole number >= 1, got 0/);
  });
});

describe('warsCurve', () => {
  it('gives from one run of the trials what warsTVisibility and warsTimeToProbability give apart', () => {
    const question = { replicas: 3, readQuorum: 1, writeQuorum: 1, latencies: slowWrites, trials: 5000, seed: 3 };
    const tUs = [0, 1000, 5000, 20_000];
    const curve = warsCurve({ ...question, tUs }, [0.5, 0.99]);
    expect(curve.atTimes).toEqual(warsTVisibility({ ...question, tUs }));
    expect(curve.timesToProbabilityUs).toEqual([
      warsTimeToProbability(question, 0.5),
      warsTimeToProbability(question, 0.99),
    ]);
    expect(() => warsCurve({ ...question, tUs }, [0])).toThrow(/p must be in \(0, 1\], got 0/);
  });
});
