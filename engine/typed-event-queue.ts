import type { EventHandle, EventQueue } from './event-queue.js';

/** A handle is `slot + SLOT_SPAN * generation`; both parts fit below 2^53. */
const SLOT_SPAN = 2 ** 26;
const GEN_MASK = 2 ** 27 - 1;

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

  // Event slots.
  private kind: Int32Array;
  private target: Int32Array;
  private a: Float64Array;
  private b: Float64Array;
  private ref: unknown[];
  private gen: Int32Array;
  private state: Uint8Array;
  /** Stack of free slots; `freeTop` is its height. */
  private free: Int32Array;
  private freeTop = 0;

  // Binary heap entries. A 4-ary heap measured 10-15% slower at 1e3-1e4
  // pending and no faster at 1e6 (bench/hold.ts).
  private heapTime: Float64Array;
  private heapSeq: Float64Array;
  private heapSlot: Int32Array;
  private heapSize = 0;
  /**
   * The root entry was popped but left in place: a handler usually pushes right
   * after a pop, and dropping the new entry into the root costs one sift-down
   * instead of a sift-down plus a sift-up.
   */
  private vacantRoot = false;

  private live = 0;
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
    this.kind = new Int32Array(capacity);
    this.target = new Int32Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
    this.ref = [];
    for (let slot = 0; slot < capacity; slot++) this.ref.push(undefined);
    this.gen = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.free = new Int32Array(capacity);
    this.heapTime = new Float64Array(capacity);
    this.heapSeq = new Float64Array(capacity);
    this.heapSlot = new Int32Array(capacity);
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
    this.kind[slot] = kind;
    this.target[slot] = target;
    this.a[slot] = a;
    this.b[slot] = b;
    this.ref[slot] = ref;
    this.state[slot] = LIVE;
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.siftDown(this.heapSize, timeUs, this.seq++, slot);
    } else this.siftUp(this.heapSize++, timeUs, this.seq++, slot);
    this.live++;
    return slot + SLOT_SPAN * this.gen[slot];
  }

  cancel(handle: EventHandle): boolean {
    const slot = handle % SLOT_SPAN;
    // A fractional, negative or NaN handle reads `undefined` state and fails here.
    if (this.state[slot] !== LIVE || (handle - slot) / SLOT_SPAN !== this.gen[slot]) return false;
    this.state[slot] = CANCELLED;
    this.ref[slot] = undefined;
    this.live--;
    return true;
  }

  pop(): boolean {
    const state = this.state;
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.removeTop();
    }
    while (this.heapSize > 0) {
      const slot = this.heapSlot[0];
      if (state[slot] === LIVE) {
        this.currentHandle = slot + SLOT_SPAN * this.gen[slot];
        this.currentTimeUs = this.heapTime[0];
        this.currentSeq = this.heapSeq[0];
        this.currentKind = this.kind[slot];
        this.currentTarget = this.target[slot];
        this.currentA = this.a[slot];
        this.currentB = this.b[slot];
        this.currentRef = this.ref[slot];
        this.vacantRoot = true;
        this.release(slot);
        this.live--;
        return true;
      }
      this.removeTop();
      this.release(slot);
    }
    return false;
  }

  peekTimeUs(): number {
    if (this.vacantRoot) {
      this.vacantRoot = false;
      this.removeTop();
    }
    while (this.heapSize > 0) {
      const slot = this.heapSlot[0];
      if (this.state[slot] === LIVE) return this.heapTime[0];
      this.removeTop();
      this.release(slot);
    }
    return Infinity;
  }

  clear(): void {
    const state = this.state;
    const gen = this.gen;
    for (let slot = 0; slot < this.capacity; slot++) {
      // Bumping the generation keeps handles issued before the clear stale.
      if (state[slot] !== FREE) gen[slot] = (gen[slot] + 1) & GEN_MASK;
    }
    state.fill(FREE);
    this.ref.fill(undefined);
    this.stackFreeSlots(0, this.capacity);
    this.heapSize = 0;
    this.vacantRoot = false;
    this.live = 0;
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

  private release(slot: number): void {
    this.state[slot] = FREE;
    this.ref[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) & GEN_MASK;
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
    this.kind = growInt32(this.kind, capacity);
    this.target = growInt32(this.target, capacity);
    this.a = growFloat64(this.a, capacity);
    this.b = growFloat64(this.b, capacity);
    for (let slot = old; slot < capacity; slot++) this.ref.push(undefined);
    this.gen = growInt32(this.gen, capacity);
    const state = new Uint8Array(capacity);
    state.set(this.state);
    this.state = state;
    this.free = new Int32Array(capacity);
    this.heapTime = growFloat64(this.heapTime, capacity);
    this.heapSeq = growFloat64(this.heapSeq, capacity);
    this.heapSlot = growInt32(this.heapSlot, capacity);
    this.capacity = capacity;
    // Only called with no free slot, so the new slots are the whole free list.
    this.stackFreeSlots(old, capacity);
  }

  private siftUp(i: number, time: number, seq: number, slot: number): void {
    const heapTime = this.heapTime;
    const heapSeq = this.heapSeq;
    const heapSlot = this.heapSlot;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const pt = heapTime[parent];
      if (pt < time || (pt === time && heapSeq[parent] < seq)) break;
      heapTime[i] = pt;
      heapSeq[i] = heapSeq[parent];
      heapSlot[i] = heapSlot[parent];
      i = parent;
    }
    heapTime[i] = time;
    heapSeq[i] = seq;
    heapSlot[i] = slot;
  }

  private removeTop(): void {
    const n = --this.heapSize;
    if (n > 0) this.siftDown(n, this.heapTime[n], this.heapSeq[n], this.heapSlot[n]);
  }

  /** Places an entry at the root of a heap of n entries and sifts it down. */
  private siftDown(n: number, time: number, seq: number, slot: number): void {
    const heapTime = this.heapTime;
    const heapSeq = this.heapSeq;
    const heapSlot = this.heapSlot;
    const half = n >>> 1;
    let i = 0;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = heapTime[c];
      let cs = heapSeq[c];
      const r = c + 1;
      if (r < n) {
        const rt = heapTime[r];
        if (rt < ct || (rt === ct && heapSeq[r] < cs)) {
          c = r;
          ct = rt;
          cs = heapSeq[r];
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      heapTime[i] = ct;
      heapSeq[i] = cs;
      heapSlot[i] = heapSlot[c];
      i = c;
    }
    heapTime[i] = time;
    heapSeq[i] = seq;
    heapSlot[i] = slot;
  }
}

function growInt32(old: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity);
  grown.set(old);
  return grown;
}

function growFloat64(old: Float64Array, capacity: number): Float64Array {
  const grown = new Float64Array(capacity);
  grown.set(old);
  return grown;
}
