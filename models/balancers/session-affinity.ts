export const STICKINESS = ['none', 'cookie', 'ip'] as const;
export type Stickiness = (typeof STICKINESS)[number];

/**
 * A stick table: the backend each session (its cookie) or each client address
 * is pinned to. The caller balances a key's first request and pins it; later
 * requests follow the pin while that backend is in rotation, and are re-pinned
 * when it is not. A pin expires `ttlUs` after it was set (a cookie's
 * lifetime), so the next request is balanced afresh.
 */
export class StickTable {
  private readonly slots = new Map<number, number>();
  private backends = new Int32Array(64);
  private pinnedUs = new Float64Array(64);
  /** Pins moved because their backend had left rotation. */
  repins = 0;

  constructor(private readonly ttlUs = Infinity) {}

  /** Keys ever pinned (the table's size). */
  get size(): number {
    return this.slots.size;
  }

  /** The backend `key` is pinned to, or -1 when it has no pin or the pin expired. */
  lookup(key: number, nowUs: number): number {
    const slot = this.slots.get(key);
    if (slot === undefined || nowUs - this.pinnedUs[slot] >= this.ttlUs) return -1;
    return this.backends[slot];
  }

  /** Pins `key` to `backend`; `moved` when it replaces a live pin whose backend left rotation. */
  pin(key: number, backend: number, nowUs: number, moved: boolean): void {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      if (slot === this.backends.length) this.grow();
      this.slots.set(key, slot);
    }
    this.backends[slot] = backend;
    this.pinnedUs[slot] = nowUs;
    if (moved) this.repins++;
  }

  private grow(): void {
    const backends = new Int32Array(this.backends.length * 2);
    backends.set(this.backends);
    this.backends = backends;
    const pinned = new Float64Array(this.pinnedUs.length * 2);
    pinned.set(this.pinnedUs);
    this.pinnedUs = pinned;
  }
}
