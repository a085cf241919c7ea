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
  // stops inlining (see bench: ping-pong among 10,000 nodes). Each s is a
  // multiple of 2^-32 in [0, 1), kept as the small integer s·2^32 − 2^31: a
  // field holding a fraction costs a 16-byte box, and a million nodes hold a
  // million streams. Decoding is exact, so every draw is alea's to the bit.
  private c = 0;
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;

  constructor(key: string) {
    this.key = key;
    // Alea's seeding from Baagøe's Mash, number for number as seedrandom's (the tests check it against
    // seedrandom). Done here: seedrandom builds closures per stream, which took 3 µs a stream.
    let n = mash(MASH_START, ' ');
    let s0 = unit(n);
    n = mash(n, ' ');
    let s1 = unit(n);
    n = mash(n, ' ');
    let s2 = unit(n);
    n = mash(n, key);
    s0 -= unit(n);
    if (s0 < 0) s0 += 1;
    n = mash(n, key);
    s1 -= unit(n);
    if (s1 < 0) s1 += 1;
    n = mash(n, key);
    s2 -= unit(n);
    if (s2 < 0) s2 += 1;
    this.load({ key, c: 1, s0, s1, s2 });
  }

  /** Uniform in [0, 1), 32-bit resolution. One alea step; allocates nothing. */
  next(): number {
    const t = 2091639 * fraction(this.k0) + this.c * 2.3283064365386963e-10; // 2^-32
    this.k0 = this.k1;
    this.k1 = this.k2;
    const s = t - (this.c = t | 0);
    this.k2 = encode(s);
    return s;
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
    return { key: this.key, c: this.c, s0: fraction(this.k0), s1: fraction(this.k1), s2: fraction(this.k2) };
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
    if (!(Number.isInteger(c) && isAleaFraction(s0) && isAleaFraction(s1) && isAleaFraction(s2))) {
      throw new RangeError(`corrupt random stream state for ${this.key}: ${JSON.stringify(state)}`);
    }
    this.load(state);
  }

  /** Writes the state as four numbers at `states[at]`: for tables that keep many streams as numbers, not objects. */
  writeTo(states: Float64Array, at: number): void {
    states[at] = this.c;
    states[at + 1] = this.k0;
    states[at + 2] = this.k1;
    states[at + 3] = this.k2;
  }

  /** Continues from four numbers `writeTo` wrote (from any stream: the table's owner keeps them apart). */
  readFrom(states: Float64Array, at: number): void {
    // `| 0` keeps the fields small integers for V8 (a typed array read is a double).
    this.c = states[at] | 0;
    this.k0 = states[at + 1] | 0;
    this.k1 = states[at + 2] | 0;
    this.k2 = states[at + 3] | 0;
  }

  private load(state: RandomStreamState): void {
    this.c = state.c;
    this.k0 = encode(state.s0);
    this.k1 = encode(state.s1);
    this.k2 = encode(state.s2);
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

const HALF_POW_32 = 0x8000_0000;

/** A state fraction as the small integer the stream keeps. */
function encode(s: number): number {
  return (s * TWO_POW_32 - HALF_POW_32) | 0;
}

function fraction(k: number): number {
  return (k + HALF_POW_32) * 2.3283064365386963e-10; // 2^-32
}

/** What alea's state words always are: multiples of 2^-32 in [0, 1). */
function isAleaFraction(x: number): boolean {
  return x >= 0 && x < 1 && Number.isInteger(x * TWO_POW_32);
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
