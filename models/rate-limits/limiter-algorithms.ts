/**
 * Admission rules of the classic rate limiters, as pure state machines on
 * true time (µs). `admit` answers now; when it refuses, `retryAfterUs` says
 * when the same request would next be admitted (the HTTP Retry-After).
 */
export interface Admission {
  admit(nowUs: number): boolean;
  /** After a refusal: how long until an admission is possible. */
  retryAfterUs(nowUs: number): number;
  /** How many requests it would admit at `nowUs` in a row, changing nothing (for inspection). */
  admissible(nowUs: number): number;
}

/** Tokens refill at `ratePerSec` up to `burst`; each request takes one. In any span T at most burst + rate·T pass. */
export class TokenBucket implements Admission {
  private tokens: number;
  private lastUs = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  admit(nowUs: number): boolean {
    this.refill(nowUs);
    // Refills add fractions of a token in floating point; a hair short of one token is one.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }

  retryAfterUs(nowUs: number): number {
    this.refill(nowUs);
    return Math.max(0, Math.ceil(((1 - this.tokens) * 1e6) / this.ratePerSec));
  }

  admissible(nowUs: number): number {
    return Math.floor(this.tokensAt(nowUs) + 1e-9);
  }

  private refill(nowUs: number): void {
    this.tokens = this.tokensAt(nowUs);
    this.lastUs = nowUs;
  }

  private tokensAt(nowUs: number): number {
    return Math.min(this.burst, this.tokens + ((nowUs - this.lastUs) * this.ratePerSec) / 1e6);
  }
}

/** At most `limit` per window aligned to multiples of `windowUs`; across a boundary up to twice that can pass. */
export class FixedWindow implements Admission {
  private window = -1;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowUs: number,
  ) {}

  admit(nowUs: number): boolean {
    const w = Math.floor(nowUs / this.windowUs);
    if (w !== this.window) {
      this.window = w;
      this.count = 0;
    }
    if (this.count >= this.limit) return false;
    this.count++;
    return true;
  }

  retryAfterUs(nowUs: number): number {
    return fixedWindowRetryAfterUs(this.windowUs, nowUs);
  }

  admissible(nowUs: number): number {
    return Math.floor(nowUs / this.windowUs) === this.window ? this.limit - this.count : this.limit;
  }
}

/** A refused fixed-window request is admitted again when the next window starts. */
export function fixedWindowRetryAfterUs(windowUs: number, nowUs: number): number {
  return (Math.floor(nowUs / windowUs) + 1) * windowUs - nowUs;
}

/** Keeps the time of every admission in the last window: exact (at most `limit` in any span of `windowUs`), at a memory cost of `limit` entries. */
export class SlidingWindowLog implements Admission {
  private readonly log: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    private readonly limit: number,
    private readonly windowUs: number,
  ) {
    this.log = new Float64Array(limit);
  }

  admit(nowUs: number): boolean {
    this.evict(nowUs);
    if (this.size >= this.limit) return false;
    this.log[(this.head + this.size) % this.limit] = nowUs;
    this.size++;
    return true;
  }

  retryAfterUs(nowUs: number): number {
    this.evict(nowUs);
    return this.size < this.limit ? 0 : this.log[this.head] + this.windowUs - nowUs;
  }

  admissible(nowUs: number): number {
    let head = this.head;
    let size = this.size;
    while (size > 0 && this.log[head] <= nowUs - this.windowUs) {
      head = (head + 1) % this.limit;
      size--;
    }
    return this.limit - size;
  }

  private evict(nowUs: number): void {
    while (this.size > 0 && this.log[this.head] <= nowUs - this.windowUs) {
      this.head = (this.head + 1) % this.limit;
      this.size--;
    }
  }
}

/**
 * Two counters, this window and the last, with the last weighted by how much
 * of it the sliding window still covers: constant memory, approximate
 * (it assumes the last window's requests were spread evenly).
 */
export class SlidingWindowCounter implements Admission {
  private window = 0;
  private current = 0;
  private previous = 0;

  constructor(
    private readonly limit: number,
    private readonly windowUs: number,
  ) {}

  admit(nowUs: number): boolean {
    this.roll(nowUs);
    if (this.estimate(nowUs) + 1 > this.limit) return false;
    this.current++;
    return true;
  }

  retryAfterUs(nowUs: number): number {
    this.roll(nowUs);
    return slidingCounterRetryAfterUs(this.limit, this.windowUs, this.current, this.previous, nowUs);
  }

  admissible(nowUs: number): number {
    const w = Math.floor(nowUs / this.windowUs);
    if (w === this.window) return Math.max(0, Math.floor(this.limit - this.estimate(nowUs)));
    const previous = w === this.window + 1 ? this.current : 0;
    const elapsed = (nowUs - w * this.windowUs) / this.windowUs;
    return Math.max(0, Math.floor(this.limit - previous * (1 - elapsed)));
  }

  private estimate(nowUs: number): number {
    const elapsed = (nowUs - this.window * this.windowUs) / this.windowUs;
    return this.previous * (1 - elapsed) + this.current;
  }

  private roll(nowUs: number): void {
    const w = Math.floor(nowUs / this.windowUs);
    if (w === this.window) return;
    this.previous = w === this.window + 1 ? this.current : 0;
    this.current = 0;
    this.window = w;
  }
}

/** When a sliding counter holding `current` this window and `previous` the last would admit again. */
export function slidingCounterRetryAfterUs(
  limit: number,
  windowUs: number,
  current: number,
  previous: number,
  nowUs: number,
): number {
  const window = Math.floor(nowUs / windowUs);
  // The estimate weighed·(1 − f) + base falls as the weighed window slides out; solve weighed·(1 − f) + base + 1 = limit for f.
  // With room in this window that is the previous window sliding out; with this window full, it is this one, in the next.
  const full = current + 1 > limit;
  const startUs = (full ? window + 1 : window) * windowUs;
  const weighed = full ? current : previous;
  const base = full ? 0 : current;
  const fraction = weighed === 0 ? 0 : 1 - (limit - 1 - base) / weighed;
  const at = startUs + Math.min(1, Math.max(0, fraction)) * windowUs;
  return Math.max(0, Math.ceil(at - nowUs));
}
