import type { RandomStream } from '../../../engine/index.js';
import type { EvictionPolicy } from './eviction-policy.js';

/**
 * Random: the victim is uniform over the entries held, one rng.int draw per
 * eviction. Entries sit in a dense array (with each slot's index) so a victim
 * is picked and any entry removed in O(1) by swapping in the last one.
 */
export class RandomPolicy implements EvictionPolicy {
  private held: Int32Array;
  private indexOf: Int32Array;
  private count = 0;

  constructor(
    slotCount: number,
    private readonly rng: RandomStream,
  ) {
    this.held = new Int32Array(slotCount);
    this.indexOf = new Int32Array(slotCount);
  }

  grow(slotCount: number): void {
    if (slotCount <= this.held.length) return;
    const held = new Int32Array(slotCount);
    const indexOf = new Int32Array(slotCount);
    held.set(this.held);
    indexOf.set(this.indexOf);
    this.held = held;
    this.indexOf = indexOf;
  }

  admit(): boolean {
    return true;
  }

  inserted(slot: number): void {
    this.indexOf[slot] = this.count;
    this.held[this.count++] = slot;
  }

  accessed(): void {}

  requested(): void {}

  evict(): number {
    const victim = this.held[this.rng.int(this.count)];
    this.removed(victim);
    return victim;
  }

  removed(slot: number): void {
    const at = this.indexOf[slot];
    const last = this.held[--this.count];
    this.held[at] = last;
    this.indexOf[last] = at;
  }
}
