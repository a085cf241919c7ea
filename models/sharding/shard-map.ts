import { ConsistentHashRing } from '../parts/consistent-hash-ring.js';
import { hash32 } from '../parts/hash.js';

/**
 * Where a key lives: the shard (a kv-store node, by 0-based index) that owns
 * it under one sharding scheme and one set of shards. A map is static; a
 * reshard replaces it with another (see shard-plan.ts).
 *
 * - `modulo`: hash(key) mod n. Even, but changing n moves almost every key
 *   (about n/(n+1) of them when a shard is added).
 * - `ring`: consistent hashing, each shard owning `virtualNodes × weight`
 *   points on a ring; adding a shard moves only the keys its points take
 *   (about 1/(n+1) of them), removing one only the keys it held.
 * - `range`: contiguous key ranges, each owned by one shard. Keys are ranked
 *   by popularity (key r is the r-th most popular under a Zipf workload), so
 *   the range holding the first keys is hot however evenly the key space is cut.
 *
 * Hashing reads a key's low 32 bits (hash32), so keys above 2^32 (codes of 6
 * or more base62 characters) that differ only above them share a shard. That
 * costs nothing for keys drawn uniformly from a larger space (hashed short
 * codes: their low bits are as uniform as small keys, see sharding.test.ts)
 * nor for counters below 2^32; only keys built to differ in their high bits
 * alone would pile onto one shard.
 */
export interface ShardMap {
  /** Shards holding keys under this map (nodes 0..shards-1 for hashing; any subset for ranges). */
  readonly shards: number;
  /** The nodes that are shards under this map, ascending. */
  readonly members: readonly number[];
  shardOf(key: number): number;
}

const firstNodes = (shards: number) => Array.from({ length: shards }, (_, s) => s);

export class ModuloShardMap implements ShardMap {
  readonly members: readonly number[];

  constructor(readonly shards: number) {
    if (!(Number.isInteger(shards) && shards >= 1))
      throw new RangeError(`modulo sharding needs >= 1 shard, got ${shards}`);
    this.members = firstNodes(shards);
  }

  shardOf(key: number): number {
    return hash32(key) % this.shards;
  }
}

const ALL_UP = () => true;

export class RingShardMap implements ShardMap {
  private readonly ring: ConsistentHashRing;
  readonly members: readonly number[];

  /** `weights`: one per shard, the first `shards` of them are used. A shard's points depend only on its index, so a bigger ring contains a smaller one's points. */
  constructor(
    readonly shards: number,
    readonly virtualNodes: number,
    weights: readonly number[],
  ) {
    if (weights.length < shards)
      throw new RangeError(`ring sharding needs a weight per shard: ${weights.length} for ${shards}`);
    this.ring = new ConsistentHashRing(weights.slice(0, shards), virtualNodes);
    this.members = firstNodes(shards);
  }

  shardOf(key: number): number {
    return this.ring.lookup(key, ALL_UP);
  }
}

/** Ranges by their first key, ascending; keys below the first range belong to it too. */
export class RangeShardMap implements ShardMap {
  readonly shards: number;
  readonly members: readonly number[];

  constructor(
    readonly firstKeys: readonly number[],
    readonly owners: readonly number[],
  ) {
    if (firstKeys.length === 0 || firstKeys.length !== owners.length)
      throw new RangeError(
        `range sharding needs one owner per range: ${firstKeys.length} ranges, ${owners.length} owners`,
      );
    for (let i = 1; i < firstKeys.length; i++)
      if (!(firstKeys[i] > firstKeys[i - 1]))
        throw new RangeError(`range first keys must increase: ${firstKeys[i - 1]} then ${firstKeys[i]}`);
    this.members = [...new Set(owners)].sort((a, b) => a - b);
    this.shards = this.members.length;
  }

  /** `shards` ranges of equal length over keys 1..keys (the last takes any remainder and every key above). */
  static even(shards: number, keys: number): RangeShardMap {
    const firsts: number[] = [];
    const owners: number[] = [];
    for (let s = 0; s < shards; s++) {
      firsts.push(1 + Math.floor((s * Math.max(keys, shards)) / shards));
      owners.push(s);
    }
    return new RangeShardMap(firsts, owners);
  }

  shardOf(key: number): number {
    const firsts = this.firstKeys;
    let lo = 0;
    let hi = firsts.length - 1;
    // The last range whose first key is <= key (the first range when none is).
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (firsts[mid] <= key) lo = mid;
      else hi = mid - 1;
    }
    return this.owners[lo];
  }

  /** This map with range `range` cut in half (`endKey`: the last key of the last range): the upper half goes to `newOwner` (a split of a hot range). */
  split(range: number, endKey: number, newOwner: number): RangeShardMap {
    const first = this.firstKeys[range];
    const end = range + 1 < this.firstKeys.length ? this.firstKeys[range + 1] - 1 : endKey;
    const middle = first + Math.ceil((end - first + 1) / 2);
    if (middle > end) throw new RangeError(`range ${range} (keys ${first}..${end}) is too small to split`);
    const firsts = [...this.firstKeys];
    const owners = [...this.owners];
    firsts.splice(range + 1, 0, middle);
    owners.splice(range + 1, 0, newOwner);
    return new RangeShardMap(firsts, owners);
  }

  /** This map without shard `owner`: each of its ranges joins the range before it (or after it, for the first). */
  without(owner: number): RangeShardMap {
    const firsts: number[] = [];
    const owners: number[] = [];
    for (let i = 0; i < this.firstKeys.length; i++) {
      if (this.owners[i] === owner) continue;
      if (owners.length > 0 && owners[owners.length - 1] === this.owners[i]) continue;
      firsts.push(owners.length === 0 ? this.firstKeys[0] : this.firstKeys[i]);
      owners.push(this.owners[i]);
    }
    if (owners.length === 0) throw new RangeError('cannot remove the only shard');
    return new RangeShardMap(firsts, owners);
  }
}
