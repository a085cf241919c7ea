import { FifoPolicy } from './fifo-policy.js';

/** LRU: FIFO's list, kept in order of last use instead: a hit moves the entry to the head, the tail (least recently used) is evicted. */
export class LruPolicy extends FifoPolicy {
  override accessed(slot: number): void {
    this.order.moveToHead(slot);
  }
}
