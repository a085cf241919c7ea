import type { EvictionPolicy } from './eviction-policy.js';
import { SlotList } from './slot-list.js';

/**
 * SIEVE (Zhang et al., NSDI 2024): one FIFO queue, new entries at the head,
 * a visited bit per entry set by a hit, and a hand that starts at the tail.
 * To evict, the hand walks toward the head clearing visited bits and stops at
 * the first unvisited entry, which goes; the hand stays where it stopped (the
 * next newer entry) and wraps to the tail past the head. Survivors keep their
 * place, so hot entries are not moved on hits (lazy promotion) and new
 * unvisited ones go quickly (quick demotion). Amortised O(1): each step of the
 * hand clears a bit some hit set.
 */
export class SievePolicy implements EvictionPolicy {
  private readonly queue: SlotList;
  private visited: Uint8Array;
  /** The next entry the hand looks at; -1: start again from the tail. */
  private hand = -1;

  constructor(slotCount: number) {
    this.queue = new SlotList(slotCount);
    this.visited = new Uint8Array(slotCount);
  }

  grow(slotCount: number): void {
    this.queue.grow(slotCount);
    if (slotCount <= this.visited.length) return;
    const visited = new Uint8Array(slotCount);
    visited.set(this.visited);
    this.visited = visited;
  }

  admit(): boolean {
    return true;
  }

  inserted(slot: number): void {
    this.visited[slot] = 0;
    this.queue.pushHead(slot);
  }

  accessed(slot: number): void {
    this.visited[slot] = 1;
  }

  requested(): void {}

  evict(): number {
    let slot = this.hand === -1 ? this.queue.tail : this.hand;
    while (this.visited[slot] === 1) {
      this.visited[slot] = 0;
      slot = this.queue.newerThan(slot);
      if (slot === -1) slot = this.queue.tail;
    }
    this.hand = slot; // removed() moves it on to the next newer entry
    this.removed(slot);
    return slot;
  }

  removed(slot: number): void {
    if (this.hand === slot) this.hand = this.queue.newerThan(slot);
    this.queue.remove(slot);
  }
}
