import { beforeAll, describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../scenarios/harness/run-scenario.js';

/**
 * The write patterns through runs of the bundled write-patterns scenario
 * (one cache node in front of a kv-store, Zipf keys, 10% writes, a cache
 * crash at 10 s for 2 s), shortened to 14 s: the crash and its aftermath.
 */

const sum = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0);

interface Outcome {
  run: CompletedRun;
  staleReads: number;
  lostWrites: number;
  hitRatio: number;
  databaseWrites: number;
}

async function run(variant: string, overrides: string[] = []): Promise<Outcome> {
  const loaded = loadScenario(resolveScenarioArgument('write-patterns'), { overrides: ['duration=14s', ...overrides] });
  const scenario = loaded.variants.find((v) => v.name === variant)!.scenario;
  const completed = await runScenario(scenario);
  const cache = completed.built.caches.caches.find((c) => c.component === 'app-cache')!;
  const database = completed.built.caches.databases.find((d) => d.component === 'db')!;
  return {
    run: completed,
    staleReads: sum(cache.staleReadsPerWindow),
    lostWrites: cache.lostWrites,
    hitRatio: sum(cache.hits) / sum(cache.lookups),
    databaseWrites: sum(database.writes),
  };
}

const NO_CRASH = 'faults.timeline=[]';

const outcomes = new Map<string, Outcome>();
beforeAll(async () => {
  for (const variant of [
    'cache-aside-invalidate',
    'cache-aside-update',
    'read-through',
    'write-through',
    'write-behind',
  ])
    outcomes.set(variant, await run(variant));
}, 60_000);
const of = (variant: string) => outcomes.get(variant)!;

describe('write-patterns: what each write pattern costs', () => {
  it('write-behind loses the writes not yet flushed when the cache crashes, and none without a crash', async () => {
    const crashed = of('write-behind');
    // About a flush interval's writes (1 s of 200 writes/s): those accepted since the last flush.
    expect(crashed.lostWrites).toBeGreaterThan(50);
    expect(crashed.lostWrites).toBeLessThan(400);
    expect((await run('write-behind', [NO_CRASH])).lostWrites).toBe(0);
    for (const variant of ['cache-aside-invalidate', 'read-through', 'write-through'])
      expect(of(variant).lostWrites).toBe(0);
  });

  it('write-behind serves no stale read, merges writes to a key and answers writes before the database does', () => {
    const behind = of('write-behind');
    const through = of('write-through');
    expect(behind.staleReads).toBe(0);
    expect(behind.databaseWrites).toBeLessThan(0.7 * through.databaseWrites);
    const writeP50 = (o: Outcome) => o.run.built.requests.byOperation.get('write')!.latency.summary().p50Us;
    expect(writeP50(behind)).toBeLessThan(writeP50(through) / 2);
  });

  it("cache-aside's race: a fill landing after a write's invalidation leaves stale values, and only while that window is open", async () => {
    const race = of('cache-aside-invalidate');
    const closed = await run('cache-aside-invalidate', ['components.app-cache.fillDelay=0s']);
    expect(race.staleReads).toBeGreaterThan(3 * closed.staleReads);
    // read-through drops a fill a write overtook: the same window, no race.
    expect(race.staleReads).toBeGreaterThan(3 * of('read-through').staleReads);
  });

  it('a read that arrives while a write is between the database and the cache is concurrent with it, not stale', () => {
    // Once counted stale against the database's commit: about a hundred per run in both.
    expect(of('write-through').staleReads).toBe(0);
    expect(of('read-through').staleReads).toBe(0);
  });

  it('write-through and update-on-write keep hot keys cached: fewer stale reads and more hits than invalidation', () => {
    const invalidate = of('cache-aside-invalidate');
    for (const variant of ['write-through', 'cache-aside-update']) {
      expect(of(variant).staleReads).toBeLessThan(invalidate.staleReads / 3);
      expect(of(variant).hitRatio).toBeGreaterThan(invalidate.hitRatio + 0.05);
    }
  });

  it("a crash empties the cache: the database's load peaks after the restart", () => {
    const database = of('write-through').run.built.caches.databases[0];
    const load = Array.from(database.reads, (reads, w) => reads + database.writes[w]);
    // Past the cold start: the crash is 10 s..12 s, and the 12 s window, with an empty cache, is the busiest.
    const warm = load.slice(3);
    expect(Math.max(...warm)).toBe(load[12]);
    expect(load[12]).toBeGreaterThan(1.3 * Math.max(...load.slice(3, 10)));
  });
});
