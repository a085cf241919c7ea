import { Deque } from '../parts/deque.js';

/** Where a notification worker keeps the ids it has sent (see `NotificationDedup`). */
export const DEDUP_PLACES = ['memory', 'disk', 'shared'] as const;
export type DedupPlace = (typeof DEDUP_PLACES)[number];

/** When a worker writes a notification's id: once a provider accepted it, or before its first call (a claim). */
export const DEDUP_WRITES = ['after-send', 'before-send'] as const;
export type DedupWrite = (typeof DEDUP_WRITES)[number];

/**
 * The notification ids a worker has sent (or claimed), each kept for `ttlUs`
 * after it was written (on the writer's clock): a worker that receives one
 * again (a redelivery) deletes it from the queue without sending it again.
 * Where the store lives decides what a crash does to it:
 * - `memory`: one per worker node, volatile: a crash empties it, and a
 *   redelivery to another node misses it;
 * - `disk`: one per worker node, on its durable state: it survives the
 *   node's crash, but a redelivery to another node still misses it;
 * - `shared`: one for all the workload's nodes (a Redis beside them, modelled
 *   without network hops or faults of its own): every redelivery within the
 *   TTL is caught.
 * Written after the provider accepted (at-least-once), no store catches a
 * redelivery after a worker crashed while its call was out, nor a retry
 * after a call timed out having in fact delivered: the worker never learnt
 * that it had. Written before the first call (a claim, at-most-once), a
 * shared store catches the crash's redelivery too, and the notification is
 * lost when the crashed call had not delivered.
 */
export class NotificationDedup {
  private readonly untilUs = new Map<number, number>();
  /** Writes in order, for expiring them oldest first; a rewritten id's older entry is skipped. */
  private readonly writtenIds = new Deque<number>();
  private readonly writtenUntilUs = new Deque<number>();

  constructor(private readonly ttlUs: number) {
    if (!(ttlUs > 0)) throw new RangeError(`dedup TTL must be > 0, got ${ttlUs}µs`);
  }

  get size(): number {
    return this.untilUs.size;
  }

  has(id: number, clockUs: number): boolean {
    this.expire(clockUs);
    const until = this.untilUs.get(id);
    return until !== undefined && until > clockUs;
  }

  add(id: number, clockUs: number): void {
    const until = clockUs + this.ttlUs;
    this.untilUs.set(id, until);
    this.writtenIds.push(id);
    this.writtenUntilUs.push(until);
  }

  /** Forgets `id` (a claim given up: the notification went back to the queue unsent). */
  remove(id: number): void {
    this.untilUs.delete(id);
  }

  private expire(clockUs: number): void {
    while (this.writtenIds.length > 0 && this.writtenUntilUs.front() <= clockUs) {
      const id = this.writtenIds.shift();
      const until = this.writtenUntilUs.shift();
      if (this.untilUs.get(id) === until) this.untilUs.delete(id);
    }
  }
}
