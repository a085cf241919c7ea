import type { EventHandle, EventQueue, QueuedEvent } from './event-queue.js';

/** A handle is `slot + SLOT_SPAN * generation`; both parts fit below 2^53. */
const SLOT_SPAN = 2 ** 26;
const GEN_MASK = 2 ** 27 - 1;

/** Numbers per heap entry: time, sequence, slot. */
const ENTRY = 3;

/** Cancelled entries the heap may hold before `compact` (and never more than the live ones beyond it). */
const COMPACT_AFTER = 256;

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
 * Cancellation is lazy: a cancelled event keeps its heap entry and slot until
 * it reaches the top, where it is discarded.
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
  /**
   * The root entry was popped but left in place: a handler usually pushes right
   * after a pop, and dropping the new entry into the root costs one sift-down
   * instead of a sift-down plus a sift-up.
   */
  private vacantRoot = false;

  private live = 0;
  /** Heap entries of cancelled events, not yet discarded. */
  private cancelled = 0;
  private seq = 0;

  currentHandle: EventHandle = -1;
  currentTimeUs = 0;
  currentSeq = -1;
  currentKind = 0;
  currentTarget = 0;
  currentA = 0;
  currentB = 0;
  currentRef: unknown = undefined;

  constructor(initialCapacity = 1024) {
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
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.siftDown(0, this.heapSize, timeUs, this.seq++, slot);
    } else this.siftUp(this.heapSize++, timeUs, this.seq++, slot);
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

  pop(): boolean {
    const f = this.fields;
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.removeTop();
    }
    while (this.heapSize > 0) {
      const slot = this.heap[2] | 0;
      const at = FIELDS * slot;
      if (f[at + STATE] === LIVE) {
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
      this.removeTop();
      this.release(slot);
      this.cancelled--;
    }
    return false;
  }

  peekTimeUs(): number {
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.removeTop();
    }
    while (this.heapSize > 0) {
      const slot = this.heap[2] | 0;
      if (this.fields[FIELDS * slot + STATE] === LIVE) return this.heap[0];
      this.removeTop();
      this.release(slot);
      this.cancelled--;
    }
    return Infinity;
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
    for (let i = this.vacantRoot ? 1 : 0; i < this.heapSize; i++) {
      const slot = this.heap[ENTRY * i + 2];
      const at = FIELDS * slot;
      if (f[at + STATE] !== LIVE) continue;
      out.push({
        timeUs: this.heap[ENTRY * i],
        seq: this.heap[ENTRY * i + 1],
        kind: f[at + KIND],
        target: f[at + TARGET],
        a: f[at + A],
        b: f[at + B],
        ref: this.ref[slot],
      });
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
    this.heap = growFloat64(this.heap, ENTRY * capacity);
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
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.removeTop();
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
    for (let i = (n >>> 1) - 1; i >= 0; i--) {
      const at = ENTRY * i;
      this.siftDown(i, n, heap[at], heap[at + 1], heap[at + 2]);
    }
  }

  private removeTop(): void {
    const n = --this.heapSize;
    const last = ENTRY * n;
    if (n > 0) this.siftDown(0, n, this.heap[last], this.heap[last + 1], this.heap[last + 2]);
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
