import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStream } from '../engine/random-stream.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';
import { backoffUs, JITTER_KINDS, type RetryPolicy } from '../models/workload/retry-policy.js';
import { peakRate, rateAt } from '../models/workload/rate-shape.js';

const policy = (jitter: RetryPolicy['jitter']): RetryPolicy => ({
  maxAttempts: 5,
  baseUs: 10_000,
  capUs: 200_000,
  multiplier: 2,
  jitter,
  retryOn: ['timeout'],
  honorRetryAfter: true,
});

describe('retry backoff', () => {
  it('grows exponentially to the cap without jitter', () => {
    const rng = deriveStream(1, 'test', 'backoff');
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffUs(policy('none'), r, 0, rng))).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 200_000,
    ]);
  });

  it('each jitter stays in its range: full [0, b], equal [b/2, b], decorrelated [base, min(cap, 3·previous)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer(),
        (retry, previous, seed) => {
          const rng = deriveStream(seed, 'test', 'backoff');
          const b = Math.min(200_000, 10_000 * 2 ** (retry - 1));
          const full = backoffUs(policy('full'), retry, previous, rng);
          expect(full).toBeGreaterThanOrEqual(0);
          expect(full).toBeLessThanOrEqual(b);
          const equal = backoffUs(policy('equal'), retry, previous, rng);
          expect(equal).toBeGreaterThanOrEqual(b / 2);
          expect(equal).toBeLessThanOrEqual(b);
          const decorrelated = backoffUs(policy('decorrelated'), retry, previous, rng);
          expect(decorrelated).toBeGreaterThanOrEqual(10_000);
          expect(decorrelated).toBeLessThanOrEqual(Math.min(200_000, Math.max(10_000, 3 * (previous || 10_000))));
        },
      ),
    );
    expect(JITTER_KINDS).toEqual(['none', 'full', 'equal', 'decorrelated']);
  });
});

describe('rate shapes', () => {
  it('ramp, spike and diurnal give the rate they promise', () => {
    const ramp = { type: 'ramp', fromUs: 10e6, toUs: 20e6, endRatePerSec: 300 } as const;
    expect([0, 10e6, 15e6, 20e6, 30e6].map((t) => rateAt(ramp, 100, t))).toEqual([100, 100, 200, 300, 300]);
    const spike = { type: 'spike', atUs: 5e6, forUs: 2e6, factor: 3 } as const;
    expect([4e6, 5e6, 6.9e6, 7e6].map((t) => rateAt(spike, 100, t))).toEqual([100, 300, 300, 100]);
    const day = { type: 'diurnal', periodUs: 86_400e6, peakToAverage: 2, peakAtUs: 0 } as const;
    expect(rateAt(day, 100, 0)).toBeCloseTo(200, 9);
    expect(rateAt(day, 100, 43_200e6)).toBeCloseTo(0, 9);
    expect(peakRate(day, 100)).toBe(200);
  });
});

async function run(text: string) {
  const { scenario } = parseScenarioText(text, 'workload.yaml');
  const completed = await runScenario(scenario);
  return buildReport({
    faultlineVersion: 'test',
    file: null,
    scenario,
    runs: [{ name: 'base', overrides: {}, run: completed }],
    wallSeconds: 1,
  }).metrics;
}

const base = (workload: string, server = 'serviceTime: { type: exponential, mean: 2ms }, workers: 4') => `
name: workload
duration: 200s
topology:
  rtt: { sameRegion: 0 }
  nodes: { server: {}, client: { count: 2 } }
components:
  api: { type: queue-server, nodes: server, ${server} }
workloads:
  users: { ${workload} }
slo: { window: 10s }
`;

describe('workloads in a scenario', () => {
  it('a spike multiplies arrivals in its window (thinning keeps the Poisson rate exact)', async () => {
    const m = await run(
      base(
        'type: poisson, nodes: client, target: api, rate: 100/s, shape: { type: spike, at: 100s, for: 50s, factor: 3 }',
      ),
    );
    const sentIn = (from: number, to: number) => m.timeline.slice(from / 10, to / 10).reduce((s, w) => s + w.sent, 0);
    // 2 clients × 100/s: 10,000 in 50 s; the spike triples it. Poisson counts: within 4%.
    expect(sentIn(0, 50) / 10_000).toBeCloseTo(1, 1);
    expect(Math.abs(sentIn(100, 150) / 30_000 - 1)).toBeLessThan(0.04);
  });

  it('closed-loop users obey the interactive response time law: throughput = users / (think + response)', async () => {
    const m = await run(
      base('type: closed-loop, nodes: client, target: api, users: 20, thinkTime: { type: exponential, mean: 50ms }'),
    );
    const users = 40;
    const expected = users / ((50_000 + m.latency.meanUs) / 1e6);
    expect(Math.abs(m.throughputPerSec / expected - 1)).toBeLessThan(0.01);
  });

  it('retries recover requests a flaky server rejects, and are counted; without them the failures show', async () => {
    // One worker and no queue: about a third of arrivals find it busy and are rejected (Erlang B, a ≈ 0.5).
    const server = 'serviceTime: { type: exponential, mean: 2ms }, workers: 1, queueCapacity: 0';
    const plain = await run(base('type: poisson, nodes: client, target: api, rate: 125/s', server));
    const retried = await run(
      base(
        'type: poisson, nodes: client, target: api, rate: 125/s, retry: { attempts: 5, base: 5ms, jitter: full }',
        server,
      ),
    );
    expect(plain.requests.errors.rejected / plain.requests.sent).toBeGreaterThan(0.3);
    expect(retried.requests.retries).toBeGreaterThan(plain.requests.errors.rejected * 0.8);
    // Retries add load, so each attempt is rejected more often than without them, yet five attempts fail far less.
    expect(retried.requests.errors.rejected / retried.requests.sent).toBeLessThan(
      plain.requests.errors.rejected / plain.requests.sent / 4,
    );
    // Each success is counted once, with its latency from the first attempt.
    expect(retried.latency.maxUs).toBeGreaterThan(plain.latency.maxUs);
  });

  it('an operation mix reports latency per operation, in proportion', async () => {
    const m = await run(
      base('type: poisson, nodes: client, target: api, rate: 100/s, operations: { read: 9, write: 1 }'),
    );
    const reads = m.latencyByOperation.read.count;
    const writes = m.latencyByOperation.write.count;
    expect(Math.abs(reads / (reads + writes) - 0.9)).toBeLessThan(0.01);
  });
});
