/**
 * 32-bit integer hashing for routing (keys, client ids, ring points):
 * murmur3's finalizer, which spreads consecutive integers evenly. Stable across
 * runs and machines, unlike anything keyed by object identity.
 */
export function hash32(value: number, seed = 0): number {
  let h = (Math.imul(value | 0, 0x9e3779b1) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
