import { z } from 'zod';
import { durationDistribution } from '../kit/distribution-schema.js';
import { bitsPerSec, durationUs, nonNegativeInt, positiveDurationUs, positiveInt, ratePerSec } from '../kit/units.js';
import { objectSizesParam } from '../caches/object-sizes.js';

/**
 * The kv-store's parameters, in a file of their own because its callers read
 * them too (key-router.ts: a client library shares the cluster's
 * configuration, so it places keys as the store does).
 */

export const SHARDING_SCHEMES = ['modulo', 'ring', 'range'] as const;
export const MIGRATION_READS = ['forward', 'double-read'] as const;

/** A migration's pace: keys per second, or bytes per second (a bandwidth such as `100Mbps`). */
const migrationRate = z.union(
  [
    ratePerSec.transform((keysPerSec) => ({ keysPerSec, bytesPerSec: 0 })),
    bitsPerSec.transform((bits) => ({ keysPerSec: 0, bytesPerSec: bits / 8 })),
  ],
  { error: 'expected keys per second like 5000/s, or a bandwidth like 100Mbps' },
);

export const kvStoreParams = z.strictObject({
  sharding: z
    .strictObject({
      scheme: z
        .enum(SHARDING_SCHEMES)
        .default('ring')
        .describe(
          'How keys are placed on the nodes (shards): modulo (hash mod n), ring (consistent hashing with virtual nodes and weights) or range (contiguous key ranges; key r is the r-th most popular, so the first range is the hot one).',
        ),
      virtualNodes: positiveInt.default(100).describe('ring: points per shard on the ring (times its weight).'),
      weights: z
        .array(z.number().positive())
        .optional()
        .describe(
          'ring: one weight per node of the group, including one idle until a reshard adds it; all 1 when absent.',
        ),
      ranges: z
        .array(positiveInt)
        .optional()
        .describe(
          'range: the first key of every shard after the first, ascending (shard 1 starts at ranges[0], ...); equal ranges over 1..keys.count when absent.',
        ),
    })
    .prefault({})
    .describe('How keys are spread over the nodes; each node is one shard (no replication: a shard is one node).'),
  keys: z
    .strictObject({
      count: nonNegativeInt
        .default(10_000)
        .describe('Keys 1..count exist at version 1 when the run starts; any other key is not found until written.'),
    })
    .prefault({})
    .describe('The data set present at the start.'),
  objectSizes: objectSizesParam,
  read: durationDistribution
    .default({ type: 'constant', value: 1000 })
    .describe('Service time of a get on a shard: a duration or a distribution (default 1ms).'),
  write: durationDistribution
    .default({ type: 'constant', value: 2000 })
    .describe('Service time of a put or delete (default 2ms).'),
  workers: positiveInt.default(4).describe('Operations served at once on each shard; the rest wait in FIFO order.'),
  queueCapacity: nonNegativeInt
    .optional()
    .describe('Operations that may wait on a shard; more are answered failed (overloaded). Unbounded when absent.'),
  reshard: z
    .strictObject({
      at: durationUs.describe(
        'When the new shard map takes effect (on each node’s clock): callers switch and migration starts.',
      ),
      action: z
        .enum(['add', 'remove'])
        .describe(
          'add: the last node of the group, idle until then, becomes a shard; remove: the last node stops being one (its keys move to the others).',
        ),
      migrationRate: migrationRate.describe(
        'How fast each shard copies the keys leaving it to their new owners: keys per second (5000/s) or bytes per second (a bandwidth: 100Mbps).',
      ),
      duringMigration: z
        .enum(MIGRATION_READS)
        .default('forward')
        .describe(
          'A read of a key not yet copied, arriving at its new owner: forward (handed to the old owner, which answers the caller) or double-read (the new owner reads, finds nothing, asks the old owner and relays its answer: two reads).',
        ),
      copyTimeout: positiveDurationUs
        .default(500_000)
        .describe(
          "Resend a copy (or a shard's copy-done) its receiver has not acknowledged after this long, on the sender's clock (default 500ms): a copy lost on the link, or sent while its new owner was down, arrives later instead of being lost.",
        ),
      splitRange: nonNegativeInt
        .default(0)
        .describe('range, add: the range (0 = the first, the hot one) whose upper half the new shard takes.'),
    })
    .optional()
    .describe('One change of the shard set during the run, with live migration of the keys that move.'),
});

export type KvStoreParams = z.output<typeof kvStoreParams>;
export type ShardingParams = KvStoreParams['sharding'];
