import { modelDefinition } from '../models/kit/registry.js';

/**
 * What every closed form beside the simulation (queueing, caches, CDN tiers)
 * asks of a run's scenario before it applies: its input must be the
 * workloads' Poisson streams and nothing else.
 */

/** A component or workload as the scenario gives it. */
export type Instance = { type: string; nodes: string } & Record<string, unknown>;

/**
 * Whether a workload sends a homogeneous Poisson stream of first attempts:
 * open-loop `poisson` at a constant rate, with no stop time, and no retries
 * or hedges (they add attempts correlated with the first). DNS is the
 * caller's to judge: with it the target is a name, not a component.
 */
export function sendsPoissonAttempts(workload: Instance): boolean {
  const shape = workload.shape as { type: string } | undefined;
  return (
    workload.type === 'poisson' &&
    workload.stopAt === undefined &&
    workload.retry === undefined &&
    workload.hedge === undefined &&
    (shape === undefined || shape.type === 'constant')
  );
}

/**
 * Whether a component names, in its parameters, a component `isTarget`
 * accepts, leaving out the components `skip` accepts: a balancer, a cache or
 * a CDN tier in front of the target sends it requests beside the workloads',
 * an autoscaler changes its nodes.
 */
export function namedByComponents(
  components: Record<string, unknown>,
  isTarget: (name: string) => boolean,
  skip: (name: string, type: string) => boolean = () => false,
): boolean {
  return Object.entries(components).some(([name, raw]) => {
    const { type, nodes: _nodes, ...params } = raw as Instance;
    if (skip(name, type)) return false;
    return (
      modelDefinition(type)
        ?.references?.(params)
        .some((ref) => isTarget(ref.component)) ?? false
    );
  });
}
