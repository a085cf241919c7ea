import type { FaultRecord } from '../engine/simulation.js';
import { LineTrace, type TraceLine } from '../engine/trace.js';
import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import type { InspectedValue } from '../models/kit/inspect-contract.js';
import { nodeInstances, nodeState, runState, type NodeState } from './run-state.js';

/** Bumped whenever the recording's shape changes, so a page never reads one it does not understand. */
export const TIME_TRAVEL_FORMAT = 1;

/** Events recorded at most by default: a page of this many stays a few megabytes and quick to step through. */
export const DEFAULT_WINDOW_EVENTS = 5_000;

export interface WindowOptions {
  /** The window is [fromUs, toUs): events at fromUs or later and before toUs. */
  fromUs: number;
  toUs: number;
  /** Events recorded at most; the recording says where it stopped (default DEFAULT_WINDOW_EVENTS). */
  maxEvents?: number;
}

/** What an event changed in one node: only what differs from before it. */
export interface NodeChange {
  node: string;
  status?: NodeState['status'];
  clockOffsetUs?: number;
  /** The node has no process now (it is down), so no state. */
  cleared?: true;
  /** Fields of its state that are new or changed, with their values now (every field when it had no state before). */
  set?: { [field: string]: InspectedValue };
  /** Fields of its state that are gone. */
  removed?: string[];
}

/** A message sent in the window (a `send` trace line), with where it is in the recording. */
export type RecordedSend = TraceLine & {
  /** The step (index in `steps`) that sent it. */
  step: number;
  /** The step that delivered it (or found its receiver down), when that happened in the window. */
  deliveredAt?: number;
};

/** One event of the window and what it did. */
export interface RecordedStep {
  /** Its trace line: index, time, kind, node, sender, message type and size, dropped / held / ignored, hash. */
  event: TraceLine;
  /** For a delivery: the index in `sends` of the message's send, when it was sent in the window. */
  sendIndex?: number;
  /** The messages sent while it was handled: `sends[firstSend]` onwards, `sendCount` of them. */
  firstSend: number;
  sendCount: number;
  /** Faults it applied (`fault` trace lines). */
  faults: TraceLine[];
  /** Nodes whose status, clock or state it changed. */
  changes: NodeChange[];
}

/**
 * A window of a run, event by event: the state of every node at its start,
 * then each event with what it sent, the faults it applied and the node
 * state it changed. Plain JSON; the same scenario and window give the same
 * recording.
 */
export interface TimeTravelRecording {
  format: typeof TIME_TRAVEL_FORMAT;
  window: { fromUs: number; toUs: number; maxEvents: number };
  start: {
    /** The clock when the state was taken, after every event before the window: fromUs - 1 (0 for a window from 0). */
    timeUs: number;
    /** Events handled before the window: the index of its first event. */
    events: number;
    traceHash: string;
    nodes: NodeState[];
    /** The fault log before the window (crashes and partitions may still be in force). */
    faults: FaultRecord[];
    messagesInFlight: number;
    timersPending: number;
  };
  steps: RecordedStep[];
  sends: RecordedSend[];
  end: { timeUs: number; events: number; traceHash: string };
  /** Set when the window held more than `maxEvents` events: the first one left out. Null when it is all here. */
  cut: { index: number; timeUs: number } | null;
}

const EVENT_LINE_KINDS: ReadonlySet<string> = new Set(['start', 'deliver', 'timer', 'call']);

/**
 * Runs a freshly built scenario to the window's start, notes every node's
 * state, then records the window event by event. A node's state is taken
 * again after each event addressed to it, and every node's after an engine
 * call (faults and harness callbacks) or a fault: a model changes only in its
 * own handlers, so that sees every change. Consumes `built`: its simulation
 * is left where the recording stopped.
 */
export function recordWindow(built: BuiltScenario, options: WindowOptions): TimeTravelRecording {
  const { fromUs, toUs } = options;
  const maxEvents = options.maxEvents ?? DEFAULT_WINDOW_EVENTS;
  if (!Number.isInteger(fromUs) || fromUs < 0)
    throw new RangeError(`a window's start must be a time >= 0, got ${fromUs}us`);
  if (!Number.isInteger(toUs) || toUs <= fromUs)
    throw new RangeError(`a window's end must come after its start (${fromUs}us), got ${toUs}us`);
  if (!Number.isInteger(maxEvents) || maxEvents < 1)
    throw new RangeError(`a window's event limit must be a whole number >= 1, got ${maxEvents}`);
  const { sim } = built;
  if (sim.events > 0) throw new Error('recordWindow needs a freshly built scenario; this one has already run');

  // Times are whole microseconds, so this handles every event before the window and none in it.
  if (fromUs > 0) sim.run({ untilUs: fromUs - 1 });
  const before = runState(built);
  const instances = nodeInstances(built);
  const ids = new Map<string, number>();
  for (let id = 0; id < sim.nodeCount; id++) ids.set(sim.nodeName(id), id);
  const known = before.nodes.map(snapshot);

  const lines: TraceLine[] = [];
  const trace = new LineTrace(sim, (line) => lines.push(line), { filter: { fromUs, toUs } }).attach();
  const steps: RecordedStep[] = [];
  const sends: RecordedSend[] = [];
  // Sends awaiting their delivery, by sender, receiver and arrival time; several alike arrive in send order.
  const inFlight = new Map<string, number[]>();
  let cut: TimeTravelRecording['cut'] = null;
  let endHash = before.traceHash;
  try {
    for (;;) {
      lines.length = 0;
      // Past the limit one more event is run, only to learn whether the window held more.
      if (steps.length === maxEvents) endHash = sim.traceHashNow();
      const handled = sim.events;
      sim.advance({ untilUs: toUs - 1, maxEvents: 1 });
      if (sim.events === handled) break;
      const [event, ...rest] = lines;
      if (event === undefined || !EVENT_LINE_KINDS.has(event.kind))
        throw new Error(`the trace of event ${handled} did not start with the event's own line`);
      if (steps.length === maxEvents) {
        cut = { index: event.index, timeUs: event.timeUs };
        break;
      }
      const stepIndex = steps.length;
      const step: RecordedStep = { event, firstSend: sends.length, sendCount: 0, faults: [], changes: [] };
      if (event.kind === 'deliver') {
        const queue = inFlight.get(`${event.from}>${event.node}@${event.timeUs}`);
        const sendIndex = queue?.shift();
        if (sendIndex !== undefined) {
          step.sendIndex = sendIndex;
          sends[sendIndex].deliveredAt = stepIndex;
        }
      }
      for (const line of rest) {
        if (line.kind === 'send') {
          if (line.arrivalUs !== undefined) {
            const key = `${line.node}>${line.to}@${line.arrivalUs}`;
            const queue = inFlight.get(key);
            if (queue === undefined) inFlight.set(key, [sends.length]);
            else queue.push(sends.length);
          }
          sends.push({ ...line, step: stepIndex });
          step.sendCount++;
        } else if (line.kind === 'fault') step.faults.push(line);
      }
      const touched =
        event.kind === 'call' || step.faults.length > 0 || event.node === undefined
          ? known.map((_, id) => id)
          : [ids.get(event.node)!];
      for (const id of touched) {
        const now = snapshot(nodeState(sim, id, instances));
        const change = difference(known[id], now);
        if (change !== null) {
          step.changes.push(change);
          known[id] = now;
        }
      }
      steps.push(step);
    }
  } finally {
    trace.detach();
  }
  if (cut === null) endHash = sim.traceHashNow();
  const last = steps[steps.length - 1]?.event;
  return {
    format: TIME_TRAVEL_FORMAT,
    window: { fromUs, toUs, maxEvents },
    start: {
      timeUs: before.timeUs,
      events: before.events,
      traceHash: before.traceHash,
      nodes: before.nodes,
      faults: before.faults,
      messagesInFlight: before.messages.length,
      timersPending: before.timers.length,
    },
    steps,
    sends,
    end:
      last === undefined
        ? { timeUs: before.timeUs, events: before.events, traceHash: endHash }
        : { timeUs: last.timeUs, events: last.index + 1, traceHash: endHash },
    cut,
  };
}

/** A node's state with each field serialized once, so comparing two is cheap. */
interface Snapshot {
  node: NodeState;
  fields: Map<string, string> | null;
}

function snapshot(node: NodeState): Snapshot {
  const fields =
    node.state === null ? null : new Map(Object.entries(node.state).map(([k, v]) => [k, JSON.stringify(v)]));
  return { node, fields };
}

function difference(was: Snapshot, now: Snapshot): NodeChange | null {
  const change: NodeChange = { node: now.node.name };
  let changed = false;
  if (was.node.status !== now.node.status) {
    change.status = now.node.status;
    changed = true;
  }
  if (was.node.clockOffsetUs !== now.node.clockOffsetUs) {
    change.clockOffsetUs = now.node.clockOffsetUs;
    changed = true;
  }
  if (now.fields === null) {
    if (was.fields !== null) {
      change.cleared = true;
      changed = true;
    }
    return changed ? change : null;
  }
  const set: { [field: string]: InspectedValue } = {};
  let anySet = was.fields === null;
  for (const [field, json] of now.fields) {
    if (was.fields?.get(field) === json) continue;
    set[field] = now.node.state![field];
    anySet = true;
  }
  const removed = was.fields === null ? [] : [...was.fields.keys()].filter((field) => !now.fields!.has(field));
  if (anySet) change.set = set;
  if (removed.length > 0) change.removed = removed;
  return changed || anySet || removed.length > 0 ? change : null;
}

/** The nodes' states after `position` events of the window (0: at its start), rebuilt from the recorded changes. */
export function statesAt(recording: TimeTravelRecording, position: number): NodeState[] {
  const nodes = recording.start.nodes.map((n) => ({ ...n, state: n.state === null ? null : { ...n.state } }));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const step of recording.steps.slice(0, position)) {
    for (const change of step.changes) {
      const node = byName.get(change.node)!;
      if (change.status !== undefined) node.status = change.status;
      if (change.clockOffsetUs !== undefined) node.clockOffsetUs = change.clockOffsetUs;
      if (change.cleared) node.state = null;
      if (change.set !== undefined || change.removed !== undefined) {
        const state: { [field: string]: InspectedValue } = { ...(node.state ?? {}), ...change.set };
        for (const field of change.removed ?? []) delete state[field];
        node.state = state;
      }
    }
  }
  return nodes;
}
