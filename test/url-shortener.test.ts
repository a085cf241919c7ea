import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base62, base62KeySpace, hashedCode, IdRange } from '../models/url-shortener/short-codes.js';
import { LinkDirectory } from '../models/url-shortener/link-directory.js';
import { CacheTierRouter } from '../models/url-shortener/cache-tier-routing.js';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../scenarios/harness/run-scenario.js';

/** Scenario documents are written as objects and handed over as JSON, which is YAML. */
type Doc = Record<string, unknown>;

/** Shortens only, at `rate` per second, to two app nodes over a store that starts empty. */
function shortensOnly(ids: Doc, faults: Doc[] = [], extra: Doc = {}): Doc {
  return {
    name: 'shortener-test',
    seed: 7,
    duration: '4s',
    topology: { regions: ['dc'], nodes: { client: {}, app: { count: 2 }, ticket: {}, db: { count: 2 } } },
    components: {
      shortener: { type: 'url-shortener', nodes: 'app', store: 'links', ids, ...extra },
      ids: { type: 'id-allocator', nodes: 'ticket' },
      links: { type: 'kv-store', nodes: 'db', keys: { count: 0 }, objectSizes: '100B' },
    },
    workloads: {
      users: {
        type: 'poisson',
        nodes: 'client',
        target: 'shortener',
        rate: '200/s',
        operations: 'shorten',
        timeout: '1s',
      },
    },
    faults: { timeline: faults },
  };
}

async function run(doc: Doc): Promise<CompletedRun> {
  return runScenario(parseScenarioText(JSON.stringify(doc), 'shortener-test.yaml').scenario);
}

function details(completed: CompletedRun, component: string): Map<string, number> {
  const c = completed.built.components.find((x) => x.metrics.name === component);
  if (c === undefined) throw new Error(`no component ${component}`);
  return c.metrics.details;
}

const count = (d: Map<string, number>, name: string) => d.get(name) ?? 0;

describe('short codes', () => {
  it('spans the key space base62 codes of k characters give', () => {
    expect(base62KeySpace(6)).toBeCloseTo(5.68e10, -8);
    expect(base62KeySpace(7)).toBeCloseTo(3.52e12, -10);
    expect(base62(1)).toBe('1');
    expect(base62(61)).toBe('Z');
    expect(base62(62)).toBe('10');
    expect(() => base62KeySpace(9)).toThrow(/1 to 8/);
  });

  it('hashes a URL to a code in 1..keySpace, the same every time, another per attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), fc.integer({ min: 1, max: 3844 }), (url, space) => {
        const code = hashedCode(url, 0, 0, space);
        expect(code).toBeGreaterThanOrEqual(1);
        expect(code).toBeLessThanOrEqual(space);
        expect(hashedCode(url, 0, 0, space)).toBe(code);
      }),
    );
    const space = base62KeySpace(7);
    const codes = new Set(Array.from({ length: 1000 }, (_, attempt) => hashedCode(12345, 0, attempt, space)));
    expect(codes.size).toBe(1000);
  });

  it('hands the ids of a block out in order and refuses a new block while ids are left', () => {
    const range = new IdRange();
    range.grant(101, 3);
    expect([range.take(), range.take()]).toEqual([101, 102]);
    expect(() => range.grant(200, 5)).toThrow(/ids are left/);
    range.take();
    expect(range.left).toBe(0);
    expect(() => range.take()).toThrow(/lease a block/);
  });
});

describe('which code a redirect names', () => {
  it('maps popularity rank r to the r-th oldest or newest link, folding ranks beyond the links', () => {
    const oldest = new LinkDirectory('oldest-first', 3);
    oldest.created(50);
    expect([1, 2, 4, 5, 9].map((r) => oldest.codeOfRank(r))).toEqual([1, 2, 50, 1, 1]);
    const newest = new LinkDirectory('newest-first', 3);
    newest.created(50);
    expect([1, 2, 4, 5].map((r) => newest.codeOfRank(r))).toEqual([50, 3, 1, 50]);
    expect(new LinkDirectory('oldest-first', 0).codeOfRank(1)).toBe(-1);
  });
});

describe('the cache tier as an app node routes it', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => i + 1);
  const moved = (scheme: 'consistent-hash' | 'modulo') => {
    const router = new CacheTierRouter(4, { scheme, virtualNodes: 100, ejectAfter: 2, ejectForUs: 1000 });
    const before = keys.map((k) => router.memberOf(k, 0));
    expect(router.failed(1, 0)).toBe(false);
    expect(router.failed(1, 0)).toBe(true);
    const during = keys.map((k) => router.memberOf(k, 10));
    const after = keys.map((k) => router.memberOf(k, 1000));
    expect(during).not.toContain(1);
    expect(after).toEqual(before);
    return keys.filter((_, i) => before[i] !== during[i]).length / keys.length;
  };

  it('moves only the ejected node’s keys with the ring, almost all with modulo, and takes the node back', () => {
    expect(moved('consistent-hash')).toBeGreaterThan(0.15);
    expect(moved('consistent-hash')).toBeLessThan(0.35);
    expect(moved('modulo')).toBeGreaterThan(0.6);
  });
});

describe('counter-range ids', () => {
  it('are unique across app nodes, crashes and restarts, and a crash wastes what its node held', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 200, max: 3000 }),
        fc.integer({ min: 200, max: 3000 }),
        fc.integer({ min: 1, max: 500 }),
        async (crash1Ms, crash2Ms, downMs) => {
          const completed = await run(
            shortensOnly({ scheme: 'counter-range', allocator: 'ids', rangeSize: 50 }, [
              { at: `${crash1Ms}ms`, action: 'crash', nodes: 'app-1', for: `${downMs}ms` },
              { at: `${crash2Ms}ms`, action: 'crash', nodes: 'app-2', for: `${downMs}ms` },
              { at: `${crash1Ms + 100}ms`, action: 'crash', nodes: 'ticket-1', for: '50ms' },
            ]),
          );
          const app = details(completed, 'shortener');
          const allocator = details(completed, 'ids');
          // Any id handed out twice would meet the first one's mapping: put-if-absent answers `exists`.
          expect(count(app, 'duplicateIds')).toBe(0);
          expect(count(app, 'created')).toBeGreaterThan(400);
          expect(count(app, 'idsWasted')).toBeGreaterThan(0);
          const held = count(app, 'idsReceived') - count(app, 'idsUsed') - count(app, 'idsWasted');
          expect(held).toBeGreaterThanOrEqual(0);
          expect(held).toBeLessThanOrEqual(2 * 50);
          expect(count(app, 'idsReceived')).toBeLessThanOrEqual(count(allocator, 'idsLeased'));
        },
      ),
      { numRuns: 6 },
    );
  });
});

describe('shortens through a cache node that does not confirm in time', () => {
  it('find their own put committed (no duplicate id, no orphan code): the store holds exactly the links created', async () => {
    // The store's writes (15 ms on average) often outlast the 20 ms cache timeout, so the app retries the put at the
    // store, which answers `exists` when the cache's put got there first: that code is this shorten's own.
    const doc = shortensOnly({ scheme: 'counter-range', allocator: 'ids', rangeSize: 50 }, [], {
      cache: 'link-cache',
      shortenVia: 'cache',
      cacheTimeout: '20ms',
    });
    (doc.topology as Doc).nodes = { ...((doc.topology as Doc).nodes as Doc), cache: { count: 2 } };
    (doc.components as Doc)['link-cache'] = {
      type: 'cache',
      nodes: 'cache',
      backend: 'links',
      pattern: 'write-through',
      capacity: 100,
    };
    (doc.components as Doc).links = {
      ...((doc.components as Doc).links as Doc),
      write: { type: 'exponential', mean: '15ms' },
    };
    const completed = await run(doc);
    const app = details(completed, 'shortener');
    expect(count(app, 'uncertainPuts')).toBeGreaterThan(0);
    expect(count(app, 'duplicateIds')).toBe(0);
    const db = completed.built.caches.existingDatabase('links')!;
    let stored = 0;
    for (let code = 1; code <= count(app, 'idsReceived'); code++) stored += db.latest(code);
    expect(stored).toBe(count(app, 'created'));
  });
});

describe('hashed ids', () => {
  it('detect collisions in a small key space, retry them, more as it fills, and never overwrite a code', async () => {
    const keySpace = 1000;
    const completed = await run(shortensOnly({ scheme: 'hash', keySpace, maxAttempts: 8 }, [], {}));
    const app = details(completed, 'shortener');
    const created = count(app, 'created');
    expect(created).toBeGreaterThan(600);
    expect(count(app, 'hashCollisions')).toBeGreaterThan(100);
    expect(count(app, 'hashRetries')).toBeGreaterThan(0);
    // A uniform hash collides with probability f at fill f: low bands rarely, high bands mostly.
    const rate = (band: number) =>
      count(app, `hashCollisions.fill${band}-${band + 10}%`) / count(app, `hashAttempts.fill${band}-${band + 10}%`);
    expect(rate(0)).toBeLessThan(0.15);
    expect(rate(50)).toBeGreaterThan(0.35);
    expect(rate(50)).toBeLessThan(0.75);
    // Every code was committed once: version 1, and as many as the links created.
    const db = completed.built.caches.existingDatabase('links')!;
    let written = 0;
    for (let key = 1; key <= keySpace; key++) {
      expect(db.latest(key)).toBeLessThanOrEqual(1);
      written += db.latest(key);
    }
    expect(written).toBe(created);
  });
});

describe('redirects', () => {
  it('find every code created, cached or not', async () => {
    const doc = shortensOnly({ scheme: 'hash', codeLength: 7 });
    (doc.workloads as Doc).users = {
      type: 'poisson',
      nodes: 'client',
      target: 'shortener',
      rate: '400/s',
      operations: { redirect: 3, shorten: 1 },
      keys: { count: 400 },
      timeout: '1s',
    };
    (doc.components as Doc).shortener = {
      ...((doc.components as Doc).shortener as Doc),
      redirectPopularity: 'newest-first',
    };
    const completed = await run(doc);
    const app = details(completed, 'shortener');
    const redirect = completed.built.requests.operation('redirect');
    expect(count(app, 'created')).toBeGreaterThan(300);
    // Before the first link exists a redirect has nothing to name; after it, none is not found.
    expect(count(app, 'notFound')).toBe(0);
    expect(redirect.errors.rejected).toBeLessThanOrEqual(2);
    expect(redirect.errors.timeout + redirect.errors.unavailable).toBe(0);
  });
});

describe('the url-shortener scenario', () => {
  it('puts the failed cache node’s misses on the database, and the hit ratio recovers', async () => {
    const loaded = loadScenario('scenarios/url-shortener.yaml');
    const completed = await runScenario(loaded.variants[0].scenario);
    const cache = completed.built.caches.caches[0];
    const db = completed.built.caches.existingDatabase('links')!;
    const windowUs = completed.built.windowUs;
    const span = (fromS: number, toS: number) => {
      let lookups = 0;
      let hits = 0;
      let reads = 0;
      for (let w = Math.floor((fromS * 1e6) / windowUs); w < Math.floor((toS * 1e6) / windowUs); w++) {
        lookups += cache.lookups[w];
        hits += cache.hits[w];
        reads += db.reads[w];
      }
      return { hitRatio: hits / lookups, readsPerSec: reads / (toS - fromS) };
    };
    const before = span(15, 25);
    const failed = span(25, 28);
    const after = span(52, 60);
    expect(failed.readsPerSec).toBeGreaterThan(before.readsPerSec * 1.1);
    expect(failed.hitRatio).toBeLessThan(before.hitRatio);
    expect(after.hitRatio).toBeGreaterThan(before.hitRatio - 0.02);
  });
});
