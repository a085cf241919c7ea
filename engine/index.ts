/** faultline's public API: the kernel models are written against. */
export { Simulation } from './simulation.js';
export type {
  EventObserver,
  FaultRecord,
  MessageObserver,
  MessageStats,
  NodeSpec,
  PendingEvent,
  RunOptions,
  RunResult,
  SimulationOptions,
} from './simulation.js';
export { NodeContext } from './node-context.js';
export type { NodeId, Process, ProcessFactory, TimerHandle } from './node-context.js';
export * from './time.js';
export { RandomStream, deriveStream } from './random-stream.js';
export type { RandomStreamState } from './random-stream.js';
export { distribution, Zipf } from './distribution.js';
export type { Distribution, DistributionSpec, MixtureSpec } from './distribution.js';
export { Network, DEFAULT_CROSS_REGION_RTT, DEFAULT_SAME_REGION_RTT } from './network.js';
export type { Degradation, LinkSpec, NetworkConfig, RegionRtt } from './network.js';
export { Cut, bridge, isolate, majorityMinority, oneWay, ring, splitGroups } from './partition.js';
export { applyFault, scheduleFaults, startFaultProcess } from './faults.js';
export type { FaultAction, FaultProcessSpec, NodeSelector, PartitionShape, TimedFault } from './faults.js';
export { Clocks } from './clocks.js';
export { digestPayload } from './payload-digest.js';
export { JsonlTrace, LineTrace, RingTrace, TRACE_LINE_KINDS, describeEvent, messageType } from './trace.js';
export type { TraceEntry, TraceFilter, TraceLine, TraceLineKind, TraceOptions } from './trace.js';
export { DeterminismError, checkDeterminism } from './determinism.js';
export type { EventQueue, EventHandle, QueuedEvent } from './event-queue.js';
export { HeapEventQueue } from './heap-event-queue.js';
export { TypedEventQueue } from './typed-event-queue.js';
