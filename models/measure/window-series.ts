/**
 * Time-weighted integrals of a level (busy workers, queue length) per
 * reporting window, updated lazily on each change so no timer events are
 * needed. Memory is one slot per window.
 */
export class WindowIntegral {
  readonly integral: Float64Array;
  readonly peak: Float64Array;
  private level = 0;
  private lastUs = 0;

  constructor(
    private readonly windowUs: number,
    windows: number,
  ) {
    this.integral = new Float64Array(windows);
    this.peak = new Float64Array(windows);
  }

  get current(): number {
    return this.level;
  }

  /** Changes the level by `delta` at `nowUs` (non-decreasing across calls). */
  add(delta: number, nowUs: number): void {
    this.advance(nowUs);
    this.level += delta;
    const w = Math.min(Math.floor(nowUs / this.windowUs), this.peak.length - 1);
    if (this.level > this.peak[w]) this.peak[w] = this.level;
  }

  /** Accounts the current level up to `nowUs`. */
  advance(nowUs: number): void {
    const level = this.level;
    let t = this.lastUs;
    if (nowUs <= t) return;
    const last = this.integral.length - 1;
    while (t < nowUs) {
      const w = Math.min(Math.floor(t / this.windowUs), last);
      const end = w === last ? nowUs : Math.min(nowUs, (w + 1) * this.windowUs);
      this.integral[w] += level * (end - t);
      if (level > this.peak[w]) this.peak[w] = level;
      t = end;
    }
    this.lastUs = nowUs;
  }

  total(): number {
    let sum = 0;
    for (const v of this.integral) sum += v;
    return sum;
  }
}
