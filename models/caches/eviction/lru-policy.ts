import type { EvictionPolicy } from './eviction-policy.js';
import { SlotList } from './slot-list.js';

/** LRU: one list in order of last use; a hit moves the entry to the head, the tail (least recently used) is evicted. */
export class LruPolicy implements EvictionPolicy {
  private readonly order: SlotList;

  constructor(slotCount: number) {
    this.order = new SlotList(slotCount);
  }

  grow(slotCount: number): void {
    this.order.grow(slotCount);
  }

  admit(): boolean {
    return true;
  }

  inserted(slot: number): void {
    this.order.pushHead(slot);
  }

  accessed(slot: number): void {
    this.order.moveToHead(slot);
  }

  requested(): void {}

  evict(): number {
    const victim = this.order.tail;
    this.order.remove(victim);
    return victim;
  }

  removed(slot: number): void {
    this.order.remove(slot);
  }
}
