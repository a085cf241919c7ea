/**
 * A stream's resume point: the key it was derived from plus alea's four state
 * words. Plain numbers and a string, so it survives JSON.stringify/parse
 * exactly (JSON prints doubles in shortest round-trip form).
 */
export interface RandomStreamState {
  readonly key: string;
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * One independent sequence of random numbers (Baagøe's alea via seedrandom).
 *
 * Every alea output is an exact multiple of 2^-32, so `next()` has 32 bits of
 * resolution; `nextDouble()` spends two outputs for 53 bits where the tail
 * granularity matters (e.g. Zipf over a billion keys).
 */
export class RandomStream {
  /** The string the generator was seeded with (see `deriveStream`). */
  readonly key: string;
  // Alea's state, stepped here rather than through seedrandom's closure: with
  // thousands of streams a shared closure call site goes megamorphic and
  // stops inlining (see bench: ping-pong among 10,000 nodes).
  private c = 0;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;

  constructor(key: string) {
    this.key = key;
    // Alea's seeding from Baagøe's Mash, number for number as seedrandom's (the tests check it against
    // seedrandom). Done here: seedrandom builds closures per stream, which took 3 µs a stream.
    let n = mash(MASH_START, ' ');
    this.s0 = unit(n);
    n = mash(n, ' ');
    this.s1 = unit(n);
    n = mash(n, ' ');
    this.s2 = unit(n);
    n = mash(n, key);
    this.s0 -= unit(n);
    if (this.s0 < 0) this.s0 += 1;
    n = mash(n, key);
    this.s1 -= unit(n);
    if (this.s1 < 0) this.s1 += 1;
    n = mash(n, key);
    this.s2 -= unit(n);
    if (this.s2 < 0) this.s2 += 1;
    this.c = 1;
  }

  /** Uniform in [0, 1), 32-bit resolution. One alea step; allocates nothing. */
  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    return (this.s2 = t - (this.c = t | 0));
  }

  /** Uniform in [0, 1), 53-bit resolution. Consumes two draws, as seedrandom's `double()` does. */
  nextDouble(): number {
    return this.next() + ((this.next() * 0x200000) | 0) * 1.1102230246251565e-16; // 2^-53
  }

  /**
   * Uniform integer in [0, n) for integer n in [1, 2^32], without modulo bias.
   * Usually one draw; rejection takes another with probability < n / 2^32.
   */
  int(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO_POW_32)) {
      throw new RangeError(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    // Draws are exact 32-bit integers once scaled; values at or above `limit`
    // would make the low residues more likely than the high ones.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.next() * TWO_POW_32;
    while (x >= limit) x = this.next() * TWO_POW_32;
    return x % n;
  }

  /** True with probability p. Always exactly one draw, so changing p never shifts later draws. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`bernoulli(p) needs p in [0, 1], got ${p}`);
    }
    return this.next() < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs a non-empty array');
    return items[this.int(items.length)];
  }

  saveState(): RandomStreamState {
    const { c, s0, s1, s2 } = this;
    return { key: this.key, c, s0, s1, s2 };
  }

  /**
   * Continues from a saved state. The state must come from a stream with the
   * same key: restoring another stream's state would silently alias two streams.
   */
  restoreState(state: RandomStreamState): void {
    if (state.key !== this.key) {
      throw new Error(`cannot restore state of stream ${state.key} into stream ${this.key}`);
    }
    const { c, s0, s1, s2 } = state;
    if (!(Number.isInteger(c) && isUnitInterval(s0) && isUnitInterval(s1) && isUnitInterval(s2))) {
      throw new RangeError(`corrupt random stream state for ${this.key}: ${JSON.stringify(state)}`);
    }
    this.load(state);
  }

  /** Writes the state as four numbers at `states[at]`: for tables that keep many streams as numbers, not objects. */
  writeTo(states: Float64Array, at: number): void {
    states[at] = this.c;
    states[at + 1] = this.s0;
    states[at + 2] = this.s1;
    states[at + 3] = this.s2;
  }

  /** Continues from four numbers `writeTo` wrote (from any stream: the table's owner keeps them apart). */
  readFrom(states: Float64Array, at: number): void {
    this.c = states[at];
    this.s0 = states[at + 1];
    this.s1 = states[at + 2];
    this.s2 = states[at + 3];
  }

  private load(state: RandomStreamState): void {
    this.c = state.c;
    this.s0 = state.s0;
    this.s1 = state.s1;
    this.s2 = state.s2;
  }
}

const MASH_START = 0xefc8249d;

/** Baagøe's Mash: folds `data` into the running state `n` and returns the new state. */
function mash(n: number, data: string): number {
  for (let i = 0; i < data.length; i++) {
    n += data.charCodeAt(i);
    let h = 0.02519603282416938 * n;
    n = h >>> 0;
    h -= n;
    h *= n;
    n = h >>> 0;
    h -= n;
    n += h * TWO_POW_32;
  }
  return n;
}

/** What Mash hands out for a state: its low 32 bits as a fraction of 2^32. */
function unit(n: number): number {
  return (n >>> 0) * 2.3283064365386963e-10; // 2^-32
}

function isUnitInterval(x: number): boolean {
  return x >= 0 && x < 1;
}

/**
 * The stream for one (run seed, component path, purpose). It depends on those
 * three values only, so adding nodes or components never changes what any
 * other stream draws. JSON encoding keeps the key unambiguous: seed 1 and
 * seed "1" differ, and no choice of path and purpose can collide with another.
 */
export function deriveStream(runSeed: number | string, componentPath: string, purpose: string): RandomStream {
  if (typeof runSeed === 'number' && !Number.isFinite(runSeed)) {
    // JSON would print NaN and ±Infinity all as null, merging their streams.
    throw new RangeError(`run seed must be a finite number or a string, got ${runSeed}`);
  }
  return new RandomStream(JSON.stringify([runSeed, componentPath, purpose]));
}
