import type { Simulation } from '../../engine/index.js';
import type { InstanceContext } from '../../models/kit/model-contract.js';

/** What an instance is told about its scenario; the rest of its context comes from the simulation it runs on. */
export type InstanceWiring = Omit<InstanceContext, 'nodeId' | 'regionOf' | 'rttUs' | 'onCrash' | 'control' | 'stream'>;

/** The context a model instance is built with: the scenario's wiring, plus the few things it may ask of the simulation. */
export function instanceContext(sim: Simulation, wiring: InstanceWiring): InstanceContext {
  return {
    ...wiring,
    nodeId: (name) => sim.lookup(name),
    regionOf: (name) => sim.context(sim.nodeId(name)).region,
    rttUs: (a, b) => sim.network.meanRttUs(sim.regionOf(a), sim.regionOf(b)),
    onCrash: (listener) => sim.onCrash((node) => listener(node, sim.nowUs)),
    stream: (componentPath, purpose) => sim.stream(componentPath, purpose),
    control: {
      isUp: (node) => sim.isUp(node),
      start: (node, reason) => sim.restart(node, reason),
      stop: (node, reason) => sim.crash(node, reason),
    },
  };
}
