import { distribution, type DistributionSpec } from './distribution.js';
import { checkProbability } from './network.js';
import type { NodeId } from './ids.js';
import { bridge, isolate, majorityMinority, oneWay, ring, splitGroups, type Cut } from './partition.js';
import type { Simulation } from './simulation.js';
import { toTicks, type DurationUs, type TimeUs } from './time.js';

/** `*`, a node name, a group name, or a list of them. */
export type NodeSelector = string | readonly string[];

export type PartitionShape =
  | { type: 'groups'; groups: readonly NodeSelector[] }
  /** The first ⌊n/2⌋+1 selected nodes against the rest. */
  | { type: 'majority-minority'; nodes: NodeSelector }
  /** One node against `from` (default: every other node). */
  | { type: 'isolate'; node: string; from?: NodeSelector }
  | { type: 'bridge'; sideA: NodeSelector; bridge: string; sideB: NodeSelector }
  | { type: 'ring'; nodes: NodeSelector }
  /** Drops traffic from `from` to `to` only. */
  | { type: 'one-way'; from: NodeSelector; to: NodeSelector };

/**
 * One scripted fault. `forUs` on crash, pause, partition and degrade undoes the
 * fault after that long (restart, resume, heal, restore).
 */
export type FaultAction =
  | { kind: 'crash'; nodes: NodeSelector; forUs?: DurationUs }
  | { kind: 'restart'; nodes: NodeSelector }
  | { kind: 'pause'; nodes: NodeSelector; forUs?: DurationUs }
  | { kind: 'resume'; nodes: NodeSelector }
  | { kind: 'partition'; shape: PartitionShape; forUs?: DurationUs }
  | { kind: 'heal' }
  | { kind: 'clock-jump'; nodes: NodeSelector; deltaUs: DurationUs }
  | { kind: 'clock-drift'; nodes: NodeSelector; driftPpm: number }
  | {
      kind: 'degrade';
      /** Names the degradation so a later `restore-links` can lift just this one. */
      id?: string;
      from?: NodeSelector;
      to?: NodeSelector;
      latencyFactor?: number;
      extraLatencyUs?: DurationUs;
      lossProbability?: number;
      forUs?: DurationUs;
    }
  | { kind: 'restore-links'; id?: string };

export interface TimedFault {
  atUs: TimeUs;
  action: FaultAction;
}

/** Random fault processes; each draws only from its own streams, named after it. */
export type FaultProcessSpec =
  /** Each node independently fails after Exp(mtbf) of uptime and is repaired after Exp(mttr). */
  | {
      kind: 'crash-restart';
      name: string;
      nodes: NodeSelector;
      mtbfUs: DurationUs;
      mttrUs: DurationUs;
      startUs?: TimeUs;
      endUs?: TimeUs;
    }
  /** Kills a random running node at Poisson times; it restarts after `downUs`. */
  | {
      kind: 'random-kill';
      name: string;
      nodes: NodeSelector;
      meanIntervalUs: DurationUs;
      downUs: DistributionSpec;
      startUs?: TimeUs;
      endUs?: TimeUs;
    };

/**
 * Schedules a fault timeline, all or nothing: every entry is checked first
 * (selectors resolved, numbers in range), so a typo fails before the run.
 */
export function scheduleFaults(sim: Simulation, timeline: readonly TimedFault[]): void {
  for (const { atUs, action } of timeline) {
    checkAction(sim, action);
    if (!(atUs >= sim.nowUs))
      throw new RangeError(`${action.kind} at ${atUs}us: the clock already reads ${sim.nowUs}us`);
  }
  for (const { atUs, action } of timeline) sim.at(atUs, () => applyFault(sim, action));
}

export function applyFault(sim: Simulation, action: FaultAction): void {
  switch (action.kind) {
    case 'crash': {
      const nodes = sim.resolve(action.nodes);
      for (const id of nodes) sim.crash(id);
      if (action.forUs !== undefined)
        sim.at(sim.nowUs + toTicks(action.forUs), () => nodes.forEach((id) => sim.restart(id)));
      return;
    }
    case 'restart':
      for (const id of sim.resolve(action.nodes)) sim.restart(id);
      return;
    case 'pause': {
      const nodes = sim.resolve(action.nodes);
      for (const id of nodes) sim.pause(id);
      if (action.forUs !== undefined)
        sim.at(sim.nowUs + toTicks(action.forUs), () => nodes.forEach((id) => sim.resume(id)));
      return;
    }
    case 'resume':
      for (const id of sim.resolve(action.nodes)) sim.resume(id);
      return;
    case 'partition': {
      const cut = buildCut(sim, action.shape);
      sim.partition(cut, describeCut(sim, action.shape.type, cut));
      if (action.forUs !== undefined) {
        sim.at(sim.nowUs + toTicks(action.forUs), () => {
          if (sim.network.cut === cut) sim.heal();
        });
      }
      return;
    }
    case 'heal':
      sim.heal();
      return;
    case 'clock-jump':
      for (const id of sim.resolve(action.nodes)) sim.jumpClock(id, action.deltaUs);
      return;
    case 'clock-drift':
      for (const id of sim.resolve(action.nodes)) sim.setClockDrift(id, action.driftPpm);
      return;
    case 'degrade': {
      const from = action.from === undefined ? null : sim.resolve(action.from);
      const to = action.to === undefined ? null : sim.resolve(action.to);
      const id = action.id ?? `degrade#${sim.faultLog.length}`;
      sim.degradeLinks(
        {
          id,
          from: from && new Set(from),
          to: to && new Set(to),
          latencyFactor: action.latencyFactor ?? 1,
          extraLatencyUs: action.extraLatencyUs ?? 0,
          lossProbability: action.lossProbability ?? 0,
        },
        [...(from ?? []), ...(to ?? [])],
      );
      if (action.forUs !== undefined) sim.at(sim.nowUs + toTicks(action.forUs), () => sim.restoreLinks(id));
      return;
    }
    case 'restore-links':
      sim.restoreLinks(action.id);
      return;
  }
}

export function startFaultProcess(sim: Simulation, spec: FaultProcessSpec): void {
  const nodes = sim.resolve(spec.nodes);
  if (nodes.length === 0) throw new RangeError(`fault process "${spec.name}": selects no nodes`);
  const start = spec.startUs ?? sim.nowUs;
  const end = spec.endUs ?? Infinity;
  const path = `faults/${spec.name}`;
  if (spec.kind === 'crash-restart') {
    const mtbf = distribution({ type: 'exponential', mean: spec.mtbfUs });
    const mttr = distribution({ type: 'exponential', mean: spec.mttrUs });
    for (const id of nodes) {
      const rng = sim.stream(path, sim.nodeName(id));
      const fail = (): void => {
        if (sim.nowUs > end) return;
        sim.crash(id);
        sim.at(sim.nowUs + toTicks(mttr.sample(rng)), repair);
      };
      const repair = (): void => {
        sim.restart(id);
        sim.at(sim.nowUs + toTicks(mtbf.sample(rng)), fail);
      };
      sim.at(start + toTicks(mtbf.sample(rng)), fail);
    }
    return;
  }
  const interval = distribution({ type: 'exponential', mean: spec.meanIntervalUs });
  const down = distribution(spec.downUs);
  const rng = sim.stream(path, 'kill');
  const kill = (): void => {
    if (sim.nowUs > end) return;
    const running = nodes.filter((id) => sim.isUp(id));
    if (running.length > 0) {
      const victim = running[rng.int(running.length)];
      sim.crash(victim);
      sim.at(sim.nowUs + toTicks(down.sample(rng)), () => sim.restart(victim));
    }
    sim.at(sim.nowUs + toTicks(interval.sample(rng)), kill);
  };
  sim.at(start + toTicks(interval.sample(rng)), kill);
}

function buildCut(sim: Simulation, shape: PartitionShape): Cut {
  switch (shape.type) {
    case 'groups':
      return splitGroups(shape.groups.map((g) => sim.resolve(g)));
    case 'majority-minority':
      return majorityMinority(sim.resolve(shape.nodes));
    case 'isolate':
      return isolate(sim.nodeId(shape.node), sim.resolve(shape.from ?? '*'));
    case 'bridge':
      return bridge(sim.resolve(shape.sideA), sim.nodeId(shape.bridge), sim.resolve(shape.sideB));
    case 'ring':
      return ring(sim.resolve(shape.nodes));
    case 'one-way':
      return oneWay(sim.resolve(shape.from), sim.resolve(shape.to));
  }
}

function describeCut(sim: Simulation, type: string, cut: Cut): string {
  const names = (g: readonly NodeId[]) => g.map((id) => sim.nodeName(id)).join(',');
  return `${type}: ${cut.groups.map((g) => `{${names(g)}}`).join(type === 'one-way' ? ' -> ' : ' | ')}`;
}

/** Fails fast, before the run, on selectors that name nothing and on out-of-range numbers. */
function checkAction(sim: Simulation, action: FaultAction): void {
  switch (action.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'clock-jump':
    case 'clock-drift':
      sim.resolve(action.nodes);
      break;
    case 'partition':
      buildCut(sim, action.shape);
      break;
    case 'degrade':
      if (action.from !== undefined) sim.resolve(action.from);
      if (action.to !== undefined) sim.resolve(action.to);
      if (action.lossProbability !== undefined) checkProbability('lossProbability', action.lossProbability);
      if (action.latencyFactor !== undefined && !(action.latencyFactor >= 0)) {
        throw new RangeError(`degrade: latencyFactor must be >= 0, got ${action.latencyFactor}`);
      }
      break;
    default:
      break;
  }
  if ('forUs' in action && action.forUs !== undefined && !(action.forUs >= 0)) {
    throw new RangeError(`${action.kind}: forUs must be >= 0, got ${action.forUs}`);
  }
}
