import type { KvStoreParams } from './kv-store-params.js';
import { ModuloShardMap, RangeShardMap, RingShardMap, type ShardMap } from './shard-map.js';

/**
 * A kv-store's shard maps over a run: the map it starts with and, with a
 * reshard, the map that replaces it at `atUs` (on each node's clock: every
 * node and every caller switches when its own clock reaches it, as a config
 * push that reaches everyone at once would make them). Adding a shard uses
 * the group's last node, idle until then; removing one drops the last active
 * node. Callers and nodes build the same plan from the same parameters.
 */
export interface ShardPlan {
  readonly before: ShardMap;
  /** The map from `atUs` on; null without a reshard. */
  readonly after: ShardMap | null;
  readonly atUs: number;
  /** Nodes in the group (shards plus the idle one, with an add). */
  readonly nodes: number;
}

export function shardPlan(params: Pick<KvStoreParams, 'sharding' | 'keys' | 'reshard'>, nodes: number): ShardPlan {
  const { sharding, keys, reshard } = params;
  const shardsBefore = reshard?.action === 'add' ? nodes - 1 : nodes;
  const shardsAfter = reshard === undefined ? shardsBefore : reshard.action === 'add' ? nodes : nodes - 1;
  if (shardsBefore < 1 || shardsAfter < 1)
    throw new RangeError(`a kv-store ${reshard?.action ?? ''} reshard needs at least 2 nodes, got ${nodes}`);
  const weights = sharding.weights ?? Array.from({ length: nodes }, () => 1);
  const build = (shards: number): ShardMap => {
    if (sharding.scheme === 'modulo') return new ModuloShardMap(shards);
    return new RingShardMap(shards, sharding.virtualNodes, weights);
  };
  let before: ShardMap;
  let after: ShardMap | null = null;
  if (sharding.scheme === 'range') {
    const ranged =
      sharding.ranges === undefined
        ? RangeShardMap.even(shardsBefore, keys.count)
        : new RangeShardMap(
            [1, ...sharding.ranges],
            Array.from({ length: shardsBefore }, (_, s) => s),
          );
    before = ranged;
    if (reshard !== undefined)
      after =
        reshard.action === 'add'
          ? ranged.split(
              reshard.splitRange,
              Math.max(keys.count, ranged.firstKeys[ranged.firstKeys.length - 1]),
              nodes - 1,
            )
          : ranged.without(nodes - 1);
  } else {
    before = build(shardsBefore);
    if (reshard !== undefined) after = build(shardsAfter);
  }
  return { before, after, atUs: reshard?.at ?? Infinity, nodes };
}

/** Problems with the sharding parameters for a group of `nodes` nodes, with their paths. */
export function shardingProblems(
  params: Pick<KvStoreParams, 'sharding' | 'keys' | 'reshard'>,
  nodes: number,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const { sharding, reshard } = params;
  if (reshard !== undefined && nodes < 2)
    problems.push({ path: ['reshard'], message: `a reshard needs at least 2 nodes in the group, it has ${nodes}` });
  if (sharding.weights !== undefined && sharding.scheme !== 'ring')
    problems.push({ path: ['sharding', 'weights'], message: 'weights apply to scheme: ring only' });
  else if (sharding.weights !== undefined && sharding.weights.length !== nodes)
    problems.push({
      path: ['sharding', 'weights'],
      message: `one weight per node: the group has ${nodes} nodes, ${sharding.weights.length} weights given`,
    });
  const shardsBefore = reshard?.action === 'add' ? nodes - 1 : nodes;
  if (sharding.ranges !== undefined) {
    if (sharding.scheme !== 'range')
      problems.push({ path: ['sharding', 'ranges'], message: 'ranges apply to scheme: range only' });
    else if (sharding.ranges.length !== shardsBefore - 1)
      problems.push({
        path: ['sharding', 'ranges'],
        message: `the first key of every shard after the first: ${shardsBefore - 1} values for ${shardsBefore} shards, ${sharding.ranges.length} given`,
      });
    else
      sharding.ranges.forEach((first, i) => {
        if (first <= (i === 0 ? 1 : sharding.ranges![i - 1]))
          problems.push({ path: ['sharding', 'ranges', i], message: 'first keys must increase, starting above 1' });
      });
  }
  if (reshard?.action === 'add' && sharding.scheme === 'range' && reshard.splitRange >= shardsBefore)
    problems.push({
      path: ['reshard', 'splitRange'],
      message: `there are ${shardsBefore} ranges before the reshard (0..${shardsBefore - 1})`,
    });
  if (problems.length === 0 && nodes >= 1) {
    try {
      shardPlan(params, nodes);
    } catch (error) {
      problems.push({ path: ['sharding'], message: (error as Error).message });
    }
  }
  return problems;
}
