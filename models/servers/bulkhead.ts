import { Deque } from '../parts/deque.js';

export interface BulkheadPolicy {
  /** Calls in flight at once; more wait or are refused. */
  maxConcurrent: number;
  /** Calls that may wait for a slot; beyond them a call is refused at once. */
  maxWaiting: number;
}

/** What `admit` decided. */
export const RUN = 0;
export const WAIT = 1;
export const REFUSE = 2;

/**
 * A bulkhead: a pool of `maxConcurrent` slots for the calls to one dependency
 * (a semaphore, as in resilience4j), with a bounded line of waiting calls
 * served in arrival order. A slow dependency can then hold only its own
 * slots, not every worker.
 */
export class Bulkhead<T> {
  inFlight = 0;
  private readonly line = new Deque<T>();

  constructor(readonly policy: BulkheadPolicy) {
    const { maxConcurrent, maxWaiting } = policy;
    if (!(Number.isInteger(maxConcurrent) && maxConcurrent >= 1))
      throw new RangeError(`bulkhead maxConcurrent must be a whole number >= 1, got ${maxConcurrent}`);
    if (!(Number.isInteger(maxWaiting) && maxWaiting >= 0))
      throw new RangeError(`bulkhead maxWaiting must be a whole number >= 0, got ${maxWaiting}`);
  }

  get waiting(): number {
    return this.line.length;
  }

  /** RUN: `call` holds a slot now; WAIT: it is in line for one; REFUSE: the pool and its line are full. */
  admit(call: T): typeof RUN | typeof WAIT | typeof REFUSE {
    if (this.inFlight < this.policy.maxConcurrent) {
      this.inFlight++;
      return RUN;
    }
    if (this.line.length < this.policy.maxWaiting) {
      this.line.push(call);
      return WAIT;
    }
    return REFUSE;
  }

  /** A call holding a slot finished: the slot passes to the oldest waiting call, returned, or back to the pool. */
  release(): T | undefined {
    if (this.line.length > 0) return this.line.shift();
    this.inFlight--;
    return undefined;
  }
}
