/**
 * 32-bit integer hashing for routing (keys, client ids, ring points):
 * murmur3's finalizer, which spreads consecutive integers evenly. Stable across
 * runs and machines, unlike anything keyed by object identity.
 */
/**
 * Whether `value` is among the values a `share` (0 to 1) of all 32-bit
 * hashes picks: the same values in every run, about `share` of them (poison
 * keys, opted-out users).
 */
export function inHashedShare(value: number, seed: number, share: number): boolean {
  return share > 0 && hash32(value, seed) < share * 2 ** 32;
}

export function hash32(value: number, seed = 0): number {
  let h = (Math.imul(value | 0, 0x9e3779b1) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
