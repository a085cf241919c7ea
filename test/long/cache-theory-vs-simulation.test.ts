import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';
import { runScenario } from '../../scenarios/harness/run-scenario.js';
import { cacheTheoryChecks } from '../../reports/caches/cache-theory-checks.js';

/**
 * The cache model against the cache theory (reports/caches/cache-theory.ts),
 * through the report's checks: one cache node in front of a kv-store, fed by
 * one open-loop Poisson client reading keys of fixed popularity, on long
 * fixed-seed runs (about 200,000 measured lookups each, so the hit ratio's
 * standard error is a few thousandths), and the simulated hit ratio within
 * 0.01 absolute of the formula's. The network and the database are fast
 * (0.1 ms round trip, 0.1 ms reads) so that a key being fetched, which
 * misses again until the fill lands, costs the formulas next to nothing.
 */

const TOLERANCE = 0.01;

interface Point {
  keys: number;
  /** Absent: uniform. */
  zipf?: number;
  capacity: number;
}

/** Skewed and small, skewed and large, and uniform (where LRU, FIFO and random all hit C/N exactly). */
const CAPACITY_POINTS: Point[] = [
  { keys: 1000, zipf: 0.8, capacity: 50 },
  { keys: 10_000, zipf: 1.0, capacity: 200 },
  { keys: 5000, capacity: 500 },
];

/** A TTL against per-key rates from 0.06/s to 255/s (Zipf), and against one rate (uniform: λ·TTL = 1). */
const TTL_POINTS: (Omit<Point, 'capacity'> & { ttl: string })[] = [
  { keys: 10_000, zipf: 0.9, ttl: '100ms' },
  { keys: 2000, ttl: '500ms' },
];

function scenarioText(point: Omit<Point, 'capacity'>, store: string, warmup: string): string {
  const keys = point.zipf === undefined ? `{ count: ${point.keys} }` : `{ count: ${point.keys}, zipf: ${point.zipf} }`;
  return `
name: cache-theory-check
seed: 7
duration: 55s
warmup: ${warmup}
topology:
  regions: [dc]
  rtt: { sameRegion: 100us }
  nodes:
    cache-host: { count: 1 }
    db-host: { count: 1 }
    client: { count: 1 }
components:
  cache:
    type: cache
    nodes: cache-host
    backend: db
    ${store}
  db:
    type: kv-store
    nodes: db-host
    keys: { count: ${point.keys} }
    read: 100us
    workers: 16
workloads:
  readers:
    type: poisson
    nodes: client
    target: cache
    rate: 4000/s
    operations: read
    keys: ${keys}
`;
}

async function expectWithinTheory(text: string, method: RegExp): Promise<void> {
  const { scenario } = parseScenarioText(text, 'cache-theory-check.yaml');
  const run = await runScenario(scenario);
  const [check] = cacheTheoryChecks(run.built);
  expect(check.method).toMatch(method);
  const hitRatio = check.rows.find((r) => r.key === 'hit-ratio')!;
  expect(hitRatio.simulated).not.toBeNull();
  expect(
    Math.abs(hitRatio.difference!),
    `simulated ${hitRatio.simulated}, theory ${hitRatio.theory}`,
  ).toBeLessThanOrEqual(TOLERANCE);
}

const label = (p: Omit<Point, 'capacity'>) => `${p.keys} keys, ${p.zipf === undefined ? 'uniform' : `zipf ${p.zipf}`}`;

describe('cache simulation against theory, within 0.01 hit ratio', () => {
  for (const point of CAPACITY_POINTS) {
    for (const [policy, method] of [
      ['lru', /Che/],
      ['fifo', /FIFO\/random/],
      ['random', /FIFO\/random/],
    ] as const)
      it(`${policy}: ${label(point)}, capacity ${point.capacity}`, () =>
        expectWithinTheory(scenarioText(point, `policy: ${policy}\n    capacity: ${point.capacity}`, '5s'), method));
    // Perfect LFU ranks keys by their counts since the start: a longer warm-up lets the ranks near the boundary settle.
    it(`lfu-perfect: ${label(point)}, capacity ${point.capacity}`, () =>
      expectWithinTheory(scenarioText(point, `policy: lfu-perfect\n    capacity: ${point.capacity}`, '15s'), /top-C/));
  }
  for (const point of TTL_POINTS)
    for (const [mode, method] of [
      ['fixed', /TTL fixed/],
      ['reset-on-hit', /TTL reset on hit/],
    ] as const)
      it(`ttl ${point.ttl} ${mode}: ${label(point)}`, () =>
        expectWithinTheory(scenarioText(point, `ttl: ${point.ttl}\n    ttlMode: ${mode}`, '5s'), method));
});
