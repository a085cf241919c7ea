import type { InstanceContext } from '../kit/model-contract.js';
import type { KvStoreParams } from './kv-store-params.js';
import { shardPlan, type ShardPlan } from './shard-plan.js';

/**
 * How a caller of a kv-store (a cache, a CDN origin fetch, the URL shortener)
 * finds the shard that holds a key: it builds the store's own shard plan from
 * the store's parsed parameters (`ctx.paramsOf`), as a client library shares
 * its cluster's configuration, so caller and store agree with no messages.
 *
 * A reshard reaches callers as a config push at `reshard.at`: each caller
 * switches maps when its own clock (`localUs`) reaches it, the moment the
 * store's nodes switch on theirs. A caller whose clock is off sends some keys
 * to the previous owner for a while; the store forwards them, so a wrong
 * route costs a hop, never a wrong answer.
 */
export interface KvRouter {
  /** The store's node names; `nodeFor` returns an index into them. */
  readonly nodes: readonly string[];
  /** The index in `nodes` of the shard that holds `key` at `localUs` on the caller's clock. */
  nodeFor(key: number, localUs: number): number;
}

/** Whether a component's parsed parameters are a kv-store's (it has a shard map to follow). */
export function isKvStore(params: Readonly<Record<string, unknown>>): boolean {
  return typeof params.sharding === 'object' && params.sharding !== null && typeof params.keys === 'object';
}

export function kvRouter(ctx: InstanceContext, component: string): KvRouter {
  const params = ctx.paramsOf(component);
  if (!isKvStore(params))
    throw new RangeError(
      `${ctx.name}: ${component} is not a kv-store, so there is no shard map to route keys by; name a kv-store component`,
    );
  const nodes = ctx.nodesOf(component);
  return routerFor(shardPlan(params as unknown as KvStoreParams, nodes.length), nodes);
}

/** The router over a plan (exported for tests and for callers that built the plan themselves). */
export function routerFor(plan: ShardPlan, nodes: readonly string[]): KvRouter {
  const { before, after, atUs } = plan;
  if (after === null) return { nodes, nodeFor: (key) => before.shardOf(key) };
  return { nodes, nodeFor: (key, localUs) => (localUs >= atUs ? after : before).shardOf(key) };
}
