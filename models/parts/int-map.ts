/** Keys stay within the integers a double holds exactly. */
const MAX_KEY = Number.MAX_SAFE_INTEGER;

/**
 * A map from non-negative integer keys (wire ids, request ids) to values, for
 * the tables a model touches once or twice a message. A `Map` keyed by an
 * ever-growing counter spent about 35 ns a `set` (its table keeps the deleted
 * entries until it rehashes); this is open addressing with linear probing in
 * typed arrays, and deletion shifts the entries after it back, so no
 * tombstones build up. It has no iteration on purpose: its slot order depends
 * on the keys' hashes, and nothing in a run may depend on that.
 */
export class IntMap<V> {
  private keys: Float64Array;
  private used: Uint8Array;
  private values: (V | undefined)[];
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < 2 * initialCapacity) capacity *= 2;
    this.mask = capacity - 1;
    this.keys = new Float64Array(capacity);
    this.used = new Uint8Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  has(key: number): boolean {
    return this.indexOf(key) >= 0;
  }

  set(key: number, value: V): this {
    if (!(Number.isInteger(key) && key >= 0 && key <= MAX_KEY))
      throw new RangeError(`IntMap keys are whole numbers from 0 to 2^53 - 1, got ${key}`);
    const keys = this.keys;
    const used = this.used;
    const mask = this.mask;
    let i = slotOf(key, mask);
    for (; used[i] === 1; i = (i + 1) & mask) {
      if (keys[i] === key) {
        this.values[i] = value;
        return this;
      }
    }
    keys[i] = key;
    used[i] = 1;
    this.values[i] = value;
    // At most half full, so probes stay short.
    if (++this.count > (mask + 1) >>> 1) this.rehash(2 * (mask + 1));
    return this;
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const used = this.used;
    const values = this.values;
    const mask = this.mask;
    const i = this.indexOf(key);
    if (i < 0) return false;
    // Backward shift: move each later entry of the run into the hole unless its home slot lies after the hole.
    let hole = i;
    for (let j = (i + 1) & mask; used[j] === 1; j = (j + 1) & mask) {
      const home = slotOf(keys[j], mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    used[hole] = 0;
    values[hole] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.used.fill(0);
    this.values.fill(undefined);
    this.count = 0;
  }

  /** The key's slot, or -1 when it is absent. */
  private indexOf(key: number): number {
    const keys = this.keys;
    const used = this.used;
    const mask = this.mask;
    for (let i = slotOf(key, mask); used[i] === 1; i = (i + 1) & mask) if (keys[i] === key) return i;
    return -1;
  }

  private rehash(capacity: number): void {
    const { keys, used, values } = this;
    this.mask = capacity - 1;
    this.keys = new Float64Array(capacity);
    this.used = new Uint8Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (used[i] === 1) this.set(keys[i], values[i] as V);
  }
}

/** Fibonacci hashing of the key's low and high 32 bits: consecutive ids land far apart. */
function slotOf(key: number, mask: number): number {
  return (Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1) >>> 7) & mask;
}
