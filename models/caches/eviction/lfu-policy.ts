import type { EvictionPolicy } from './eviction-policy.js';
import { FrequencyBuckets } from './frequency-buckets.js';

/**
 * LFU with in-cache counts, O(1) (Shah, Mitra and Matani's frequency-bucket
 * LFU): an entry enters with count 1, each hit adds 1, and the victim is the
 * least recently used entry of the lowest count. Buckets are chained in
 * increasing count, so a hit moves an entry to the next bucket (made when
 * count+1 has none) and the lowest bucket is the chain's start. A count is
 * forgotten when its entry leaves: a key evicted and fetched again starts at 1.
 */
export class LfuPolicy implements EvictionPolicy {
  private readonly buckets: FrequencyBuckets;
  /** The bucket with the lowest count; -1 when empty. */
  private lowest = -1;

  constructor(slotCount: number) {
    this.buckets = new FrequencyBuckets(slotCount);
  }

  grow(slotCount: number): void {
    this.buckets.grow(slotCount);
  }

  admit(): boolean {
    return true;
  }

  inserted(slot: number): void {
    const b = this.buckets;
    let bucket = this.lowest;
    if (bucket === -1 || b.countOf[bucket] !== 1) {
      bucket = b.open(1);
      b.up[bucket] = this.lowest;
      if (this.lowest !== -1) b.down[this.lowest] = bucket;
      this.lowest = bucket;
    }
    b.add(slot, bucket);
  }

  accessed(slot: number): void {
    const b = this.buckets;
    const bucket = b.bucketOf[slot];
    const count = b.countOf[bucket] + 1;
    let next = b.up[bucket];
    if (next === -1 || b.countOf[next] !== count) {
      const made = b.open(count);
      b.down[made] = bucket;
      b.up[made] = next;
      if (next !== -1) b.down[next] = made;
      b.up[bucket] = made;
      next = made;
    }
    this.detach(slot);
    b.add(slot, next);
  }

  requested(): void {}

  evict(): number {
    const victim = this.buckets.tail[this.lowest];
    this.detach(victim);
    return victim;
  }

  removed(slot: number): void {
    this.detach(slot);
  }

  /** Takes `slot` out of its bucket and unchains the bucket if that empties it. */
  private detach(slot: number): void {
    const b = this.buckets;
    const bucket = b.bucketOf[slot];
    if (!b.take(slot)) return;
    const up = b.up[bucket];
    const down = b.down[bucket];
    if (down === -1) this.lowest = up;
    else b.up[down] = up;
    if (up !== -1) b.down[up] = down;
    b.close(bucket);
  }
}
