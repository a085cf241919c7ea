import type { InstanceContext } from '../kit/model-contract.js';
import type { SocialGraph } from '../parts/social-graph.js';
import { loadSocialGraph } from './edge-list-file.js';
import { generateSocialGraph } from './social-graph-generator.js';
import type { SocialGraphParams } from './social-graph-params.js';

/**
 * The social graph of a feed component, built once per run: the service and
 * every workload aimed at it ask with the service's name and get the same
 * arrays. It is built only from the component's graph parameters and the
 * run's stream (component, 'social-graph'), so it does not matter who asks
 * first, and variants that share the seed and the graph parameters share the
 * graph and the users' rates (common random numbers).
 */
export function socialGraphOf(ctx: InstanceContext, component: string, params: SocialGraphParams): SocialGraph {
  return ctx.shared(`social-graph:${component}`, () => {
    const rng = ctx.stream(component, 'social-graph');
    return params.file === undefined ? generateSocialGraph(params, rng) : loadSocialGraph(params.file, params, rng);
  });
}
