import type { CacheStore, CacheStoreListener, RemovalCause } from './cache-store.js';
import type { EvictionPolicy, SlotView } from './eviction/eviction-policy.js';
import { KeyIndex } from './key-index.js';

/** Slots allocated up front when the capacity gives no entry count (a byte capacity, or none); doubled as needed. */
const INITIAL_SLOTS = 1024;
/** At most this many slots up front, so a huge entry capacity costs memory only as it fills. */
const MAX_INITIAL_SLOTS = 1 << 16;

export interface SlotCacheStoreLimits {
  /** Most entries held (Infinity: no limit). */
  readonly capacity: number;
  /** Most bytes held (Infinity: no limit). */
  readonly capacityBytes: number;
  /** TTL reset-on-hit: every hit sets the expiry to now + the entry's TTL. */
  readonly resetOnHit: boolean;
}

/**
 * The CacheStore over integer slots: a hash index from key to slot, the entries'
 * fields in typed arrays indexed by slot (doubled when full, so a byte
 * capacity needs no entry count), freed slots reused from a stack. The
 * eviction policy only orders slots; this class enforces the limits: a new
 * object larger than capacityBytes is refused, otherwise the policy evicts
 * until both the entry count and the bytes fit. A put of a held key updates
 * the entry in place (the policy sees a hit) unless its size changed under a
 * byte capacity; then the old entry is removed and the new one inserted.
 * Expiry is lazy, so an entry past its TTL is reported `expired` whenever it
 * leaves (found by a get, evicted or replaced): `evicted` counts only live
 * entries pushed out for room.
 */
export class SlotCacheStore implements CacheStore, SlotView {
  entries = 0;
  bytes = 0;
  private readonly slotOf: KeyIndex;
  private keys: Float64Array;
  private versions: Float64Array;
  private sizes: Float64Array;
  private storedAt: Float64Array;
  private expiresAt: Float64Array;
  private ttls: Float64Array;
  /** Freed slots, as a stack threaded through this array. */
  private nextFree: Int32Array;
  private freeHead = -1;
  /** Slots below this index have been used at least once. */
  private used = 0;
  private readonly weighBytes: boolean;
  private readonly policy: EvictionPolicy;

  constructor(
    private readonly limits: SlotCacheStoreLimits,
    makePolicy: (view: SlotView, slotCount: number) => EvictionPolicy,
    private readonly listener: CacheStoreListener,
    slotCount: number,
  ) {
    if (!(limits.capacity >= 1) || !(limits.capacityBytes >= 1)) {
      throw new RangeError(
        `a cache store needs a capacity of at least 1 entry and 1 byte, got ${limits.capacity} entries and ${limits.capacityBytes} bytes`,
      );
    }
    this.weighBytes = Number.isFinite(limits.capacityBytes);
    this.slotOf = new KeyIndex(-1, slotCount);
    this.keys = new Float64Array(slotCount);
    this.versions = new Float64Array(slotCount);
    this.sizes = new Float64Array(slotCount);
    this.storedAt = new Float64Array(slotCount);
    this.expiresAt = new Float64Array(slotCount);
    this.ttls = new Float64Array(slotCount);
    this.nextFree = new Int32Array(slotCount);
    this.policy = makePolicy(this, slotCount);
  }

  /** Slots to start with: room for the entry capacity and a spare when it is known, up to MAX_INITIAL_SLOTS (the arrays double beyond). */
  static initialSlots(capacity: number): number {
    return Number.isFinite(capacity) ? Math.min(capacity + 1, MAX_INITIAL_SLOTS) : INITIAL_SLOTS;
  }

  get(key: number, nowUs: number): number {
    const slot = this.slotOf.get(key);
    if (slot === -1) {
      this.policy.requested(key);
      return -1;
    }
    if (nowUs >= this.expiresAt[slot]) {
      this.remove(slot, 'expired');
      this.policy.requested(key);
      return -1;
    }
    this.policy.accessed(slot);
    if (this.limits.resetOnHit) this.expiresAt[slot] = nowUs + this.ttls[slot];
    return slot;
  }

  peek(key: number): number {
    return this.slotOf.get(key);
  }

  put(key: number, version: number, sizeBytes: number, nowUs: number, ttlUs: number): boolean {
    if (!(sizeBytes >= 0 && Number.isFinite(sizeBytes))) {
      throw new RangeError(
        `cache store put of key ${key}: size must be a finite number of bytes >= 0, got ${sizeBytes}`,
      );
    }
    if (!(ttlUs >= 0)) throw new RangeError(`cache store put of key ${key}: TTL must be >= 0 µs, got ${ttlUs}`);
    const { capacity, capacityBytes } = this.limits;
    const held = this.slotOf.get(key);
    if (held !== -1) {
      const oldSize = this.sizes[held];
      // In place only when the entry's weight is unchanged, so policies that sum weights (S3-FIFO) stay right.
      const cause = nowUs >= this.expiresAt[held] ? 'expired' : 'replaced';
      if (sizeBytes === oldSize || !this.weighBytes) {
        this.bytes += sizeBytes - oldSize;
        this.fill(held, version, sizeBytes, nowUs, ttlUs);
        this.policy.accessed(held);
        this.listener.removed(key, oldSize, cause);
        return true;
      }
      this.remove(held, cause);
    }
    if (sizeBytes > capacityBytes) return false;
    const needsRoom = this.entries + 1 > capacity || this.bytes + sizeBytes > capacityBytes;
    if (!this.policy.admit(key, needsRoom)) return false;
    while (this.entries + 1 > capacity || this.bytes + sizeBytes > capacityBytes) {
      const victim = this.policy.evict();
      // A victim already past its TTL was dead, not evicted (memcached counts it as reclaimed, not in `evictions`).
      this.release(victim, nowUs >= this.expiresAt[victim] ? 'expired' : 'evicted');
    }
    const slot = this.allocate();
    this.keys[slot] = key;
    this.fill(slot, version, sizeBytes, nowUs, ttlUs);
    this.slotOf.set(key, slot);
    this.entries++;
    this.bytes += sizeBytes;
    this.policy.inserted(slot, key);
    return true;
  }

  delete(key: number): boolean {
    const slot = this.slotOf.get(key);
    if (slot === -1) return false;
    this.remove(slot, 'deleted');
    return true;
  }

  setVersion(slot: number, version: number): void {
    this.versions[slot] = version;
  }

  keyOf(slot: number): number {
    return this.keys[slot];
  }

  versionOf(slot: number): number {
    return this.versions[slot];
  }

  sizeOf(slot: number): number {
    return this.sizes[slot];
  }

  storedAtUs(slot: number): number {
    return this.storedAt[slot];
  }

  expiresAtUs(slot: number): number {
    return this.expiresAt[slot];
  }

  /** The entry's weight in capacity units: its size when capacity is in bytes, else 1. */
  weightOf(slot: number): number {
    return this.weighBytes ? this.sizes[slot] : 1;
  }

  private fill(slot: number, version: number, sizeBytes: number, nowUs: number, ttlUs: number): void {
    this.versions[slot] = version;
    this.sizes[slot] = sizeBytes;
    this.storedAt[slot] = nowUs;
    this.ttls[slot] = ttlUs;
    this.expiresAt[slot] = nowUs + ttlUs;
  }

  private remove(slot: number, cause: RemovalCause): void {
    this.policy.removed(slot);
    this.release(slot, cause);
  }

  /** Frees a slot the policy no longer orders, then tells the listener (which sees the store already without it). */
  private release(slot: number, cause: RemovalCause): void {
    const key = this.keys[slot];
    const size = this.sizes[slot];
    this.slotOf.delete(key);
    this.entries--;
    this.bytes -= size;
    this.nextFree[slot] = this.freeHead;
    this.freeHead = slot;
    this.listener.removed(key, size, cause);
  }

  private allocate(): number {
    if (this.freeHead !== -1) {
      const slot = this.freeHead;
      this.freeHead = this.nextFree[slot];
      return slot;
    }
    if (this.used === this.keys.length) this.grow(this.keys.length * 2);
    return this.used++;
  }

  private grow(slotCount: number): void {
    const widen = <T extends Float64Array | Int32Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.keys = widen(this.keys, new Float64Array(slotCount));
    this.versions = widen(this.versions, new Float64Array(slotCount));
    this.sizes = widen(this.sizes, new Float64Array(slotCount));
    this.storedAt = widen(this.storedAt, new Float64Array(slotCount));
    this.expiresAt = widen(this.expiresAt, new Float64Array(slotCount));
    this.ttls = widen(this.ttls, new Float64Array(slotCount));
    this.nextFree = widen(this.nextFree, new Int32Array(slotCount));
    this.policy.grow(slotCount);
  }
}
