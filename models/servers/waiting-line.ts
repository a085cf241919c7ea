import { Deque } from '../parts/deque.js';

/** Which waiting request a free worker takes: the oldest, the newest, or the most important (oldest first among equals). */
export const SERVICE_ORDERS = ['fifo', 'lifo', 'priority'] as const;
export type ServiceOrder = (typeof SERVICE_ORDERS)[number];

/** What a priority-aware line needs of its items: their priority, and a slot for their place in arrival order. */
export interface Ranked {
  readonly priority: number;
  /** Arrival order, assigned by the line. */
  seq: number;
}

/** A queue discipline: the requests waiting for a worker. */
export interface WaitingLine<T> {
  readonly length: number;
  add(item: T): void;
  /** Removes and returns the next to serve; the line must not be empty. */
  take(): T;
}

/** FIFO or LIFO over one ring: the fast path, for servers that ignore priorities. */
export class RingLine<T> implements WaitingLine<T> {
  private readonly ring = new Deque<T>();

  constructor(private readonly lifo: boolean) {}

  get length(): number {
    return this.ring.length;
  }

  add(item: T): void {
    this.ring.push(item);
  }

  take(): T {
    return this.lifo ? this.ring.pop() : this.ring.shift();
  }
}

/**
 * One ring per priority level, levels kept in ascending priority. Serves in
 * any `ServiceOrder` and can shed the newest of the least important requests.
 * Each operation scans the levels, so its cost grows with the number of
 * distinct priorities (a handful in practice), not with the queue length;
 * a new level allocates once, the first time its priority arrives.
 */
export class PriorityLine<T extends Ranked> implements WaitingLine<T> {
  private readonly priorities: number[] = [];
  private readonly rings: Deque<T>[] = [];
  private nextSeq = 0;
  length = 0;

  constructor(private readonly order: ServiceOrder) {}

  add(item: T): void {
    item.seq = this.nextSeq++;
    this.ringOf(item.priority).push(item);
    this.length++;
  }

  take(): T {
    const rings = this.rings;
    let best = -1;
    if (this.order === 'priority') {
      for (let i = rings.length - 1; i >= 0; i--) {
        if (rings[i].length > 0) {
          best = i;
          break;
        }
      }
      this.length--;
      return rings[best].shift();
    }
    // FIFO or LIFO across levels: the level whose oldest (newest) item arrived first (last).
    const lifo = this.order === 'lifo';
    let bestSeq = lifo ? -1 : Infinity;
    for (let i = 0; i < rings.length; i++) {
      const ring = rings[i];
      if (ring.length === 0) continue;
      const seq = lifo ? ring.back().seq : ring.front().seq;
      if (lifo ? seq > bestSeq : seq < bestSeq) {
        bestSeq = seq;
        best = i;
      }
    }
    this.length--;
    return lifo ? rings[best].pop() : rings[best].shift();
  }

  /** Removes and returns the newest of the lowest-priority items if its priority is below `priority`; undefined otherwise. */
  evictBelow(priority: number): T | undefined {
    for (let i = 0; i < this.rings.length && this.priorities[i] < priority; i++) {
      if (this.rings[i].length > 0) {
        this.length--;
        return this.rings[i].pop();
      }
    }
    return undefined;
  }

  private ringOf(priority: number): Deque<T> {
    const priorities = this.priorities;
    let i = 0;
    while (i < priorities.length && priorities[i] < priority) i++;
    if (i < priorities.length && priorities[i] === priority) return this.rings[i];
    priorities.splice(i, 0, priority);
    const ring = new Deque<T>();
    this.rings.splice(i, 0, ring);
    return ring;
  }
}
