import { KeyIndex } from '../key-index.js';
import type { EvictionPolicy, SlotView } from './eviction-policy.js';
import { SlotList } from './slot-list.js';

/**
 * The small queue's share of the capacity: 10%, the paper's choice (Yang et
 * al. found it generalised across their traces); the main queue has the rest.
 */
const SMALL_SHARE = 0.1;
/** Hits an entry needs while in the small queue to be moved to main rather than dropped to the ghost: 1, as the paper's implementation (libCacheSim S3FIFOv0) does. */
const MOVE_TO_MAIN_HITS = 1;
/** The frequency is a 2-bit counter: hits beyond 3 are not counted. */
const MAX_FREQUENCY = 3;

/**
 * S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction",
 * SOSP 2023). Three FIFO queues: new keys enter the small queue S, unless
 * the ghost queue G remembers them, then they enter the main queue M. Hits
 * only raise an entry's frequency (capped at MAX_FREQUENCY), never move it.
 * To evict: while S holds at least SMALL_SHARE of the capacity (or M is
 * empty), S's oldest entry moves to M with its frequency cleared when it was
 * hit at least MOVE_TO_MAIN_HITS times, else it is evicted and its key goes
 * to G (quick demotion of one-hit wonders); otherwise M's oldest entry is
 * reinserted at M's head with its frequency less one when it is above 0, else
 * evicted. G holds keys only, in FIFO order, up to M's share of the capacity
 * (entries, or the bytes of the objects it remembers with a byte capacity).
 * Amortised O(1): every reinsertion spends a unit of frequency or a move.
 */
export class S3FifoPolicy implements EvictionPolicy {
  private readonly small: SlotList;
  private readonly main: SlotList;
  private inMain: Uint8Array;
  private frequency: Uint8Array;
  private smallWeight = 0;
  private readonly smallTarget: number;
  private readonly ghost: GhostQueue;
  /** Set by admit(): the key being inserted was in the ghost queue. */
  private ghostHit = false;

  constructor(
    slotCount: number,
    capacity: number,
    private readonly view: SlotView,
  ) {
    this.small = new SlotList(slotCount);
    this.main = new SlotList(slotCount);
    this.inMain = new Uint8Array(slotCount);
    this.frequency = new Uint8Array(slotCount);
    this.smallTarget = SMALL_SHARE * capacity;
    this.ghost = new GhostQueue((1 - SMALL_SHARE) * capacity);
  }

  grow(slotCount: number): void {
    this.small.grow(slotCount);
    this.main.grow(slotCount);
    if (slotCount <= this.frequency.length) return;
    const inMain = new Uint8Array(slotCount);
    const frequency = new Uint8Array(slotCount);
    inMain.set(this.inMain);
    frequency.set(this.frequency);
    this.inMain = inMain;
    this.frequency = frequency;
  }

  admit(key: number): boolean {
    this.ghostHit = this.ghost.take(key);
    return true;
  }

  inserted(slot: number): void {
    this.frequency[slot] = 0;
    if (this.ghostHit) this.pushMain(slot);
    else this.pushSmall(slot);
    this.ghostHit = false;
  }

  accessed(slot: number): void {
    if (this.frequency[slot] < MAX_FREQUENCY) this.frequency[slot]++;
  }

  requested(): void {}

  evict(): number {
    for (;;) {
      if (this.small.length > 0 && (this.smallWeight >= this.smallTarget || this.main.length === 0)) {
        const oldest = this.small.tail;
        this.removeSmall(oldest);
        if (this.frequency[oldest] >= MOVE_TO_MAIN_HITS) {
          this.frequency[oldest] = 0;
          this.pushMain(oldest);
          continue;
        }
        this.ghost.add(this.view.keyOf(oldest), this.view.weightOf(oldest));
        return oldest;
      }
      const oldest = this.main.tail;
      if (this.frequency[oldest] > 0) {
        this.frequency[oldest]--;
        this.main.moveToHead(oldest);
        continue;
      }
      this.main.remove(oldest);
      return oldest;
    }
  }

  removed(slot: number): void {
    if (this.inMain[slot] === 1) this.main.remove(slot);
    else this.removeSmall(slot);
  }

  private pushSmall(slot: number): void {
    this.inMain[slot] = 0;
    this.small.pushHead(slot);
    this.smallWeight += this.view.weightOf(slot);
  }

  private removeSmall(slot: number): void {
    this.small.remove(slot);
    this.smallWeight -= this.view.weightOf(slot);
  }

  private pushMain(slot: number): void {
    this.inMain[slot] = 1;
    this.main.pushHead(slot);
  }
}

/** S3-FIFO's ghost: keys of entries recently evicted from the small queue, oldest forgotten first once their weights pass `capacity`. */
class GhostQueue {
  private readonly slotOf = new KeyIndex(-1);
  private keys = new Float64Array(64);
  private weights = new Float64Array(64);
  private readonly order = new SlotList(64);
  private nextFree = new Int32Array(64);
  private freeHead = -1;
  private used = 0;
  private weight = 0;

  constructor(private readonly capacity: number) {}

  /** Remembers `key`, forgetting the oldest keys until the total weight fits. */
  add(key: number, weight: number): void {
    if (weight > this.capacity) return;
    while (this.weight + weight > this.capacity) this.forget(this.order.tail);
    const slot = this.allocate();
    this.keys[slot] = key;
    this.weights[slot] = weight;
    this.slotOf.set(key, slot);
    this.order.pushHead(slot);
    this.weight += weight;
  }

  /** Whether `key` was remembered; it is forgotten either way. */
  take(key: number): boolean {
    const slot = this.slotOf.get(key);
    if (slot === -1) return false;
    this.forget(slot);
    return true;
  }

  private forget(slot: number): void {
    this.order.remove(slot);
    this.slotOf.delete(this.keys[slot]);
    this.weight -= this.weights[slot];
    this.nextFree[slot] = this.freeHead;
    this.freeHead = slot;
  }

  private allocate(): number {
    if (this.freeHead !== -1) {
      const slot = this.freeHead;
      this.freeHead = this.nextFree[slot];
      return slot;
    }
    if (this.used === this.keys.length) {
      const length = this.keys.length * 2;
      const keys = new Float64Array(length);
      const weights = new Float64Array(length);
      const nextFree = new Int32Array(length);
      keys.set(this.keys);
      weights.set(this.weights);
      nextFree.set(this.nextFree);
      this.keys = keys;
      this.weights = weights;
      this.nextFree = nextFree;
      this.order.grow(length);
    }
    return this.used++;
  }
}
