import { describe, expect, it } from 'vitest';
import { warsTVisibility } from '../../reports/consistency/wars-model.js';
import { probeRun, probeScenario } from '../support/staleness-probe-scenario.js';

/**
 * The simulated t-visibility against the WARS model when the run meets the
 * model's assumptions: no repair path, no fault, the probe's hop zero, and
 * each read independent (one per probe, so no read meets a key another read
 * touched). 60,000 reads per profile spread over four delays: each share's
 * standard error is at most 0.004, the model's (200,000 trials) 0.0011.
 */
const PROFILES = {
  'low-latency': {
    legs: '{ type: exponential, mean: 500us }',
    spec: { type: 'exponential', mean: 500 } as const,
    delaysUs: [0, 250, 500, 1000],
  },
  'slow-disk': {
    legs: '{ type: exponential, mean: 300us }',
    spec: { type: 'exponential', mean: 300 } as const,
    write:
      '{ type: mixture, parts: [{ weight: 0.38, distribution: { type: pareto, scale: 1050us, shape: 1.51 } }, { weight: 0.62, distribution: { type: exponential, mean: 5464us } }] }',
    writeSpec: {
      type: 'mixture',
      parts: [
        { weight: 0.38, distribution: { type: 'pareto', scale: 1050, shape: 1.51 } },
        { weight: 0.62, distribution: { type: 'exponential', mean: 5464 } },
      ],
    } as const,
    delaysUs: [0, 2000, 5000, 10_000],
  },
};

describe('simulated t-visibility agrees with WARS within ±0.01 when the run meets its assumptions', () => {
  for (const [name, profile] of Object.entries(PROFILES)) {
    for (const [r, w] of [
      [1, 1],
      [2, 1],
    ]) {
      it(`${name}, N = 3, R = ${r}, W = ${w}`, async () => {
        const write = 'write' in profile ? profile.write : profile.legs;
        const { probe } = await probeRun(
          probeScenario({
            duration: '1000s',
            store: `readConsistency: { replicas: ${r} }\n    writeConsistency: { replicas: ${w} }\n    replicaLatency: { write: ${write}, ack: ${profile.legs}, read: ${profile.legs}, response: ${profile.legs} }`,
            probe: `delays: [${profile.delaysUs.map((t) => `${t}us`).join(', ')}]\n    from: commit\n    readsPerProbe: one-delay\n    probes: 60000\n    concurrency: 50`,
          }),
        );
        expect(probe.departures).toEqual([]);
        const model = warsTVisibility({
          replicas: 3,
          readQuorum: r,
          writeQuorum: w,
          latencies: {
            write: 'writeSpec' in profile ? profile.writeSpec : profile.spec,
            ack: profile.spec,
            read: profile.spec,
            response: profile.spec,
          },
          tUs: profile.delaysUs,
          trials: 200_000,
          seed: 7,
        });
        const points = probe.curves[0].points;
        for (let i = 0; i < points.length; i++) {
          expect(points[i].reads).toBeGreaterThan(13_000);
          expect(
            Math.abs(points[i].probability! - model[i]),
            `t = ${points[i].tUs}µs: simulated ${points[i].probability}, WARS ${model[i]}`,
          ).toBeLessThanOrEqual(0.01);
        }
        // Not all trivially 1: the comparison has something to compare.
        expect(Math.min(...model)).toBeLessThan(0.97);
      });
    }
  }
});

describe('k-staleness against the closed form', () => {
  // At t = 0 with instant acks, reads and responses, a read meets exactly the W replicas that applied the write
  // first (a uniformly chosen set, the write legs being independent and identical): the closed form's assumption.
  for (const [r, w] of [
    [1, 1],
    [1, 2],
    [2, 1],
  ]) {
    it(`N = 3, R = ${r}, W = ${w}: a read at the commit misses the write as (C(N−W, R)/C(N, R)) says, within ±0.01`, async () => {
      const { probe } = await probeRun(
        probeScenario({
          duration: '1000s',
          store: `readConsistency: { replicas: ${r} }\n    writeConsistency: { replicas: ${w} }\n    replicaLatency: { write: { type: exponential, mean: 10ms }, ack: 0us, read: 0us, response: 0us }`,
          probe: 'delays: [0ms]\n    from: commit\n    probes: 20000\n    concurrency: 50',
        }),
      );
      const [k1] = probe.kStaleness!.rows;
      expect(probe.kStaleness!.reads).toBe(20_000);
      expect(
        Math.abs(k1.probability! - k1.closedForm),
        `simulated ${k1.probability}, closed form ${k1.closedForm}`,
      ).toBeLessThanOrEqual(0.01);
    });
  }

  it('is bounded by the closed form for k = 2 and 3, where earlier writes keep spreading', async () => {
    const { probe } = await probeRun(
      probeScenario({
        duration: '1000s',
        store:
          'readConsistency: one\n    writeConsistency: one\n    replicaLatency: { write: { type: exponential, mean: 10ms }, ack: 0us, read: 0us, response: 0us }',
        probe: 'delays: [0ms]\n    from: commit\n    probes: 5000\n    concurrency: 50\n    writesPerProbe: 3',
      }),
    );
    const rows = probe.kStaleness!.rows;
    expect(rows.map((row) => row.k)).toEqual([1, 2, 3]);
    for (const row of rows) expect(row.probability!).toBeLessThanOrEqual(row.closedForm + 0.01);
    expect(rows[1].probability!).toBeGreaterThan(0);
  });
});
