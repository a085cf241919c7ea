import { Heap } from 'heap-js';
import type { EventHandle, EventQueue, QueuedEvent } from './event-queue.js';

class Entry {
  cancelled = false;
  constructor(
    readonly handle: EventHandle,
    readonly time: number,
    readonly seq: number,
    readonly kind: number,
    readonly target: number,
    readonly a: number,
    readonly b: number,
    readonly ref: unknown,
  ) {}
}

function byTimeThenSeq(x: Entry, y: Entry): number {
  return x.time - y.time || x.seq - y.seq;
}

/**
 * Reference pending-event set on heap-js: one object per event, cancellation by
 * flag. Slow but obviously correct; `TypedEventQueue` is checked against it.
 */
export class HeapEventQueue implements EventQueue {
  private heap = new Heap<Entry>(byTimeThenSeq);
  /** Pending entries by handle, so cancel is a lookup rather than a scan. */
  private byHandle = new Map<EventHandle, Entry>();
  /** Never reset, so a handle issued before `clear()` cannot match a later event. */
  private nextHandle = 0;
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

  get size(): number {
    return this.live;
  }

  get nextSeq(): number {
    return this.seq;
  }

  push(timeUs: number, kind: number, target: number, a: number, b: number, ref: unknown): EventHandle {
    if (timeUs !== timeUs) throw new RangeError('event time is NaN');
    const entry = new Entry(this.nextHandle++, timeUs, this.seq++, kind, target, a, b, ref);
    this.heap.add(entry);
    this.byHandle.set(entry.handle, entry);
    this.live++;
    return entry.handle;
  }

  cancel(handle: EventHandle): boolean {
    const entry = this.byHandle.get(handle);
    if (entry === undefined) return false;
    entry.cancelled = true;
    this.byHandle.delete(handle);
    this.live--;
    return true;
  }

  pop(untilUs = Infinity): boolean {
    // With a live event pending, peekTimeUs leaves the earliest one on top.
    if (this.live === 0 || !(this.peekTimeUs() <= untilUs)) return false;
    const entry = this.heap.poll()!;
    this.byHandle.delete(entry.handle);
    this.live--;
    this.currentHandle = entry.handle;
    this.currentTimeUs = entry.time;
    this.currentSeq = entry.seq;
    this.currentKind = entry.kind;
    this.currentTarget = entry.target;
    this.currentA = entry.a;
    this.currentB = entry.b;
    this.currentRef = entry.ref;
    return true;
  }

  peekTimeUs(): number {
    let top: Entry | undefined;
    while ((top = this.heap.peek()) !== undefined && top.cancelled) this.heap.poll();
    return top === undefined ? Infinity : top.time;
  }

  pending(): QueuedEvent[] {
    return [...this.byHandle.values()]
      .sort(byTimeThenSeq)
      .map((e) => ({ timeUs: e.time, seq: e.seq, kind: e.kind, target: e.target, a: e.a, b: e.b, ref: e.ref }));
  }

  clear(): void {
    this.heap.clear();
    this.byHandle.clear();
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
}
