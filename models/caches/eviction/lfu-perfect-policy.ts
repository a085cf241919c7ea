import { KeyIndex } from '../key-index.js';
import type { EvictionPolicy, SlotView } from './eviction-policy.js';
import { FrequencyBuckets } from './frequency-buckets.js';

/**
 * "Perfect" LFU: counts every request for every key, cached or not, and keeps
 * the most requested keys. A hit adds 1 to the entry's count; a get that
 * misses calls requested(key), which adds 1 to the key's count kept outside
 * the cache (every key ever requested stays in that index, the price of being
 * perfect). Once the cache is full, a new key is admitted only when its count
 * is above the lowest count held, and the entry evicted is the least recently
 * used among those with the lowest count; so under fixed popularity the cache
 * settles on the top C keys by count, the static optimum LFU's theory assumes.
 * A put without a miss before it (a write) brings no count of its own.
 *
 * Held entries sit in frequency buckets found by count through a hash index. The
 * lowest count is found by stepping up from a lower bound: while the cache is
 * full nothing is admitted below the lowest count, so the steps add up to at
 * most the largest count (amortised O(1) per request); an entry that entered
 * free room with a count below the lowest one makes the next eviction step
 * over the counts in between.
 */
export class LfuPerfectPolicy implements EvictionPolicy {
  private readonly buckets: FrequencyBuckets;
  /** Counts of keys not held (and the last count of keys that were). */
  private readonly countOf = new KeyIndex(0);
  private readonly bucketOfCount = new KeyIndex(-1);
  /** No held entry has a count below this. */
  private lowestBound = Infinity;

  constructor(
    slotCount: number,
    private readonly view: SlotView,
  ) {
    this.buckets = new FrequencyBuckets(slotCount);
  }

  grow(slotCount: number): void {
    this.buckets.grow(slotCount);
  }

  admit(key: number, needsRoom: boolean): boolean {
    return !needsRoom || this.countOf.get(key) > this.lowestCount();
  }

  inserted(slot: number, key: number): void {
    const count = this.countOf.get(key);
    this.place(slot, count);
    if (count < this.lowestBound) this.lowestBound = count;
  }

  accessed(slot: number): void {
    const count = this.buckets.countOf[this.buckets.bucketOf[slot]] + 1;
    this.detach(slot);
    this.place(slot, count);
  }

  requested(key: number): void {
    this.countOf.set(key, this.countOf.get(key) + 1);
  }

  evict(): number {
    const victim = this.buckets.tail[this.bucketOfCount.get(this.lowestCount())];
    this.removed(victim);
    return victim;
  }

  removed(slot: number): void {
    this.countOf.set(this.view.keyOf(slot), this.buckets.countOf[this.buckets.bucketOf[slot]]);
    this.detach(slot);
  }

  /** The lowest count held (only asked while entries are held). */
  private lowestCount(): number {
    while (!this.bucketOfCount.has(this.lowestBound)) this.lowestBound++;
    return this.lowestBound;
  }

  private place(slot: number, count: number): void {
    let bucket = this.bucketOfCount.get(count);
    if (bucket === -1) {
      bucket = this.buckets.open(count);
      this.bucketOfCount.set(count, bucket);
    }
    this.buckets.add(slot, bucket);
  }

  private detach(slot: number): void {
    const bucket = this.buckets.bucketOf[slot];
    if (!this.buckets.take(slot)) return;
    this.bucketOfCount.delete(this.buckets.countOf[bucket]);
    this.buckets.close(bucket);
  }
}
