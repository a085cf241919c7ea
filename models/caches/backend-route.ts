import type { InstanceContext } from '../kit/model-contract.js';
import { ConsistentHashRing } from '../parts/consistent-hash-ring.js';
import { isKvStore, kvRouter } from '../sharding/key-router.js';

/**
 * Where a cache sends the backend request for a key: one of the backend's
 * node names, by index. A kv-store is asked where its sharding places the key
 * (as its client library would); another cache's nodes are picked by a
 * consistent-hash ring of 100 points per node, as a `load-balancer` with
 * `policy: consistent-hash` in front of them would.
 */
export interface BackendRoute {
  readonly nodes: readonly string[];
  /** The index in `nodes` of the node that holds `key`, at `localUs` on the caller's clock (a reshard moves keys). */
  nodeFor(key: number, localUs: number): number;
}

const CACHE_RING_POINTS = 100;
const ALWAYS_UP = (): boolean => true;

export function backendRoute(ctx: InstanceContext, backend: string): BackendRoute {
  if (isKvStore(ctx.paramsOf(backend))) return kvRouter(ctx, backend);
  const nodes = ctx.nodesOf(backend);
  if (nodes.length === 1) return { nodes, nodeFor: () => 0 };
  const ring = new ConsistentHashRing(
    nodes.map(() => 1),
    CACHE_RING_POINTS,
  );
  return { nodes, nodeFor: (key) => ring.lookup(key, ALWAYS_UP) };
}

/**
 * The database at the bottom of a chain of caches: follows `backend` from
 * component to component until one has none (a kv-store), so every cache in
 * the chain judges staleness against the same truth.
 */
export function databaseBehind(ctx: InstanceContext, backend: string): string {
  let component = backend;
  for (let hops = 0; hops < 16; hops++) {
    const next = ctx.paramsOf(component).backend;
    if (typeof next !== 'string') return component;
    component = next;
  }
  throw new RangeError(
    `cache ${ctx.name}: the chain of backends from ${backend} does not end in a database (a cycle?)`,
  );
}
