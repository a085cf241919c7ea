import type { EventHandle, EventQueue, QueuedEvent } from './event-queue.js';

/** A handle is `slot + SLOT_SPAN * generation`; both parts fit below 2^53. */
const SLOT_SPAN = 2 ** 26;
const GEN_MASK = 2 ** 27 - 1;

/** Numbers per heap entry: time, sequence, slot. */
const ENTRY = 3;

/** Cancelled entries the heap may hold before `compact` (and never more than the live ones beyond it). */
const COMPACT_AFTER = 256;

/** Heap entries above which the queue goes bucketed; below a quarter as many live events it goes back to one heap. */
const BUCKETS_ABOVE = 2 ** 15;
/** Events a bucket should hold, as the widths are chosen: the size of the heap in bucketed mode. */
const EVENTS_PER_BUCKET = 64;
/** A bucket holding this many times more is too wide: the buckets are rebuilt narrower. */
const REFINE_FACTOR = 16;
/** Bucket entries are stored in blocks of this many (time, seq, slot) entries, chained per bucket. */
const BLOCK = 32;
const MIN_BUCKETS = 64;
const MIN_BUCKETED_HEAP = 4096;
const MAX_BUCKETS = 2 ** 15;
/** Sample size for choosing bucket widths. */
const SAMPLE = 1024;

export interface TypedEventQueueOptions {
  /** Pending events above which the queue keeps far events in buckets (tests set it low). */
  bucketsAbove?: number;
  /** Events a bucket should hold; the heap holds about this many in bucketed mode. */
  eventsPerBucket?: number;
}

/** Numbers per event slot, and where each field is. */
const FIELDS = 6;
const KIND = 0;
const TARGET = 1;
const A = 2;
const B = 3;
const GEN = 4;
const STATE = 5;

const FREE = 0;
const LIVE = 1;
const CANCELLED = 2;

/**
 * The fast pending-event set: events live in pooled struct-of-arrays slots and
 * the heap holds (time, seq, slot) inline in typed arrays, so push and pop
 * allocate nothing once the arrays are large enough and sifting never follows
 * a pointer. `kind` and `target` are stored as int32.
 *
 * With many pending events it goes bucketed, a calendar queue with a heap at
 * its front: a sift through a heap of a million entries misses the cache at
 * most of its twenty levels. Time is cut into buckets of `widthUs`; the heap
 * holds every event of bucket `currentBucket` and before, the `windowBuckets`
 * buckets from `firstBucket` on hold later events unsorted, and an overflow
 * list holds those past the window. When the heap runs dry the next non-empty
 * bucket is heapified; when the window is spent the overflow is spread over a
 * new one. A bucket's events all come after the heap's and before the next
 * bucket's, and the heap orders by (time, seq), so pops come in exactly the
 * order of the single heap. Widths are chosen from a sample of the pending
 * times so that a bucket holds about `eventsPerBucket` events.
 *
 * Cancellation is lazy: a cancelled event keeps its entry and slot until it
 * reaches the top of the heap (or is moved out of a bucket), where it is
 * discarded.
 */
export class TypedEventQueue implements EventQueue {
  private capacity: number;

  // Event slots: (kind, target, a, b, generation, state) side by side in
  // `fields`, and the reference apart. A pop reads every field of a slot
  // anywhere in memory: one cache miss or two rather than six (hold model at
  // 1e6 pending, 1.55M to 1.87M events/s).
  private fields: Float64Array;
  private ref: unknown[];
  /** Stack of free slots; `freeTop` is its height. */
  private free: Int32Array;
  private freeTop = 0;

  // Binary heap entries, (time, seq, slot) side by side. A 4-ary heap
  // measured 10-15% slower at 1e3-1e4 pending and no faster at 1e6
  // (bench/hold.ts).
  private heap: Float64Array;
  private heapSize = 0;
  /** Bucketed mode: the heap array is reallocated smaller once it holds fewer entries than this (-1: never). */
  private heapShrinkBelow = -1;
  /**
   * The root entry was popped but left in place: a handler usually pushes right
   * after a pop, and dropping the new entry into the root costs one sift-down
   * instead of a sift-down plus a sift-up.
   */
  private vacantRoot = false;

  private live = 0;
  /** Entries of cancelled events, not yet discarded. */
  private cancelled = 0;
  private seq = 0;

  private readonly baseBucketsAbove: number;
  private bucketsAbove: number;
  private readonly eventsPerBucket: number;
  private bucketed = false;
  private widthUs = 1;
  private firstBucket = 0;
  private currentBucket = 0;
  private windowBuckets = 0;
  /** Entries moved from buckets into the heap since the last rebuild: a too-wide bucket rebuilds only once they exceed the live events. */
  private takenSinceRebuild = 0;
  // Per list (bucket i of the window, and the overflow at index `windowBuckets`): its first and last block and how full the last is.
  private listHead: Int32Array = new Int32Array(0);
  private listTail: Int32Array = new Int32Array(0);
  private listFill: Int32Array = new Int32Array(0);
  private overflowCount = 0;
  private overflowMinUs = Infinity;
  // Blocks of BLOCK entries, (time, seq, slot) side by side as in the heap; `blockNext` chains a list's blocks and the free ones.
  private blocks: Float64Array = new Float64Array(0);
  private blockNext: Int32Array = new Int32Array(0);
  private blocksUsed = 0;
  private firstFreeBlock = -1;

  currentHandle: EventHandle = -1;
  currentTimeUs = 0;
  currentSeq = -1;
  currentKind = 0;
  currentTarget = 0;
  currentA = 0;
  currentB = 0;
  currentRef: unknown = undefined;

  constructor(initialCapacity = 1024, options: TypedEventQueueOptions = {}) {
    this.baseBucketsAbove = this.bucketsAbove = Math.max(1, options.bucketsAbove ?? BUCKETS_ABOVE);
    this.eventsPerBucket = Math.max(1, options.eventsPerBucket ?? EVENTS_PER_BUCKET);
    const capacity = Math.max(1, Math.ceil(initialCapacity));
    if (capacity > SLOT_SPAN) throw new RangeError(`capacity ${capacity} exceeds ${SLOT_SPAN}`);
    this.capacity = capacity;
    this.fields = new Float64Array(FIELDS * capacity);
    this.ref = [];
    for (let slot = 0; slot < capacity; slot++) this.ref.push(undefined);
    this.free = new Int32Array(capacity);
    this.heap = new Float64Array(ENTRY * capacity);
    this.stackFreeSlots(0, capacity);
  }

  get size(): number {
    return this.live;
  }

  get nextSeq(): number {
    return this.seq;
  }

  push(timeUs: number, kind: number, target: number, a: number, b: number, ref: unknown): EventHandle {
    if (timeUs !== timeUs) throw new RangeError('event time is NaN');
    if (this.freeTop === 0) this.grow();
    const slot = this.free[--this.freeTop];
    const f = this.fields;
    const at = FIELDS * slot;
    f[at + KIND] = kind | 0;
    f[at + TARGET] = target | 0;
    f[at + A] = a;
    f[at + B] = b;
    f[at + STATE] = LIVE;
    this.ref[slot] = ref;
    const seq = this.seq++;
    if (this.bucketed && Math.floor(timeUs / this.widthUs) > this.currentBucket) this.pushToBucket(timeUs, seq, slot);
    else if (this.vacantRoot) {
      this.vacantRoot = false;
      this.siftDown(0, this.heapSize, timeUs, seq, slot);
    } else {
      if (this.bucketed && ENTRY * this.heapSize === this.heap.length) this.resizeHeap(2 * this.heapSize);
      this.siftUp(this.heapSize++, timeUs, seq, slot);
      if (this.heapSize > this.bucketsAbove && !this.bucketed) this.enterBuckets();
    }
    this.live++;
    return slot + SLOT_SPAN * f[at + GEN];
  }

  cancel(handle: EventHandle): boolean {
    const slot = handle % SLOT_SPAN;
    const at = FIELDS * slot;
    // A fractional, negative or NaN handle reads `undefined` state and fails here.
    if (this.fields[at + STATE] !== LIVE || (handle - slot) / SLOT_SPAN !== this.fields[at + GEN]) return false;
    this.fields[at + STATE] = CANCELLED;
    this.ref[slot] = undefined;
    this.live--;
    if (++this.cancelled > COMPACT_AFTER && this.cancelled > this.live) this.compact();
    return true;
  }

  pop(untilUs = Infinity): boolean {
    // With a live event pending, peekTimeUs leaves the earliest one at the heap's top.
    if (this.live === 0 || !(this.peekTimeUs() <= untilUs)) return false;
    const f = this.fields;
    const slot = this.heap[2] | 0;
    const at = FIELDS * slot;
    this.currentHandle = slot + SLOT_SPAN * f[at + GEN];
    this.currentTimeUs = this.heap[0];
    this.currentSeq = this.heap[1];
    // `| 0`: int32 for V8 (a typed array read is a double), as the run loop indexes arrays with them.
    this.currentKind = f[at + KIND] | 0;
    this.currentTarget = f[at + TARGET] | 0;
    this.currentA = f[at + A];
    this.currentB = f[at + B];
    this.currentRef = this.ref[slot];
    this.vacantRoot = true;
    this.release(slot);
    this.live--;
    return true;
  }

  peekTimeUs(): number {
    this.dropVacantRoot();
    for (;;) {
      while (this.heapSize > 0) {
        const slot = this.heap[2] | 0;
        if (this.fields[FIELDS * slot + STATE] === LIVE) return this.heap[0];
        this.removeTop();
        this.release(slot);
        this.cancelled--;
      }
      if (!this.bucketed || !this.refill()) return Infinity;
    }
  }

  clear(): void {
    const f = this.fields;
    for (let at = 0; at < f.length; at += FIELDS) {
      // Bumping the generation keeps handles issued before the clear stale.
      if (f[at + STATE] !== FREE) f[at + GEN] = (f[at + GEN] + 1) & GEN_MASK;
      f[at + STATE] = FREE;
    }
    this.ref.fill(undefined);
    this.stackFreeSlots(0, this.capacity);
    this.heapSize = 0;
    this.vacantRoot = false;
    this.live = 0;
    this.cancelled = 0;
    this.seq = 0;
    this.bucketed = false;
    this.restoreHeap();
    this.bucketsAbove = this.baseBucketsAbove;
    this.blocksUsed = 0;
    this.firstFreeBlock = -1;
    this.currentHandle = -1;
    this.currentTimeUs = 0;
    this.currentSeq = -1;
    this.currentKind = 0;
    this.currentTarget = 0;
    this.currentA = 0;
    this.currentB = 0;
    this.currentRef = undefined;
  }

  pending(): QueuedEvent[] {
    const out: QueuedEvent[] = [];
    const f = this.fields;
    const add = (entries: Float64Array, e: number) => {
      const slot = entries[e + 2];
      const at = FIELDS * slot;
      if (f[at + STATE] !== LIVE) return;
      out.push({
        timeUs: entries[e],
        seq: entries[e + 1],
        kind: f[at + KIND],
        target: f[at + TARGET],
        a: f[at + A],
        b: f[at + B],
        ref: this.ref[slot],
      });
    };
    for (let i = this.vacantRoot ? 1 : 0; i < this.heapSize; i++) add(this.heap, ENTRY * i);
    if (this.bucketed) {
      for (let list = 0; list <= this.windowBuckets; list++) {
        for (let block = this.listHead[list]; block >= 0; block = this.blockNext[block]) {
          const n = block === this.listTail[list] ? this.listFill[list] : BLOCK;
          for (let k = 0; k < n; k++) add(this.blocks, ENTRY * (BLOCK * block + k));
        }
      }
    }
    return out.sort((x, y) => x.timeUs - y.timeUs || x.seq - y.seq);
  }

  private release(slot: number): void {
    const at = FIELDS * slot;
    this.fields[at + STATE] = FREE;
    this.fields[at + GEN] = (this.fields[at + GEN] + 1) & GEN_MASK;
    this.ref[slot] = undefined;
    this.free[this.freeTop++] = slot;
  }

  /** Pushes slots [from, to) so that the lowest slot is handed out first. */
  private stackFreeSlots(from: number, to: number): void {
    const free = this.free;
    let top = 0;
    for (let slot = to - 1; slot >= from; slot--) free[top++] = slot;
    this.freeTop = top;
  }

  private grow(): void {
    const old = this.capacity;
    if (old >= SLOT_SPAN) throw new RangeError(`more than ${SLOT_SPAN} pending events`);
    const capacity = Math.min(old * 2, SLOT_SPAN);
    this.fields = growFloat64(this.fields, FIELDS * capacity);
    for (let slot = old; slot < capacity; slot++) this.ref.push(undefined);
    this.free = new Int32Array(capacity);
    // A bucketed queue's heap grows by itself (resizeHeap), and may be larger than this on its return to one heap.
    if (!this.bucketed && this.heap.length < ENTRY * capacity) this.heap = growFloat64(this.heap, ENTRY * capacity);
    this.capacity = capacity;
    // Only called with no free slot, so the new slots are the whole free list.
    this.stackFreeSlots(old, capacity);
  }

  private siftUp(i: number, time: number, seq: number, slot: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const p = ENTRY * parent;
      const pt = heap[p];
      if (pt < time || (pt === time && heap[p + 1] < seq)) break;
      const at = ENTRY * i;
      heap[at] = pt;
      heap[at + 1] = heap[p + 1];
      heap[at + 2] = heap[p + 2];
      i = parent;
    }
    const at = ENTRY * i;
    heap[at] = time;
    heap[at + 1] = seq;
    heap[at + 2] = slot;
  }

  /**
   * Drops the cancelled entries and rebuilds the heap (Floyd's method) once
   * they outnumber the live events: timeouts, almost always cancelled, would
   * otherwise fill it (a balanced request path with 1 s timeouts kept 8,000
   * entries for 56 live events). Pops come in the same order, as no two
   * entries have the same (time, seq).
   */
  private compact(): void {
    this.dropVacantRoot();
    if (this.bucketed) {
      // Gathering drops the cancelled entries; the rebuild spreads the rest again.
      this.gatherIntoOverflow();
      this.rebuild();
      return;
    }
    const heap = this.heap;
    let n = 0;
    for (let i = 0; i < this.heapSize; i++) {
      const from = ENTRY * i;
      const slot = heap[from + 2];
      if (this.fields[FIELDS * slot + STATE] !== LIVE) {
        this.release(slot);
        continue;
      }
      const to = ENTRY * n++;
      heap[to] = heap[from];
      heap[to + 1] = heap[from + 1];
      heap[to + 2] = slot;
    }
    this.heapSize = n;
    this.cancelled = 0;
    this.heapify();
  }

  /** Floyd's method over the whole heap array. */
  private heapify(): void {
    const heap = this.heap;
    const n = this.heapSize;
    for (let i = (n >>> 1) - 1; i >= 0; i--) {
      const at = ENTRY * i;
      this.siftDown(i, n, heap[at], heap[at + 1], heap[at + 2]);
    }
  }

  // ---- bucketed mode ----------------------------------------------------------

  private pushToBucket(timeUs: number, seq: number, slot: number): void {
    let list = Math.floor(timeUs / this.widthUs) - this.firstBucket;
    if (!(list < this.windowBuckets)) {
      list = this.windowBuckets;
      this.overflowCount++;
      if (timeUs < this.overflowMinUs) this.overflowMinUs = timeUs;
    }
    this.append(list, timeUs, seq, slot);
  }

  /** Moves the heap's entries into the overflow list and spreads them over buckets. */
  private enterBuckets(): void {
    this.dropVacantRoot();
    this.bucketed = true;
    this.windowBuckets = 0;
    this.ensureLists(1);
    this.gatherIntoOverflow();
    this.resizeHeap(0);
    this.rebuild();
  }

  /** Moves every entry back into one heap (few events left, or none of them at a finite time). */
  private leaveBuckets(): void {
    this.dropVacantRoot();
    this.restoreHeap();
    for (let list = 0; list <= this.windowBuckets; list++) this.drainList(list, -1);
    this.bucketed = false;
    this.overflowCount = 0;
    this.overflowMinUs = Infinity;
    this.heapify();
    // Not back into buckets before the heap has doubled, so switching costs O(1) a push.
    this.bucketsAbove = Math.max(this.baseBucketsAbove, 2 * this.heapSize);
  }

  /**
   * Called with the heap empty: heapifies the next non-empty bucket, or
   * spreads the overflow over a new window. False when nothing is left.
   */
  private refill(): boolean {
    if (this.live < this.baseBucketsAbove >>> 2) {
      this.leaveBuckets();
      return this.heapSize > 0;
    }
    for (let list = this.currentBucket - this.firstBucket + 1; list < this.windowBuckets; list++) {
      if (this.listHead[list] < 0) continue;
      this.currentBucket = this.firstBucket + list;
      this.takeBucket(list);
      this.heapify();
      this.takenSinceRebuild += this.heapSize;
      if (
        this.heapSize > REFINE_FACTOR * this.eventsPerBucket &&
        this.widthUs > 1 &&
        this.takenSinceRebuild > this.live
      ) {
        this.gatherIntoOverflow();
        this.rebuild();
      }
      return true;
    }
    if (this.overflowCount === 0) return false;
    this.rebuild();
    return true;
  }

  /**
   * Chooses a width and a window from a sample of the overflow's times, then
   * spreads the overflow over the new window (what lies past it stays in the
   * overflow). Called with the heap and every bucket empty.
   */
  private rebuild(): void {
    const overflow = this.windowBuckets;
    const count = this.overflowCount;
    const minUs = this.overflowMinUs;
    if (!Number.isFinite(minUs)) {
      this.leaveBuckets();
      return;
    }
    // Every stride-th time, sorted: the front of the sample gives the density near the head
    // (robust to a few far timers), its 90th percentile how far the window should reach.
    // `count` includes cancelled entries, which are moved along with the rest.
    const stride = Math.max(1, Math.floor(count / SAMPLE));
    const sample = new Float64Array(Math.ceil(count / stride));
    let taken = 0;
    let index = 0;
    for (let block = this.listHead[overflow]; block >= 0; block = this.blockNext[block]) {
      const n = block === this.listTail[overflow] ? this.listFill[overflow] : BLOCK;
      for (let k = 0; k < n; k++, index++) {
        if (index % stride === 0 && taken < sample.length) sample[taken++] = this.blocks[ENTRY * (BLOCK * block + k)];
      }
    }
    sample.subarray(0, taken).sort();
    // Events never due (time Infinity) sort last and say nothing of the density.
    let finite = taken;
    while (finite > 0 && sample[finite - 1] === Infinity) finite--;
    const front = Math.min(Math.max(1, Math.floor(finite / 32)), finite - 1);
    const frontSpanUs = front > 0 ? ((sample[front] - minUs) * finite) / front : 0;
    // Finite and at least 1 µs: any such width maps times to buckets monotonically.
    const widthUs = Math.min(Math.max(1, Math.floor((frontSpanUs * this.eventsPerBucket) / count)), Number.MAX_VALUE);
    const reachUs = finite > 0 ? sample[Math.floor(0.9 * (finite - 1))] - minUs : 0;
    let buckets = MIN_BUCKETS;
    // At most two buckets for every `eventsPerBucket` events, so scanning empty ones costs O(1) an event.
    while (buckets < MAX_BUCKETS && buckets * widthUs <= reachUs && buckets * this.eventsPerBucket < 2 * count)
      buckets *= 2;

    // Detach the overflow's chain, then lay out the new window's lists.
    let block = this.listHead[overflow];
    const tail = this.listTail[overflow];
    const tailFill = this.listFill[overflow];
    this.listHead[overflow] = this.listTail[overflow] = -1;
    this.widthUs = widthUs;
    this.windowBuckets = buckets;
    this.firstBucket = Math.floor(minUs / widthUs);
    this.currentBucket = this.firstBucket - 1;
    this.ensureLists(buckets + 1);
    this.overflowCount = 0;
    this.overflowMinUs = Infinity;
    this.takenSinceRebuild = 0;
    while (block >= 0) {
      const n = block === tail ? tailFill : BLOCK;
      const next = this.blockNext[block];
      for (let k = 0; k < n; k++) {
        const e = ENTRY * (BLOCK * block + k);
        // Cancelled entries move too: telling them apart would read every event's slot, anywhere in memory.
        this.pushToBucket(this.blocks[e], this.blocks[e + 1], this.blocks[e + 2]);
      }
      // Freed once read, so the spreading reuses it at once.
      this.freeBlock(block);
      block = next;
    }
  }

  /**
   * Moves a bucket's entries to the heap array, unsorted, cancelled ones too:
   * the heap drops those at the top.
   */
  private takeBucket(list: number): void {
    const tail = this.listTail[list];
    const tailFill = this.listFill[list];
    const blocks = this.blocks;
    let heap = this.heap;
    let to = ENTRY * this.heapSize;
    let block = this.listHead[list];
    this.listHead[list] = this.listTail[list] = -1;
    while (block >= 0) {
      if (to + ENTRY * BLOCK > this.heap.length) {
        this.heapSize = to / ENTRY;
        this.resizeHeap(2 * this.heapSize + BLOCK);
        heap = this.heap;
      }
      const end = ENTRY * (BLOCK * block + (block === tail ? tailFill : BLOCK));
      for (let e = ENTRY * BLOCK * block; e < end; e += ENTRY) {
        heap[to] = blocks[e];
        heap[to + 1] = blocks[e + 1];
        heap[to + 2] = blocks[e + 2];
        to += ENTRY;
      }
      const next = this.blockNext[block];
      this.freeBlock(block);
      block = next;
    }
    this.heapSize = to / ENTRY;
  }

  /** Moves the heap's entries and every bucket's into the overflow list, dropping cancelled ones; `rebuild` follows. */
  private gatherIntoOverflow(): void {
    const overflow = this.windowBuckets;
    const heap = this.heap;
    for (let i = 0; i < this.heapSize; i++)
      this.keepOrDrop(heap[ENTRY * i], heap[ENTRY * i + 1], heap[ENTRY * i + 2], overflow);
    this.heapSize = 0;
    // The overflow too, detached first and refilled with its own live entries.
    for (let list = 0; list <= overflow; list++) this.drainList(list, overflow);
  }

  /**
   * Empties a list, moving its live entries to the list `into` (-1: the end of
   * the heap array, unsorted) and dropping the cancelled ones.
   */
  private drainList(list: number, into: number): void {
    let block = this.listHead[list];
    if (block < 0) return;
    const tail = this.listTail[list];
    const tailFill = this.listFill[list];
    this.listHead[list] = this.listTail[list] = -1;
    if (list === this.windowBuckets) {
      this.overflowCount = 0;
      this.overflowMinUs = Infinity;
    }
    const blocks = this.blocks;
    while (block >= 0) {
      const n = block === tail ? tailFill : BLOCK;
      const next = this.blockNext[block];
      for (let k = 0; k < n; k++) {
        const e = ENTRY * (BLOCK * block + k);
        this.keepOrDrop(blocks[e], blocks[e + 1], blocks[e + 2], into);
      }
      this.freeBlock(block);
      block = next;
    }
  }

  private keepOrDrop(timeUs: number, seq: number, slot: number, into: number): void {
    if (this.fields[FIELDS * slot + STATE] !== LIVE) {
      this.release(slot);
      this.cancelled--;
    } else if (into < 0) {
      const at = ENTRY * this.heapSize++;
      this.heap[at] = timeUs;
      this.heap[at + 1] = seq;
      this.heap[at + 2] = slot;
    } else {
      if (into === this.windowBuckets) {
        this.overflowCount++;
        if (timeUs < this.overflowMinUs) this.overflowMinUs = timeUs;
      }
      this.append(into, timeUs, seq, slot);
    }
  }

  private append(list: number, timeUs: number, seq: number, slot: number): void {
    let block = this.listTail[list];
    let n = this.listFill[list];
    if (block < 0 || n === BLOCK) {
      const fresh = this.takeBlock();
      if (block < 0) this.listHead[list] = fresh;
      else this.blockNext[block] = fresh;
      this.listTail[list] = block = fresh;
      n = 0;
    }
    const e = ENTRY * (BLOCK * block + n);
    this.blocks[e] = timeUs;
    this.blocks[e + 1] = seq;
    this.blocks[e + 2] = slot;
    this.listFill[list] = n + 1;
  }

  private takeBlock(): number {
    let block = this.firstFreeBlock;
    if (block >= 0) this.firstFreeBlock = this.blockNext[block];
    else {
      if (this.blocksUsed === this.blockNext.length) {
        const capacity = Math.max(64, 2 * this.blockNext.length);
        this.blocks = growFloat64(this.blocks, ENTRY * BLOCK * capacity);
        const next = new Int32Array(capacity);
        next.set(this.blockNext);
        this.blockNext = next;
      }
      block = this.blocksUsed++;
    }
    this.blockNext[block] = -1;
    return block;
  }

  private freeBlock(block: number): void {
    this.blockNext[block] = this.firstFreeBlock;
    this.firstFreeBlock = block;
  }

  /** Makes room for `lists` lists, all empty. */
  private ensureLists(lists: number): void {
    if (this.listHead.length < lists) {
      const length = Math.max(lists, 2 * this.listHead.length);
      this.listHead = new Int32Array(length);
      this.listTail = new Int32Array(length);
      this.listFill = new Int32Array(length);
    }
    this.listHead.fill(-1, 0, lists);
    this.listTail.fill(-1, 0, lists);
    this.listFill.fill(0, 0, lists);
  }

  /** Removes the root a pop left in place (see `vacantRoot`), when no push has filled it. */
  private dropVacantRoot(): void {
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.removeTop();
    }
  }

  private removeTop(): void {
    const n = --this.heapSize;
    const last = ENTRY * n;
    if (n > 0) this.siftDown(0, n, this.heap[last], this.heap[last + 1], this.heap[last + 2]);
    if (n < this.heapShrinkBelow) this.resizeHeap(2 * n);
  }

  /**
   * Bucketed mode only: gives the heap room for `entries` (at least
   * MIN_BUCKETED_HEAP), so a heap that once held a huge bucket (a million
   * start events at time 0) gives its memory back once it is drained.
   */
  private resizeHeap(entries: number): void {
    const capacity = Math.max(MIN_BUCKETED_HEAP, entries);
    const heap = new Float64Array(ENTRY * capacity);
    heap.set(this.heap.subarray(0, ENTRY * this.heapSize));
    this.heap = heap;
    this.heapShrinkBelow = capacity > MIN_BUCKETED_HEAP ? capacity >>> 3 : -1;
  }

  /** Back to one heap: room for an entry per slot again, never shrunk. */
  private restoreHeap(): void {
    if (this.heap.length < ENTRY * this.capacity) this.heap = growFloat64(this.heap, ENTRY * this.capacity);
    this.heapShrinkBelow = -1;
  }

  /** Places an entry at `i` (the root but in `compact`) of a heap of n entries and sifts it down. */
  private siftDown(i: number, n: number, time: number, seq: number, slot: number): void {
    const heap = this.heap;
    const half = n >>> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = heap[ENTRY * c];
      let cs = heap[ENTRY * c + 1];
      const r = c + 1;
      if (r < n) {
        const rt = heap[ENTRY * r];
        if (rt < ct || (rt === ct && heap[ENTRY * r + 1] < cs)) {
          c = r;
          ct = rt;
          cs = heap[ENTRY * r + 1];
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      const at = ENTRY * i;
      heap[at] = ct;
      heap[at + 1] = cs;
      heap[at + 2] = heap[ENTRY * c + 2];
      i = c;
    }
    const at = ENTRY * i;
    heap[at] = time;
    heap[at + 1] = seq;
    heap[at + 2] = slot;
  }
}

function growFloat64(old: Float64Array, capacity: number): Float64Array {
  const grown = new Float64Array(capacity);
  grown.set(old);
  return grown;
}
