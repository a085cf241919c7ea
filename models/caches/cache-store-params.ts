import { z } from 'zod';
import { durationUs, positiveInt, sizeBytes } from '../kit/units.js';

/** The eviction policies a CacheStore can run, in the order the README lists them. */
export const EVICTION_POLICIES = ['lru', 'lfu', 'lfu-perfect', 'fifo', 'random', 's3-fifo', 'sieve'] as const;
export type EvictionPolicyName = (typeof EVICTION_POLICIES)[number];

/**
 * A cache's memory, as the cache and CDN-tier models both write it (they
 * spread `cacheStoreParams.shape` into their own schemas). Capacity counts
 * entries (`capacity`), bytes (`capacityBytes`) or both (both limits hold);
 * with neither the store is unbounded and only TTLs remove entries.
 */
export const cacheStoreParams = z.strictObject({
  policy: z
    .enum(EVICTION_POLICIES)
    .default('lru')
    .describe(
      'Which entry leaves when room is needed: lru (least recently used), lfu (fewest hits while cached, ties to the least recent), ' +
        'lfu-perfect (counts every request ever made for a key, cached or not, and admits a key only when it beats the least-counted entry), ' +
        'fifo (oldest inserted), random (uniform), s3-fifo (small probation FIFO, main FIFO and a ghost list; SOSP 2023), ' +
        'sieve (one FIFO with a visited bit and a moving hand; NSDI 2024).',
    ),
  capacity: positiveInt
    .optional()
    .describe('Most entries held, whatever their size; absent: no limit on the count (see capacityBytes).'),
  capacityBytes: sizeBytes
    .refine((bytes) => bytes >= 1, 'a byte capacity must be at least 1B')
    .optional()
    .describe(
      'Most bytes held (sum of object sizes), like memcached -m or Redis maxmemory; an object larger than this is never cached. Absent: no byte limit.',
    ),
  ttl: durationUs
    .optional()
    .describe(
      "Time to live of an entry, on the cache node's clock; absent: entries never expire (only eviction removes them).",
    ),
  ttlMode: z
    .enum(['fixed', 'reset-on-hit'])
    .default('fixed')
    .describe(
      'fixed: an entry expires ttl after it was stored (Redis EXPIRE, HTTP max-age); reset-on-hit: every hit moves the expiry to ttl after the hit (an idle timeout, like a session cache).',
    ),
});

/** The store knobs after parsing (durations in µs, sizes in bytes). */
export type CacheStoreSettings = z.output<typeof cacheStoreParams>;
