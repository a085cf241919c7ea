import type { RandomStream } from '../../engine/index.js';

/**
 * Picks an index with probability proportional to its weight in O(1) per
 * pick (Vose's alias method): column i is chosen uniformly, then kept with
 * probability `keep[i]` or swapped for `alias[i]`. Built in O(n) from any
 * non-negative weights, so a million users' rates cost two typed arrays.
 */
export class AliasTable {
  readonly size: number;
  /** The sum of the weights the table was built from. */
  readonly total: number;
  private readonly keep: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w))
        throw new RangeError(`weight ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (n === 0 || total <= 0) throw new RangeError('an alias table needs at least one weight above zero');
    this.size = n;
    this.total = total;
    this.keep = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let smalls = 0;
    let larges = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      if (scaled[i] < 1) small[smalls++] = i;
      else large[larges++] = i;
    }
    while (smalls > 0 && larges > 0) {
      const s = small[--smalls];
      const l = large[--larges];
      this.keep[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[smalls++] = l;
      else large[larges++] = l;
    }
    // What remains is 1 up to rounding.
    while (larges > 0) this.keep[large[--larges]] = 1;
    while (smalls > 0) this.keep[small[--smalls]] = 1;
  }

  /** One 53-bit draw gives both the column (its integer part) and the keep test (its fraction): two alea outputs, no rejection loop. */
  pick(rng: RandomStream): number {
    const u = rng.nextDouble() * this.size;
    const column = Math.floor(u);
    return u - column < this.keep[column] ? column : this.alias[column];
  }
}
