import { describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { cacheRig, type ScriptedRequest } from './support/cache-rig.js';

/** A cache with a 100 ms TTL in front of a kv-store whose reads take 20 ms; links 1 ms each way. */
const RIG = `
name: stampede-rig
description: a hot key expiring under scripted load
seed: 1
duration: 10s
warmup: 0s
topology:
  regions: [dc]
  rtt: { sameRegion: 2ms }
  nodes:
    cache-host: { count: 1 }
    db-host: { count: 1 }
    client: { count: 1 }
components:
  cache: { type: cache, nodes: cache-host, backend: db, capacity: 100, ttl: 100ms }
  db: { type: kv-store, nodes: db-host, keys: { count: 100 }, read: 20ms, write: 1ms, workers: 64 }
workloads:
  idle: { type: poisson, nodes: client, target: cache, rate: 0.001/s, keys: { count: 100 } }
`;

const MS = 1000;

/** Key 1 read once at 0 (filled at 23 ms, expiring at 123 ms), then 20 reads 0.5 ms apart from 150 ms: all miss the expired key. */
const BURST: ScriptedRequest[] = [
  { atUs: 0, key: 1 },
  ...Array.from({ length: 20 }, (_, i) => ({ atUs: 150 * MS + i * 500, key: 1 })),
];

function burst(protection: string, set: Record<string, unknown> = {}) {
  const rig = cacheRig(RIG, { 'components.cache.stampede.protection': protection, ...set });
  const answers = rig.script(BURST);
  rig.run(400 * MS);
  const details = rig.cache().details;
  return {
    answers: answers.slice(1),
    expiries: details.get('hotKeyExpiries')!,
    recordExpiries: rig.cache().expiriesPerWindow.reduce((a, b) => a + b, 0),
    fetchesForExpiry: details.get('hotKeyFetches')!,
    details,
  };
}

describe('stampede protection: backend fetches per expiry of a hot key', () => {
  it('none: every miss of the expired key fetches', () => {
    const run = burst('none');
    expect(run.expiries).toBe(1);
    expect(run.recordExpiries).toBe(1);
    expect(run.fetchesForExpiry).toBe(20);
  });

  it('coalesce: one fetch, the other misses wait for it', () => {
    const run = burst('coalesce');
    expect(run.expiries).toBe(1);
    expect(run.fetchesForExpiry).toBe(1);
    expect(run.details.get('coalesced')).toBe(19);
    expect(run.answers.every((a) => a.error === null)).toBe(true);
  });

  it('lock: one fetch; the others look again every retryInterval until the value is there', () => {
    const run = burst('lock');
    expect(run.fetchesForExpiry).toBe(1);
    expect(run.details.get('lockWaits')).toBeGreaterThanOrEqual(19);
    // Waiters see the value at their first retry after the fill (at 172 ms), so within one interval of it.
    for (const a of run.answers) expect(a.answeredUs).toBeLessThanOrEqual(172 * MS + 10 * MS + 2 * MS);
  });

  it('lock: a lock that times out before the value appears lets the waiters fetch themselves', () => {
    const run = burst('lock', {
      'components.cache.stampede.lockTimeout': '5ms',
      'components.cache.stampede.retryInterval': '2ms',
    });
    expect(run.fetchesForExpiry).toBeGreaterThan(5);
  });

  it('stale-while-revalidate: the expired value is served at once while one background fetch refreshes it', () => {
    const run = burst('stale-while-revalidate', { 'components.cache.stampede.staleWindow': '1s' });
    expect(run.fetchesForExpiry).toBe(1);
    expect(run.details.get('staleServed')).toBe(20);
    for (const a of run.answers) expect(a.answeredUs - a.request.atUs).toBe(2 * MS);
    // The refresh replaced an entry past its TTL: one expiry, counted once, in the record and for the hot key.
    expect(run.expiries).toBe(1);
    expect(run.recordExpiries).toBe(1);
  });

  it('stale-while-revalidate: past the window the value is a miss again', () => {
    const run = burst('stale-while-revalidate', { 'components.cache.stampede.staleWindow': '10ms' });
    expect(run.details.get('staleServed')).toBe(0);
    expect(run.fetchesForExpiry).toBe(20);
  });
});

describe('steady reads of a hot key: early expiry and refresh-ahead', () => {
  /** Key 1 read once (filled at 23 ms), then every millisecond from 50 ms for 2 s. */
  const STEADY: ScriptedRequest[] = [
    { atUs: 0, key: 1 },
    ...Array.from({ length: 2000 }, (_, i) => ({ atUs: 50 * MS + i * MS, key: 1 })),
  ];

  function steady(set: Record<string, unknown>) {
    const rig = cacheRig(RIG, set);
    rig.script(STEADY);
    rig.run(2600 * MS);
    const record = rig.cache();
    const lookups = record.lookups.reduce((a, b) => a + b, 0);
    const hits = record.hits.reduce((a, b) => a + b, 0);
    const fetches = record.details.get('hotKeyFetches')!;
    return { misses: lookups - hits, perExpiry: fetches / record.details.get('hotKeyExpiries')! };
  }

  it('early-expiry (XFetch) refreshes about once per TTL, where none fetches once per read of the 22 ms gap', () => {
    const none = steady({});
    const xfetch = steady({ 'components.cache.stampede.protection': 'early-expiry' });
    expect(none.perExpiry).toBeGreaterThan(15);
    expect(xfetch.perExpiry).toBeLessThan(1.5);
  });

  it('refresh-ahead: hits past the share of the TTL refresh in the background, so the key never misses again', () => {
    const ahead = steady({ 'components.cache.refreshAhead': 0.5 });
    expect(ahead.misses).toBe(1);
    expect(ahead.perExpiry).toBe(1);
  });
});

describe('ttlJitter', () => {
  /** Keys 1..50 filled together at 0, read again at 90 ms. */
  const FILL_THEN_READ: ScriptedRequest[] = [
    ...Array.from({ length: 50 }, (_, i) => ({ atUs: 0, key: i + 1 })),
    ...Array.from({ length: 50 }, (_, i) => ({ atUs: 90 * MS, key: i + 1 })),
  ];

  function missesAt90ms(jitter: number): number {
    const rig = cacheRig(RIG, { 'components.cache.ttlJitter': jitter });
    rig.script(FILL_THEN_READ);
    rig.run(200 * MS);
    const record = rig.cache();
    return record.lookups.reduce((a, b) => a + b, 0) - record.hits.reduce((a, b) => a + b, 0) - 50;
  }

  it('spreads the expiries of keys filled together: TTL × U(1 − j, 1)', () => {
    // Filled at 23 ms: with j = 0.5 an entry lives 50..100 ms, so at 90 ms about (90 − 23 − 50) / 50 ≈ 34% have expired.
    expect(missesAt90ms(0)).toBe(0);
    const jittered = missesAt90ms(0.5);
    expect(jittered).toBeGreaterThan(8);
    expect(jittered).toBeLessThan(28);
  });
});

describe('determinism', () => {
  async function run(seed: number) {
    const loaded = loadScenario(resolveScenarioArgument('cache-stampede'), {
      overrides: [
        `seed=${seed}`,
        'duration=3s',
        'warmup=0s',
        'components.cache.stampede.protection=early-expiry',
        'components.cache.ttlJitter=0.2',
      ],
    });
    const { result, built } = await runScenario(loaded.scenario);
    return { hash: result.traceHash, details: [...built.caches.caches[0].details] };
  }

  it('the same seed gives the same trace hash and the same cache counts; another seed another', async () => {
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(b).toEqual(a);
    expect(c.hash).not.toBe(a.hash);
  });
});
