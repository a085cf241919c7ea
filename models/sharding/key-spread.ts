import type { ShardMap } from './shard-map.js';

/**
 * How a key space spreads over shards, and what a change of shard map moves:
 * computed over keys 1..count, each counted once (uniform keys, the share of
 * the key space each shard holds, not its load).
 */

/** Keys of 1..count per node under `map` (`nodes` slots; a node that is not a shard holds 0). */
export function keysPerShard(map: ShardMap, nodes: number, count: number): number[] {
  const perShard = new Array<number>(nodes).fill(0);
  for (let key = 1; key <= count; key++) perShard[map.shardOf(key)]++;
  return perShard;
}

/** Keys of 1..count whose shard differs between the two maps. */
export function movedKeys(before: ShardMap, after: ShardMap, count: number): number {
  let moved = 0;
  for (let key = 1; key <= count; key++) if (before.shardOf(key) !== after.shardOf(key)) moved++;
  return moved;
}

/** Coefficient of variation (population standard deviation over mean) of the values at `shards` (the nodes that are shards). */
export function coefficientOfVariation(values: readonly number[], shards: readonly number[]): number {
  let sum = 0;
  for (const s of shards) sum += values[s];
  const mean = sum / shards.length;
  if (mean === 0) return 0;
  let squares = 0;
  for (const s of shards) squares += (values[s] - mean) ** 2;
  return Math.sqrt(squares / shards.length) / mean;
}

/**
 * The expected coefficient of variation of the shards' shares of a ring with
 * `shards` members of `virtualNodes` points each: √((n−1)/(n·V+1)).
 *
 * Where it comes from: n·V points thrown independently and uniformly on the
 * circle cut it into n·V arcs whose lengths are Dirichlet(1, …, 1); a shard
 * owns V of them, so its share is Beta(V, (n−1)·V), with mean 1/n and
 * variance (n−1)/(n²·(n·V+1)); the standard deviation over the mean gives the
 * formula. It holds when the ring's points behave as independent uniform
 * draws (a good hash), every weight is 1, and the shares are measured over
 * many more keys than points (count ≫ n·V; otherwise the keys' own sampling
 * noise, about (n−1)/count in CV², adds to it). It is an expectation over
 * rings: one ring's CV scatters around it (its square by about √(2/(n−1))
 * relative), so compare averages over several rings.
 */
export function expectedRingCv(shards: number, virtualNodes: number): number {
  return Math.sqrt((shards - 1) / (shards * virtualNodes + 1));
}
