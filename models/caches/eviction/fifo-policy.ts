import type { EvictionPolicy } from './eviction-policy.js';
import { SlotList } from './slot-list.js';

/** FIFO: one list in insertion order; hits change nothing, the oldest entry is evicted. */
export class FifoPolicy implements EvictionPolicy {
  protected readonly order: SlotList;

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

  accessed(_slot: number): void {}

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
