import type { BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import type { RunResult } from '../../engine/simulation.js';
import type { ReplicaSampler } from '../../models/measure/replica-sampler.js';
import type {
  ConflictReport,
  ConsistencyReport,
  HistoryOperation,
  LinearizabilityVerdict,
  RunMetrics,
  StalenessReport,
} from '../report-types.js';
import { convergedSample, divergence, finalHoldings, type ReplicaSamples } from './convergence.js';
import { pairOperations, type HistoryEvent, type Operation } from './history.js';
import { checkLinearizability } from './linearizability.js';
import { isReplica } from '../../models/kit/inspect-contract.js';
import { counterTotals, finalStateFromReads, lostRegisterWrites, setLosses, type FinalState } from './lost-writes.js';
import { messageDiagram } from './message-lanes.js';
import {
  availabilityBySide,
  availabilityOverTime,
  partitionSides,
  windowIndex,
  type PartitionCut,
} from './partition-availability.js';
import { registerSpec } from './sequential-specs.js';
import { monotonicReads, monotonicWrites, readYourWrites, type ReplicaKeyHistory } from './session-guarantees.js';
import { findStaleReads } from './staleness.js';
import { StoreHistory, type StoreOperation } from './store-operations.js';

/**
 * Search steps the linearizability check may take per run: a linearizable
 * history of tens of thousands of operations needs far fewer, and a hard
 * one would otherwise hold the report up for minutes (the search is
 * exponential in the worst case). Past it the verdict is unknown.
 */
export const LINEARIZABILITY_MAX_STEPS = 5_000_000;

/** Every write value the live store replicas' logs hold at the end; undefined unless every live replica keeps a log. */
function retainedWrites(built: BuiltScenario): Set<number> | undefined {
  const all = new Set<number>();
  let replicas = 0;
  for (const component of built.components) {
    for (const id of component.nodeIds) {
      const process = built.sim.process(id);
      if (!isReplica(process)) continue;
      if (process.retainedWrites === undefined) return undefined;
      replicas++;
      for (const value of process.retainedWrites()) all.add(value);
    }
  }
  return replicas === 0 ? undefined : all;
}

/** The consistency section of one run's report; undefined when the run recorded no store operation. */
export function consistencyReport(
  built: BuiltScenario,
  result: RunResult,
  metrics: RunMetrics,
): ConsistencyReport | undefined {
  const { history, sim } = built;
  if (history.events.length === 0) return undefined;
  const endUs = result.simulatedUs;
  const observation = history.observation;
  observation?.replicas.finish(endUs);
  observation?.messages.finish(endUs);

  const store = new StoreHistory(history.events);
  const ops = store.operations;
  const windows = metrics.timeline;
  const clientOf = (op: StoreOperation) => sim.nodeName(history.clientOf(op.process));
  const clients = [...new Set(ops.map((op) => history.clientOf(op.process)))]
    .sort((a, b) => a - b)
    .map((id) => sim.nodeName(id));

  const componentOf = new Map<number, string>();
  for (const c of built.components) for (const id of c.nodeIds) componentOf.set(id, c.metrics.name);
  const samples =
    observation === null
      ? null
      : replicaSamples(
          observation.replicas,
          (id) => sim.nodeName(id),
          (id) => componentOf.get(id) ?? '',
        );
  const inspectable = samples !== null && samples.replicas.length > 0;
  const retained = inspectable ? retainedWrites(built) : undefined;
  const final: FinalState = inspectable
    ? retained === undefined
      ? { source: 'replicas', values: finalHoldings(samples) }
      : { source: 'replica-logs', values: finalHoldings(samples), retainedWrites: retained }
    : finalStateFromReads(store);

  const { reads, stale } = findStaleReads(store);
  const div = inspectable ? divergence(samples) : null;
  const cuts: PartitionCut[] = (observation?.replicas.partitions ?? []).map((p) => ({
    startUs: p.startUs,
    endUs: p.endUs ?? endUs,
    groups: p.groups.map((g) => g.map((id) => sim.nodeName(id))),
  }));
  const replicaNames = new Set(samples?.replicas.map((r) => r.name) ?? []);

  const keys = { registers: 0, counters: 0, sets: 0, mixed: 0 };
  for (const kind of store.kinds.values())
    keys[kind === 'register' ? 'registers' : kind === 'counter' ? 'counters' : kind === 'set' ? 'sets' : 'mixed']++;
  const byOperation: Record<string, number> = {};
  for (const op of ops) byOperation[op.f] = (byOperation[op.f] ?? 0) + 1;

  const staleByWindow = windows.map(() => ({ reads: 0, stale: 0, behindUs: 0 }));
  for (const read of reads) {
    const w = windowIndex(windows, read.completeUs!);
    if (w >= 0) staleByWindow[w].reads++;
  }
  for (const s of stale) {
    const w = windowIndex(windows, s.read.completeUs!);
    if (w < 0) continue;
    staleByWindow[w].stale++;
    staleByWindow[w].behindUs += s.timeBehindUs;
  }
  const divergentByWindow = windows.map(() => 0);
  if (div !== null) {
    samples!.sampleTimesUs.forEach((t, i) => {
      const w = windowIndex(windows, t);
      if (w >= 0) divergentByWindow[w] = Math.max(divergentByWindow[w], div.divergent[i]);
    });
  }

  const lastWriteUs = ops.reduce<number | null>(
    (last, op) => (op.f === 'read' || op.outcome === 'fail' ? last : Math.max(last ?? 0, op.completeUs ?? op.invokeUs)),
    null,
  );
  const converged = div === null ? null : convergedSample(samples!, div.divergent, lastWriteUs ?? 0);
  const convergedUs = converged === null ? null : samples!.sampleTimesUs[converged];

  return {
    ...(history.truncation === null ? {} : { truncated: { ...history.truncation } }),
    operations: {
      invoked: ops.length,
      ok: ops.filter((op) => op.outcome === 'ok').length,
      failed: ops.filter((op) => op.outcome === 'fail').length,
      unknown: ops.filter((op) => op.outcome === 'info' || op.outcome === 'open').length,
      byOperation,
    },
    keys,
    linearizability: linearizability(history.events, store),
    staleness: stalenessReport(reads.length, stale),
    sessions: {
      sessions: new Set(ops.map((op) => op.session)).size,
      readYourWrites: readYourWrites(store),
      monotonicReads: monotonicReads(store),
      monotonicWrites: inspectable
        ? monotonicWrites(store, registerHistories(samples, new Set(store.keysOf('register'))))
        : null,
    },
    lostWrites: lostRegisterWrites(store, final),
    counters: counterTotals(store, final),
    sets: setLosses(store, final),
    convergence:
      div === null
        ? null
        : {
            replicas: samples!.replicas.map((r) => r.name),
            samples: samples!.sampleTimesUs.length,
            sampleEveryUs: observation!.replicas.everyUs,
            divergenceAtHeal: (observation?.replicas.partitions ?? [])
              .filter((p) => p.healSample !== null)
              .map((p) => ({
                timeUs: p.endUs!,
                divergentKeys: div.divergent[p.healSample!],
                keys: div.held[p.healSample!],
              })),
            lastWriteUs,
            convergedUs,
            convergenceTimeUs:
              convergedUs === null || lastWriteUs === null ? null : Math.max(0, convergedUs - lastWriteUs),
            divergentKeysAtEnd: div.divergent[div.divergent.length - 1] ?? 0,
          },
    conflicts: conflicts(store, reads, metrics),
    partitions: availabilityBySide(cuts, replicaNames, clients, ops, clientOf),
    timeline: {
      reads: staleByWindow.map((w) => w.reads),
      staleReads: staleByWindow.map((w) => w.stale),
      staleReadRate: staleByWindow.map((w) => (w.reads === 0 ? null : round(w.stale / w.reads))),
      meanStalenessUs: staleByWindow.map((w) => (w.stale === 0 ? null : Math.round(w.behindUs / w.stale))),
      divergentKeys: div === null ? [] : divergentByWindow,
      sides:
        cuts.length === 0
          ? []
          : availabilityOverTime(partitionSides(cuts[0], replicaNames, clients), windows, ops, clientOf),
    },
    messageDiagram:
      observation === null ? null : messageDiagram(observation.messages, (id) => sim.nodeName(id), result.faults),
  };
}

function replicaSamples(
  sampler: ReplicaSampler,
  nodeName: (id: number) => string,
  component: (id: number) => string,
): ReplicaSamples {
  return {
    sampleTimesUs: sampler.sampleTimesUs,
    replicas: [...sampler.replicas.values()].map((t) => ({
      name: nodeName(t.node),
      component: component(t.node),
      upDown: t.upDown,
      keys: t.keys,
    })),
  };
}

function* registerHistories(samples: ReplicaSamples, registers: ReadonlySet<number>): Iterable<ReplicaKeyHistory> {
  for (const r of samples.replicas)
    for (const [key, { values }] of r.keys) if (registers.has(key)) yield { key, values };
}

/** Linearizability of the register operations, per key, within the step budget; null when there are none. */
function linearizability(events: readonly HistoryEvent[], store: StoreHistory): LinearizabilityVerdict | null {
  const registers = new Set(store.keysOf('register').map(String));
  const registerEvents = events.filter((e) => e.key !== undefined && registers.has(e.key));
  if (registerEvents.length === 0) return null;
  const operations = pairOperations(registerEvents, registerSpec.isReadOnly);
  const result = checkLinearizability(operations, registerSpec, { maxSteps: LINEARIZABILITY_MAX_STEPS });
  const c = result.counterexample;
  return {
    linearizable: result.linearizable,
    ...(result.unknown === undefined ? {} : { unknown: result.unknown }),
    operations: result.operations,
    keys: result.partitions,
    statesExplored: result.statesExplored,
    steps: result.steps,
    ...(c === undefined
      ? {}
      : {
          counterexample: {
            key: c.key ?? '',
            explanation: explain(c.state, c.stuck, c.open.length + c.openOmitted),
            state: c.state,
            lastOrdered: c.lastOrdered.map(describe),
            stuck: describe(c.stuck),
            open: c.open.map(describe),
            openOmitted: c.openOmitted,
          },
        }),
  };
}

function describe(op: Operation): HistoryOperation {
  return {
    process: op.process,
    f: op.f,
    key: op.key ?? '',
    value: op.input,
    result: op.unknown ? 'unknown' : op.output,
    invokedUs: op.callTime,
    completedUs: op.unknown ? null : op.returnTime,
  };
}

function explain(state: unknown, stuck: Operation, open: number): string {
  const others = open - 1;
  return (
    `In the longest order found, key ${stuck.key} holds ${JSON.stringify(state)}; ${stuck.f} by process ${stuck.process} returned ` +
    `${JSON.stringify(stuck.output)}, and ${
      others === 0
        ? 'no other operation was open, so none could be ordered before it to make that possible.'
        : `none of the ${others} other open operation${others === 1 ? '' : 's'} could be ordered before it to make that possible.`
    }`
  );
}

function stalenessReport(reads: number, stale: ReturnType<typeof findStaleReads>['stale']): StalenessReport | null {
  if (reads === 0) return null;
  const versions = stale.map((s) => s.versionsBehind);
  const times = stale.map((s) => s.timeBehindUs).sort((a, b) => a - b);
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const quantile = (q: number) =>
    times.length === 0 ? 0 : times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
  return {
    reads,
    staleReads: stale.length,
    staleReadRate: round(stale.length / reads),
    versionsBehind: { mean: round(mean(versions), 3), max: versions.reduce((a, b) => Math.max(a, b), 0) },
    timeBehindUs: {
      mean: Math.round(mean(times)),
      p50: quantile(0.5),
      p99: quantile(0.99),
      max: times[times.length - 1] ?? 0,
    },
  };
}

function conflicts(store: StoreHistory, reads: readonly StoreOperation[], metrics: RunMetrics): ConflictReport {
  const counted = metrics.components.filter((c) => c.details?.conflicts !== undefined);
  const reported = counted.length === 0 ? null : counted.reduce((sum, c) => sum + c.details!.conflicts, 0);
  const writes = store.operations.filter((op) => op.f !== 'read' && op.outcome === 'ok').length;
  const withSiblings = reads.filter((op) => Array.isArray(op.output) && op.output.length > 1).length;
  return {
    reported,
    perAcknowledgedWrite: reported === null || writes === 0 ? null : round(reported / writes),
    readsWithSiblings: withSiblings,
    siblingReadRate: reads.length === 0 ? null : round(withSiblings / reads.length),
  };
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));
