import { EV_DELIVER, EV_TIMER } from '../engine/event-kinds.js';
import type { FaultRecord, Simulation } from '../engine/simulation.js';
import { messageType } from '../engine/trace.js';
import { isInspectable, type InspectedState } from '../models/kit/inspect-contract.js';
import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { groupNodeNames } from '../scenarios/harness/node-names.js';

/** One node of a stopped run, as a person debugging it wants to see it. */
export interface NodeState {
  name: string;
  /** The component or workload running on it, and that instance's model. */
  instance: string;
  type: string;
  status: 'up' | 'down' | 'paused';
  /** Its clock's reading minus true time (offsets, drift and jumps so far). */
  clockOffsetUs: number;
  /** What the model says of itself (its `inspect()`); null while the node is down. */
  state: InspectedState | null;
}

export interface MessageInFlight {
  from: string;
  to: string;
  type: string | null;
  sizeBytes: number;
  arrivalUs: number;
  /** Arrived at a paused node: handled when it resumes. */
  held: boolean;
  /** The receiver is down now: unless it restarts first, the message will be dropped on arrival. */
  receiverDown: boolean;
}

export interface PendingTimer {
  node: string;
  dueUs: number;
  tag: number;
  type: string | null;
  held: boolean;
}

/** A run stopped between two events. */
export interface RunState {
  timeUs: number;
  /** Events handled so far; the last one's index is one less. */
  events: number;
  /** The trace hash so far. */
  traceHash: string;
  nodes: NodeState[];
  messages: MessageInFlight[];
  timers: PendingTimer[];
  /** The fault log so far. */
  faults: FaultRecord[];
  /** The partition in force, as the fault log described it; null when the network is whole. */
  partition: string | null;
}

/** Which instance and model each node runs, by node name, from the scenario's groups. */
export function nodeInstances(built: BuiltScenario): Map<string, { instance: string; type: string }> {
  const { scenario } = built;
  const out = new Map<string, { instance: string; type: string }>();
  for (const [instance, spec] of [...Object.entries(scenario.components), ...Object.entries(scenario.workloads)]) {
    const { type, nodes: group } = spec as { type: string; nodes: string };
    for (const name of groupNodeNames(group, scenario.topology.nodes[group]?.count ?? 0))
      out.set(name, { instance, type });
  }
  return out;
}

/** One node's state now; `inspect()` is the model's own account (models without one show none). */
export function nodeState(
  sim: Simulation,
  id: number,
  instances: ReadonlyMap<string, { instance: string; type: string }>,
): NodeState {
  const name = sim.nodeName(id);
  const process = sim.process(id);
  const status = sim.isUp(id) ? 'up' : sim.isPaused(id) ? 'paused' : 'down';
  return {
    name,
    instance: instances.get(name)?.instance ?? '',
    type: instances.get(name)?.type ?? '',
    status,
    clockOffsetUs: sim.localTimeUs(id) - sim.nowUs,
    state: process === null ? null : isInspectable(process) ? process.inspect() : {},
  };
}

/** The state of a stopped run: every node (or those named), the messages in flight and the timers pending that concern them. */
export function runState(built: BuiltScenario, only?: ReadonlySet<string>): RunState {
  const { sim } = built;
  const instances = nodeInstances(built);
  const wanted = (name: string) => only === undefined || only.has(name);
  const nodes: NodeState[] = [];
  for (let id = 0; id < sim.nodeCount; id++) if (wanted(sim.nodeName(id))) nodes.push(nodeState(sim, id, instances));
  const messages: MessageInFlight[] = [];
  const timers: PendingTimer[] = [];
  for (const e of sim.pendingEvents()) {
    if (e.kind === EV_DELIVER) {
      const from = sim.nodeName(e.a);
      const to = sim.nodeName(e.target);
      if (!wanted(from) && !wanted(to)) continue;
      messages.push({
        from,
        to,
        type: messageType(e.ref) ?? null,
        sizeBytes: e.b,
        arrivalUs: e.timeUs,
        held: e.held,
        receiverDown: !sim.isUp(e.target) && !sim.isPaused(e.target),
      });
    } else if (e.kind === EV_TIMER && e.b === sim.incarnationOf(e.target)) {
      const node = sim.nodeName(e.target);
      if (!wanted(node)) continue;
      timers.push({ node, dueUs: e.timeUs, tag: e.a, type: messageType(e.ref) ?? null, held: e.held });
    }
  }
  const faults = sim.faultLog.filter((f) => only === undefined || f.nodes.length === 0 || f.nodes.some(wanted));
  let partition: string | null = null;
  for (const f of sim.faultLog) {
    if (f.kind === 'partition') partition = f.detail ?? 'partitioned';
    else if (f.kind === 'heal') partition = null;
  }
  return {
    timeUs: sim.nowUs,
    events: sim.events,
    traceHash: sim.traceHashNow(),
    nodes,
    messages,
    timers,
    faults: faults.map((f) => ({ ...f, nodes: [...f.nodes] })),
    partition: sim.network.cut === null ? null : partition,
  };
}
