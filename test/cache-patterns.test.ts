import { describe, expect, it } from 'vitest';
import { cacheRig } from './support/cache-rig.js';

/**
 * A cache in front of a one-shard kv-store, 1 ms apart each way; reads take
 * the store 1 ms, writes 1 ms. Scripted clients set up exact interleavings.
 */
const RIG = `
name: cache-rig
description: a cache in front of a kv-store, for scripted interleavings
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
  cache: { type: cache, nodes: cache-host, backend: db, capacity: 100, ttl: 60s }
  db: { type: kv-store, nodes: db-host, keys: { count: 100 }, read: 1ms, write: 1ms, workers: 4 }
workloads:
  idle: { type: poisson, nodes: client, target: cache, rate: 0.001/s, keys: { count: 100 } }
`;

const MS = 1000;

describe('cache-aside and the classic race', () => {
  /**
   * A read of key 1 misses at 1 ms; the store answers v1 at 3 ms, which
   * reaches the cache at 4 ms, and the application sets the cache 5 ms later
   * (fillDelay), at 9 ms. Meanwhile a write of key 1 commits v2 at 5 ms and
   * its invalidation lands at 6 ms, before the set: the set leaves v1 behind.
   */
  const race = [
    { atUs: 0, key: 1 },
    { atUs: 2 * MS, key: 1, operation: 'write' },
    { atUs: 20 * MS, key: 1 },
    { atUs: 30 * MS, key: 1 },
  ];

  it('cache-aside: a fill landing after a concurrent write invalidated leaves the old value, read stale until it expires', () => {
    const rig = cacheRig(RIG, { 'components.cache.fillDelay': '5ms' });
    const answers = rig.script(race);
    rig.run(100 * MS);
    expect(answers.every((a) => a.error === null && a.answeredUs > 0)).toBe(true);
    expect(rig.database().latest(1)).toBe(2);
    const record = rig.cache();
    expect(record.staleReadsPerWindow.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('without the concurrent write the same reads are fresh', () => {
    const rig = cacheRig(RIG, { 'components.cache.fillDelay': '5ms' });
    rig.script(race.filter((r) => r.operation === undefined));
    rig.run(100 * MS);
    expect(rig.cache().staleReadsPerWindow.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it.each(['read-through', 'write-through'])('%s: the same interleaving reads no stale value', (pattern) => {
    const rig = cacheRig(RIG, { 'components.cache.fillDelay': '5ms', 'components.cache.pattern': pattern });
    rig.script(race);
    rig.run(100 * MS);
    expect(rig.database().latest(1)).toBe(2);
    expect(rig.cache().staleReadsPerWindow.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('update-on-write stores the new version, so the next read hits it', () => {
    const rig = cacheRig(RIG, { 'components.cache.onWrite': 'update' });
    rig.script([
      { atUs: 0, key: 1 },
      { atUs: 10 * MS, key: 1, operation: 'write' },
      { atUs: 20 * MS, key: 1 },
    ]);
    rig.run(100 * MS);
    const record = rig.cache();
    expect(record.hits.reduce((a, b) => a + b, 0)).toBe(1);
    expect(record.backendRequests.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('write-behind', () => {
  const crashAt = { 'faults.timeline': [{ at: '1500ms', action: 'crash', nodes: 'cache-host-1', for: '1s' }] };

  it('answers writes at once, flushes them each interval, and a crash loses exactly the unflushed ones', () => {
    const rig = cacheRig(RIG, { 'components.cache.pattern': 'write-behind', ...crashAt });
    const answers = rig.script([
      { atUs: 100 * MS, key: 1, operation: 'write' },
      { atUs: 200 * MS, key: 2, operation: 'write' },
      // flushed at 1 s
      { atUs: 1100 * MS, key: 3, operation: 'write' },
      { atUs: 1200 * MS, key: 3, operation: 'write' },
      { atUs: 1300 * MS, key: 4, operation: 'write' },
      // crash at 1.5 s
    ]);
    rig.run(3000 * MS);
    // Answered one round trip after sending: nothing waited for the database.
    for (const a of answers) expect(a.answeredUs - a.request.atUs).toBe(2 * MS);
    const record = rig.cache();
    expect(record.writes).toBe(5);
    expect(record.lostWrites).toBe(3);
    const db = rig.database();
    expect([1, 2, 3, 4].map((k) => db.latest(k))).toEqual([2, 2, 0, 0]);
    // The crash took the node's entries out of the memory count.
    expect(record.entries).toBe(0);
  });

  it('a read of a key with a write not yet flushed sees the new value, and is not judged stale', () => {
    const rig = cacheRig(RIG, { 'components.cache.pattern': 'write-behind', 'components.cache.capacity': 1 });
    rig.script([
      { atUs: 100 * MS, key: 1, operation: 'write' },
      // Evicts key 1's entry (capacity 1): the pending write still answers.
      { atUs: 150 * MS, key: 2 },
      { atUs: 300 * MS, key: 1 },
    ]);
    rig.run(500 * MS);
    const record = rig.cache();
    expect(record.hits.reduce((a, b) => a + b, 0)).toBe(1);
    expect(record.backendRequests.reduce((a, b) => a + b, 0)).toBe(1);
    expect(record.staleReadsPerWindow.reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('write-behind flushes', () => {
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);

  it("a flush's answer only gives the entry the database's version: it is no access, so the LRU order holds", () => {
    const rig = cacheRig(RIG, { 'components.cache.pattern': 'write-behind', 'components.cache.capacity': 2 });
    rig.script([
      { atUs: 100 * MS, key: 1, operation: 'write' },
      { atUs: 200 * MS, key: 2 },
      // flushed at 1 s, acknowledged at 1,003 ms
      { atUs: 1100 * MS, key: 3 }, // evicts key 1, the least recently used
      { atUs: 1200 * MS, key: 1 },
    ]);
    rig.run(1500 * MS);
    const record = rig.cache();
    expect(sum(record.hits)).toBe(0);
    expect(rig.database().latest(1)).toBe(2);
  });

  it("and it keeps the entry's TTL: reset-on-hit still gives a full ttl after a hit", () => {
    const rig = cacheRig(RIG, {
      'components.cache.pattern': 'write-behind',
      'components.cache.ttl': '1s',
      'components.cache.ttlMode': 'reset-on-hit',
    });
    rig.script([
      { atUs: 100 * MS, key: 1, operation: 'write' },
      // flushed at 1 s, acknowledged at 1,003 ms, 98 ms before the entry would expire
      { atUs: 1050 * MS, key: 1 },
      { atUs: 1300 * MS, key: 1 },
    ]);
    rig.run(1500 * MS);
    expect(sum(rig.cache().hits)).toBe(2);
  });

  it('a flush the database did not take merges into a newer write of its key, and a crash loses both', () => {
    const rig = cacheRig(RIG, {
      'components.cache.pattern': 'write-behind',
      'components.cache.backendTimeout': '50ms',
      'faults.timeline': [
        { at: '0s', action: 'crash', nodes: 'db-host-1', for: '5s' },
        { at: '1500ms', action: 'crash', nodes: 'cache-host-1', for: '1s' },
      ],
    });
    rig.script([
      { atUs: 100 * MS, key: 1, operation: 'write' },
      // flushed at 1 s into the dead database; times out at 1,050 ms
      { atUs: 1020 * MS, key: 1, operation: 'write' },
    ]);
    rig.run(3000 * MS);
    const record = rig.cache();
    expect(record.writes).toBe(2);
    expect(record.lostWrites).toBe(2);
  });
});

describe('stale not-found answers', () => {
  /** front → back (negative caching) → db, and a side cache writing to db directly. */
  const CHAIN = `
name: cache-chain
description: two caches in a chain and one beside them
seed: 1
duration: 10s
warmup: 0s
topology:
  regions: [dc]
  rtt: { sameRegion: 2ms }
  nodes:
    front-host: { count: 1 }
    back-host: { count: 1 }
    side-host: { count: 1 }
    db-host: { count: 1 }
    client: { count: 1 }
components:
  front: { type: cache, nodes: front-host, backend: back, capacity: 100 }
  back: { type: cache, nodes: back-host, backend: db, capacity: 100, negativeTtl: 10s }
  side: { type: cache, nodes: side-host, backend: db, capacity: 100 }
  db: { type: kv-store, nodes: db-host, keys: { count: 100 }, read: 1ms, write: 1ms, workers: 4 }
workloads:
  idle: { type: poisson, nodes: client, target: front, rate: 0.001/s, keys: { count: 100 } }
`;

  it("a not-found a cache behind answers after the key's creation was acknowledged is a stale read of both caches", () => {
    const rig = cacheRig(CHAIN);
    const answers = rig.script([
      { atUs: 0, key: 500, to: 'front-host-1' }, // back caches the not-found
      { atUs: 10 * MS, key: 500, operation: 'write', to: 'side-host-1' }, // creates key 500, acknowledged at ~15 ms
      { atUs: 30 * MS, key: 500, to: 'front-host-1' }, // back's negative entry answers: stale
    ]);
    rig.run(100 * MS);
    expect(answers.map((a) => a.error)).toEqual([null, null, null]);
    expect(rig.database().latest(500)).toBe(1);
    const stale = (name: string) => rig.cache(name).staleReadsPerWindow.reduce((a, b) => a + b, 0);
    expect(stale('back')).toBe(1);
    expect(stale('front')).toBe(1);
  });
});

describe('negative caching', () => {
  const missing = [
    { atUs: 0, key: 500 },
    { atUs: 10 * MS, key: 500 },
    { atUs: 20 * MS, key: 500 },
  ];

  it('with negativeTtl a not-found answer is cached and answers the next reads', () => {
    const rig = cacheRig(RIG, { 'components.cache.negativeTtl': '1s' });
    const answers = rig.script(missing);
    rig.run(100 * MS);
    expect(answers.map((a) => a.error)).toEqual([null, null, null]);
    const record = rig.cache();
    expect(record.backendRequests.reduce((a, b) => a + b, 0)).toBe(1);
    expect(record.details.get('negativeHits')).toBe(2);
  });

  it('without it every read of a missing key goes to the database', () => {
    const rig = cacheRig(RIG);
    rig.script(missing);
    rig.run(100 * MS);
    expect(rig.cache().backendRequests.reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('requests the cache cannot serve', () => {
  it('a request without a key is rejected', () => {
    const rig = cacheRig(RIG);
    const answers = rig.script([{ atUs: 0 }]);
    rig.run(10 * MS);
    expect(answers[0].error).toBe('rejected');
    expect(rig.cache().details.get('keylessRequests')).toBe(1);
  });

  it('a backend that does not answer in backendTimeout fails the reads waiting on it with a timeout', () => {
    const rig = cacheRig(RIG, {
      'components.cache.backendTimeout': '50ms',
      'faults.timeline': [{ at: '0s', action: 'crash', nodes: 'db-host-1', for: '1s' }],
    });
    const answers = rig.script([{ atUs: 1 * MS, key: 1 }]);
    rig.run(100 * MS);
    expect(answers[0].error).toBe('timeout');
    expect(answers[0].answeredUs).toBe(1 * MS + 50 * MS + 2 * MS);
    // Answered, if with an error: it left the cache, so the component's counts add up.
    const metrics = rig.built.components.find((c) => c.metrics.name === 'cache')!.metrics;
    expect([metrics.arrived, metrics.served, metrics.rejected]).toEqual([1, 1, 0]);
  });
});
