/**
 * Entries grouped by access count, for the LFU policies: a bucket per count
 * in use, each an intrusive list of its entries with the most recently
 * counted at its head, so ties between equal counts go to the least recently
 * used (the bucket's tail). Buckets are ids from a pool (never more than the
 * entries held plus one), entries' links and buckets' fields typed arrays:
 * moving an entry between buckets allocates nothing. How buckets are found by
 * count is the policy's business (a sorted chain for in-cache LFU, a map for
 * perfect LFU).
 */
export class FrequencyBuckets {
  /** Per slot: its bucket and its neighbours in that bucket (-1: none). */
  bucketOf: Int32Array;
  private newer: Int32Array;
  private older: Int32Array;
  /** Per bucket: its count, its newest and oldest entries, and the next free id while unused. */
  countOf: Float64Array;
  head: Int32Array;
  tail: Int32Array;
  /** Per bucket, for policies that chain buckets by count: the next higher and lower bucket. */
  up: Int32Array;
  down: Int32Array;
  private nextFree: Int32Array;
  private freeHead = -1;
  private used = 0;

  constructor(slotCount: number) {
    this.bucketOf = new Int32Array(slotCount);
    this.newer = new Int32Array(slotCount);
    this.older = new Int32Array(slotCount);
    this.countOf = new Float64Array(slotCount + 1);
    this.head = new Int32Array(slotCount + 1);
    this.tail = new Int32Array(slotCount + 1);
    this.up = new Int32Array(slotCount + 1);
    this.down = new Int32Array(slotCount + 1);
    this.nextFree = new Int32Array(slotCount + 1);
  }

  grow(slotCount: number): void {
    if (slotCount <= this.bucketOf.length) return;
    this.bucketOf = widenInt(this.bucketOf, slotCount);
    this.newer = widenInt(this.newer, slotCount);
    this.older = widenInt(this.older, slotCount);
    const countOf = new Float64Array(slotCount + 1);
    countOf.set(this.countOf);
    this.countOf = countOf;
    this.head = widenInt(this.head, slotCount + 1);
    this.tail = widenInt(this.tail, slotCount + 1);
    this.up = widenInt(this.up, slotCount + 1);
    this.down = widenInt(this.down, slotCount + 1);
    this.nextFree = widenInt(this.nextFree, slotCount + 1);
  }

  /** A new, empty bucket for `count`, not yet chained. */
  open(count: number): number {
    let bucket = this.freeHead;
    if (bucket === -1) bucket = this.used++;
    else this.freeHead = this.nextFree[bucket];
    this.countOf[bucket] = count;
    this.head[bucket] = this.tail[bucket] = -1;
    this.up[bucket] = this.down[bucket] = -1;
    return bucket;
  }

  /** Returns an empty bucket's id to the pool (the caller has unchained it). */
  close(bucket: number): void {
    this.nextFree[bucket] = this.freeHead;
    this.freeHead = bucket;
  }

  /** Puts `slot` at the head (most recent end) of `bucket`. */
  add(slot: number, bucket: number): void {
    const first = this.head[bucket];
    this.bucketOf[slot] = bucket;
    this.newer[slot] = -1;
    this.older[slot] = first;
    if (first === -1) this.tail[bucket] = slot;
    else this.newer[first] = slot;
    this.head[bucket] = slot;
  }

  /** Takes `slot` out of its bucket; true when the bucket is left empty. */
  take(slot: number): boolean {
    const bucket = this.bucketOf[slot];
    const newer = this.newer[slot];
    const older = this.older[slot];
    if (newer === -1) this.head[bucket] = older;
    else this.older[newer] = older;
    if (older === -1) this.tail[bucket] = newer;
    else this.newer[older] = newer;
    return this.head[bucket] === -1;
  }
}

function widenInt(old: Int32Array, length: number): Int32Array {
  const next = new Int32Array(length);
  next.set(old);
  return next;
}
