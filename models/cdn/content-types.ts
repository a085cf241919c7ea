import { hash32 } from '../parts/hash.js';

/** A content type as the scenario gives it: its keys (a range, or a hashed share of all keys) and its TTL. */
export interface ContentTypeSpec {
  name: string;
  /** Keys from..to, inclusive. */
  keys?: readonly [number, number];
  /** A share of all keys, picked by a stable hash of the key, so the type is spread over every popularity rank. */
  share?: number;
  /** Time to live of its objects in every PoP (µs); absent: the tier's `ttl`. */
  ttl?: number;
}

/** Seeds the hash that deals keys to shared types, so the deal does not line up with the shard or parent hashes. */
const SHARE_SEED = 0x5eed_c0de;

/**
 * Which content type a key is (HTML, images, video segments...), and so its
 * TTL: an origin's Cache-Control per type, which every tier obeys. A key is
 * the first type whose range holds it; else, the types given by `share`
 * split the rest by a stable hash of the key (the first share of hashes to
 * the first such type, and so on); a key in none is `other`, with the tier's
 * own TTL. The types are the key classes the cache log counts lookups under.
 */
export class ContentTypes {
  /** Class names in order, `other` last (the CacheLog's key classes). */
  readonly names: readonly string[];
  private readonly ttlsUs: Float64Array;
  private readonly ranges: { index: number; from: number; to: number }[] = [];
  private readonly shares: { index: number; upTo: number }[] = [];

  constructor(types: readonly ContentTypeSpec[], defaultTtlUs: number) {
    this.names = [...types.map((t) => t.name), 'other'];
    this.ttlsUs = new Float64Array(this.names.length);
    let cumulative = 0;
    types.forEach((t, index) => {
      this.ttlsUs[index] = t.ttl ?? defaultTtlUs;
      if (t.keys !== undefined) this.ranges.push({ index, from: t.keys[0], to: t.keys[1] });
      else {
        cumulative += t.share ?? 0;
        this.shares.push({ index, upTo: cumulative * 2 ** 32 });
      }
    });
    this.ttlsUs[types.length] = defaultTtlUs;
  }

  classOf(key: number): number {
    const ranges = this.ranges;
    for (let i = 0; i < ranges.length; i++) if (key >= ranges[i].from && key <= ranges[i].to) return ranges[i].index;
    const shares = this.shares;
    if (shares.length > 0) {
      const h = hash32(key, SHARE_SEED);
      for (let i = 0; i < shares.length; i++) if (h < shares[i].upTo) return shares[i].index;
    }
    return this.names.length - 1;
  }

  /** Infinity: never expires. */
  ttlUsOf(classIndex: number): number {
    return this.ttlsUs[classIndex];
  }
}
