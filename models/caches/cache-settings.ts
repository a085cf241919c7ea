import { z } from 'zod';
import { durationDistribution } from '../kit/distribution-schema.js';
import { durationUs, fraction, positiveDurationUs, positiveInt } from '../kit/units.js';
import { cacheStoreParams } from './cache-store-params.js';

/** How the cache stands between its callers and the database (see cache-node.ts for each one's steps). */
export const CACHE_PATTERNS = ['cache-aside', 'read-through', 'write-through', 'write-behind'] as const;
export type CachePattern = (typeof CACHE_PATTERNS)[number];

/** What a miss of a key others are already fetching does (see stampede-guard.ts). */
export const STAMPEDE_PROTECTIONS = ['none', 'coalesce', 'lock', 'stale-while-revalidate', 'early-expiry'] as const;
export type StampedeProtection = (typeof STAMPEDE_PROTECTIONS)[number];

const stampede = z
  .strictObject({
    protection: z
      .enum(STAMPEDE_PROTECTIONS)
      .default('none')
      .describe(
        "none: every miss fetches; coalesce: one fetch per key in flight, later misses wait for it (single flight); lock: the first miss takes a lock and fetches, the others look again every retryInterval until the value appears or the lock times out, then fetch themselves; stale-while-revalidate: an expired value is still served for staleWindow while one background fetch refreshes it; early-expiry: XFetch (Vattani et al. 2015), a read refreshes early when now - δ·β·ln(U) ≥ expiry, δ the key's last fetch time.",
      ),
    lockTimeout: positiveDurationUs
      .default(200_000)
      .describe('lock: how long a lock holds before waiting misses give up and fetch themselves (default 200ms).'),
    retryInterval: positiveDurationUs
      .default(10_000)
      .describe('lock: how often a waiting miss looks the key up again (default 10ms).'),
    staleWindow: positiveDurationUs
      .default(10_000_000)
      .describe('stale-while-revalidate: how long past its expiry a value may still be served (default 10s).'),
    beta: z
      .number()
      .positive()
      .default(1)
      .describe("early-expiry: XFetch β; above 1 refreshes earlier, below 1 later (default 1, the paper's optimum)."),
  })
  .prefault({})
  .describe('Stampede (thundering herd) protection for keys that expire under load.');

const keyClass = z.strictObject({
  name: z.string().min(1).describe('The class name in the report.'),
  keys: z
    .tuple([positiveInt, positiveInt])
    .refine(([from, to]) => to >= from, 'the range ends before it starts: [from, to] with to >= from')
    .describe('Keys from..to, both included.'),
});

export const cacheParams = z.strictObject({
  backend: z
    .string()
    .describe(
      'The kv-speaking component behind the cache: a kv-store (keys routed as its sharding places them) or another cache (keys routed over its nodes by a consistent-hash ring of 100 points per node).',
    ),
  ...cacheStoreParams.shape,
  ttlJitter: fraction
    .default(0)
    .describe(
      'Each entry lives ttl × U(1 − ttlJitter, 1), drawn per fill, so keys filled together do not expire together (0: exactly ttl).',
    ),
  pattern: z
    .enum(CACHE_PATTERNS)
    .default('cache-aside')
    .describe(
      "cache-aside: the application's library: on a miss read the database, then set the cache as a separate step; on a write, write the database, then invalidate or update (onWrite): the classic race of a fill landing after a concurrent write's invalidation is possible. read-through: the cache fills itself and drops a fill a write overtook. write-through: write the database, then the cache, answer after both. write-behind: answer once cached, flush to the database in batches (writeBehind); a crash loses the unflushed writes.",
    ),
  onWrite: z
    .enum(['invalidate', 'update'])
    .default('invalidate')
    .describe(
      'cache-aside and read-through: after the database write, delete the cached entry or store the new value.',
    ),
  refreshAhead: fraction
    .optional()
    .describe(
      'A hit on an entry older than this share of its TTL (e.g. 0.8) refreshes it in the background, so hot keys never expire. None when absent.',
    ),
  negativeTtl: durationUs
    .optional()
    .describe('Cache a not-found answer this long (negative caching). Not cached when absent.'),
  stampede,
  writeBehind: z
    .strictObject({
      flushInterval: positiveDurationUs.default(1_000_000).describe('Flush pending writes this often (default 1s).'),
      batchSize: positiveInt
        .default(1000)
        .describe('Keys flushed per interval at most; the rest wait for the next one (default 1000).'),
    })
    .prefault({})
    .describe('write-behind: how pending writes reach the database. Writes to a key that is pending merge into one.'),
  writeOperations: z
    .array(z.string())
    .min(1)
    .default(['write'])
    .describe("Request operations that are writes (default ['write']); every other operation is a read."),
  keyClasses: z
    .array(keyClass)
    .min(1)
    .optional()
    .describe(
      'Classes the report counts hit ratios under, e.g. [{ name: hot, keys: [1, 100] }]; keys in none of them count as `other`. One class `all` when absent.',
    ),
  hotKeys: z
    .array(positiveInt)
    .min(1)
    .default([1])
    .describe(
      'Keys whose expiries and the backend fetches they cause are counted (details hotKeyExpiries, hotKeyFetches: database load per expiry).',
    ),
  lookupTime: durationUs
    .default(0)
    .describe(
      "Time one cache operation takes on the node (a lookup, or cache-aside's separate set or delete); 0 (default): instantaneous, beside the network's round trip.",
    ),
  fillDelay: durationDistribution
    .default({ type: 'constant', value: 0 })
    .describe(
      "cache-aside: time between the database's answer to a miss and the application's set of the cache (its own work, a GC pause), a duration or a distribution (default 0). A write that commits and invalidates within it is overtaken by the set of the older value: the window of the classic race.",
    ),
  backendTimeout: positiveDurationUs
    .default(1_000_000)
    .describe('Give up on a backend request after this long (default 1s): the callers waiting on it get a timeout.'),
  replicas: z
    .strictObject({
      virtualNodes: positiveInt
        .default(100)
        .describe(
          "Points per cache node on the ring: set it to the balancer's virtualNodes, so that the replica is where the balancer sends the key when its node is out (default 100, the balancer's default).",
        ),
    })
    .optional()
    .describe(
      "One replica per entry: every value a node stores (a fill, a write) is also set, and every delete also made, on the key's next node on a consistent-hash ring of this component's nodes, in their order, the node a consistent-hash balancer fails over to. A node's crash then sends its keys to nodes that hold them. None when absent.",
    ),
});

/** The settings as the scenario gives them, durations in microseconds. */
export type CacheSettings = z.output<typeof cacheParams>;
