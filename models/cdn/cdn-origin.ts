import type { DistributionSpec } from '../../engine/index.js';
import type { InstanceContext } from '../kit/model-contract.js';
import { ObjectSizes } from '../caches/object-sizes.js';
import { kvRouter, type KvRouter } from '../sharding/key-router.js';

/**
 * What a CDN tier needs to know about the origin (a kv-store) behind its
 * chain of tiers: its name, each key's object size (stable per key, as the
 * origin stores it, so no message is needed to know it), and, for the tier
 * in front of it, which origin node holds a key (key-router.ts: as the
 * store's sharding places it).
 */
export interface CdnOrigin {
  readonly component: string;
  readonly sizes: ObjectSizes;
  readonly router: KvRouter;
}

/** Whether a component's parameters are a CDN tier's (its `tier` and `parent` say so; a kv-store has neither). */
export function isCdnTierParams(params: Readonly<Record<string, unknown>>): boolean {
  return typeof params.tier === 'string' && typeof params.parent === 'string';
}

/** Follows `parent` from tier to tier down to the origin. */
export function cdnOriginOf(ctx: InstanceContext, parent: string): CdnOrigin {
  let component = parent;
  for (let hops = 0; hops < 16; hops++) {
    const params = ctx.paramsOf(component);
    if (!isCdnTierParams(params))
      return {
        component,
        sizes: new ObjectSizes(params.objectSizes as DistributionSpec),
        router: kvRouter(ctx, component),
      };
    component = params.parent as string;
  }
  throw new RangeError(`cdn-tier ${ctx.name}: the chain of parents from ${parent} does not reach an origin (a cycle?)`);
}
