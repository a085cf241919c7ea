import type { RandomStream } from '../../engine/index.js';
import type { CacheStore, CacheStoreListener } from './cache-store.js';
import type { CacheStoreSettings } from './cache-store-params.js';
import type { EvictionPolicy, SlotView } from './eviction/eviction-policy.js';
import { FifoPolicy } from './eviction/fifo-policy.js';
import { LfuPerfectPolicy } from './eviction/lfu-perfect-policy.js';
import { LfuPolicy } from './eviction/lfu-policy.js';
import { LruPolicy } from './eviction/lru-policy.js';
import { RandomPolicy } from './eviction/random-policy.js';
import { S3FifoPolicy } from './eviction/s3-fifo-policy.js';
import { SievePolicy } from './eviction/sieve-policy.js';
import { SlotCacheStore } from './slot-cache-store.js';

/** The knobs a store is built from: the parsed `cacheStoreParams` (the TTL itself is given per put). */
export type CacheStoreOptions = Pick<CacheStoreSettings, 'policy' | 'capacity' | 'capacityBytes' | 'ttlMode'>;

/**
 * A cache's memory with the policy and limits of `options`, telling `listener`
 * of every entry that leaves. `rng` is drawn from only by the random policy
 * (give it a stream of its own, e.g. ctx.random('eviction')).
 */
export function createCacheStore(
  options: CacheStoreOptions,
  listener: CacheStoreListener,
  rng: RandomStream,
): CacheStore {
  const capacity = options.capacity ?? Infinity;
  const capacityBytes = options.capacityBytes ?? Infinity;
  return new SlotCacheStore(
    { capacity, capacityBytes, resetOnHit: options.ttlMode === 'reset-on-hit' },
    (view, slots) => policyFor(options.policy, slots, capacity, capacityBytes, view, rng),
    listener,
    SlotCacheStore.initialSlots(capacity),
  );
}

function policyFor(
  name: CacheStoreOptions['policy'],
  slots: number,
  capacity: number,
  capacityBytes: number,
  view: SlotView,
  rng: RandomStream,
): EvictionPolicy {
  switch (name) {
    case 'lru':
      return new LruPolicy(slots);
    case 'lfu':
      return new LfuPolicy(slots);
    case 'lfu-perfect':
      return new LfuPerfectPolicy(slots, view);
    case 'fifo':
      return new FifoPolicy(slots);
    case 'random':
      return new RandomPolicy(slots, rng);
    case 's3-fifo':
      // Its queues are sized in the unit the store weighs entries in: bytes under a byte capacity, else entries.
      return new S3FifoPolicy(slots, Number.isFinite(capacityBytes) ? capacityBytes : capacity, view);
    case 'sieve':
      return new SievePolicy(slots);
  }
}
