import type { NodeContext, Process } from '../../engine/index.js';
import { isReplicaView, type ReplicaView } from '../measure/replica-sampler.js';

export type InspectedValue =
  number | string | boolean | null | readonly InspectedValue[] | { readonly [key: string]: InspectedValue };

/**
 * A model's own account of one node's state at this moment, for a person
 * debugging a design (replay's `--until`, the time-travel viewer): plain JSON
 * (finite numbers, no undefined), small (counts, lengths and positions, not
 * whole logs or queues), the same keys in the same order every time (null
 * where one does not apply, such as a follower's commit positions), units in
 * the names (`leaseUntilLocalUs`), times in simulated µs, nodes by name.
 */
export type InspectedState = { readonly [key: string]: InspectedValue };

/**
 * What every model's process is: an engine `Process` that can describe its
 * state. `inspect()` must be cheap (it may run after every event of a
 * window) and must change nothing: no timers, no messages, no random draws,
 * no state, so a run that inspects is the run that does not. Replicas of a
 * store also expose their values for the consistency measurements
 * (`ReplicaView`); protocol logic never calls any of these.
 */
export interface InspectableProcess<M = unknown> extends Process<M>, Partial<ReplicaView> {
  inspect(): InspectedState;
}

/** What `ModelDefinition.instantiate` builds per node: the engine's `ProcessFactory`, narrowed to inspectable processes. */
export type InspectableProcessFactory = (ctx: NodeContext<any>) => InspectableProcess<any>;

/** A store replica: inspectable, with the values a read served by it alone would return. */
export type InspectableReplica = InspectableProcess & ReplicaView;

export function isInspectable(process: unknown): process is InspectableProcess {
  return typeof (process as Partial<InspectableProcess> | null)?.inspect === 'function';
}

export function isReplica(process: unknown): process is InspectableReplica {
  return isInspectable(process) && isReplicaView(process);
}
