/**
 * An eviction policy as the slot store (slot-cache-store.ts) drives it. The
 * store owns the slots and their contents; a policy keeps only its own order
 * over them (lists, counts, bits). To add a policy: implement these hooks in
 * O(1) without allocating per call, add its name to EVICTION_POLICIES and a
 * case to createCacheStore, and give it a reference model in
 * test/cache-eviction.test.ts.
 *
 * Call order for a new entry: admit(key, needsRoom) → evict() while room is
 * needed → inserted(slot, key). A hit calls accessed(slot); so does a put that
 * replaces an entry in place (a write refreshes recency, as SET does in Redis
 * and memcached). Removals other than eviction call removed(slot) before the
 * slot is freed.
 */
export interface EvictionPolicy {
  /** Makes room for slots 0..slotCount-1 before the store uses them. */
  grow(slotCount: number): void;
  /**
   * Whether a new entry for `key` is taken in. `needsRoom`: it only fits if
   * entries are evicted. Only admission-filtering policies (perfect LFU) say
   * no; S3-FIFO notes here whether `key` was in its ghost list.
   */
  admit(key: number, needsRoom: boolean): boolean;
  /** `slot` now holds a new entry for `key`. */
  inserted(slot: number, key: number): void;
  /** A hit on `slot`, or its in-place replacement. */
  accessed(slot: number): void;
  /** A get of `key` that missed (absent or expired): perfect LFU counts it, the rest ignore it. */
  requested(key: number): void;
  /** Picks the entry to evict, detaches it from the policy's order and returns its slot. Called only when entries are held. */
  evict(): number;
  /** Detaches `slot`, removed for a reason other than eviction (expired, deleted, replaced). */
  removed(slot: number): void;
}

/** What a policy may read from its store: an entry's key, and its weight in capacity units (its size with a byte capacity, else 1). */
export interface SlotView {
  keyOf(slot: number): number;
  weightOf(slot: number): number;
}
