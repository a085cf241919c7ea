/**
 * A percentile of the most recent samples: a fixed ring of the last `window`
 * values, and the percentile selected (quickselect) on a scratch copy once
 * every tenth of a window. That is O(1) amortised per sample, allocates
 * nothing after construction, and is exact over the window, so it follows a
 * latency that drifts, which a histogram of all time would not.
 */
export class RecentPercentile {
  private readonly ring: Float64Array;
  private readonly scratch: Float64Array;
  private readonly refreshEvery: number;
  private next = 0;
  private filled = 0;
  private sinceRefresh = 0;
  private current = 0;
  private stale = true;
  /** Samples recorded in all. */
  count = 0;

  constructor(
    /** In (0, 100]. */
    readonly percentile: number,
    window: number,
  ) {
    if (!(percentile > 0 && percentile <= 100))
      throw new RangeError(`percentile must be in (0, 100], got ${percentile}`);
    if (!(Number.isInteger(window) && window >= 1))
      throw new RangeError(`window must be a whole number >= 1, got ${window}`);
    this.ring = new Float64Array(window);
    this.scratch = new Float64Array(window);
    this.refreshEvery = Math.max(1, Math.floor(window / 10));
  }

  record(value: number): void {
    this.ring[this.next] = value;
    this.next = this.next + 1 === this.ring.length ? 0 : this.next + 1;
    if (this.filled < this.ring.length) this.filled++;
    this.count++;
    if (++this.sinceRefresh >= this.refreshEvery) this.stale = true;
  }

  /** The nearest-rank percentile of the samples in the window (0 before any). */
  get value(): number {
    if (this.stale && this.filled > 0) {
      const n = this.filled;
      this.scratch.set(n === this.ring.length ? this.ring : this.ring.subarray(0, n));
      this.current = select(this.scratch, n, Math.max(0, Math.ceil((this.percentile / 100) * n) - 1));
      this.sinceRefresh = 0;
      this.stale = false;
    }
    return this.current;
  }
}

/** The k-th smallest of a[0..n) (0-based), reordering `a`: Hoare partitioning around a median of three. */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // Median of three at a[mid], so sorted or constant input stays linear.
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
