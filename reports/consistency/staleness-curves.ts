import type { RunResult } from '../../engine/simulation.js';
import type { CurvePoint, ProbeTally } from '../../models/measure/staleness-probes.js';
import type { QuorumStoreSettings } from '../../models/replication/quorum-store.js';
import type { StalenessProbeSettings } from '../../models/replication/staleness-probe.js';
import type { ConsistencyLevel } from '../../models/replication/store-messages.js';
import type { BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import { formatDurationUnit } from '../../models/kit/units.js';
import { formatDurationUs } from '../format.js';
import type {
  KStaleness,
  StalenessCurvesReport,
  VisibilityCurve,
  VisibilityPoint,
  WarsPrediction,
} from '../report-types.js';
import { kStalenessProbability, warsCurve, type WarsLatencies, type WarsQuestion } from './wars-model.js';

/** Monte Carlo trials of the WARS model per run: its standard error stays under 0.0016 at any t. */
export const WARS_TRIALS = 100_000;

/** The normal quantile of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The 95% Wilson score interval of a binomial share: unlike the normal
 * approximation it stays inside [0, 1] and is honest at shares near 0 or 1,
 * which is where t-visibility curves spend most of their length.
 */
export function wilsonInterval(successes: number, trials: number): { low: number; high: number } {
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // At 0 or all successes the bound is exactly 0 or 1; rounding would leave a speck.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

/** The staleness-curves section of one run's report; undefined when the scenario has no staleness probe. */
export function stalenessCurvesReport(built: BuiltScenario, result: RunResult): StalenessCurvesReport[] | undefined {
  const tallies = built.probes.tallies;
  if (tallies.length === 0) return undefined;
  return tallies.map((tally) => probeReport(built, result, tally));
}

function probeReport(built: BuiltScenario, result: RunResult, tally: ProbeTally): StalenessCurvesReport {
  const { scenario } = built;
  const store = scenario.components[tally.store] as unknown as QuorumStoreSettings;
  const probe = scenario.workloads[tally.workload] as unknown as StalenessProbeSettings;
  const n = store.replicationFactor;
  const r = replicasFor(probe.readConsistency ?? store.readConsistency, n);
  const w = replicasFor(probe.writeConsistency ?? store.writeConsistency, n);
  const curves: VisibilityCurve[] = [];
  if (probe.from !== 'ack') curves.push(curve('commit', tally.delaysUs, tally.fromCommit));
  if (probe.from !== 'commit') curves.push(curve('ack', tally.delaysUs, tally.fromAck));
  const latencies = warsLatencies(store.replicaLatency);
  const meanHopUs = tally.hopReads === 0 ? null : round(tally.hopUsSum / tally.hopReads, 1);
  return {
    workload: tally.workload,
    store: tally.store,
    replicas: n,
    readQuorum: r,
    writeQuorum: w,
    probes: tally.probes,
    abandonedProbes: tally.abandoned,
    readsStartedBeforeCommit: tally.startedBeforeCommit,
    failedReads: tally.failedReads,
    meanHopUs,
    curves,
    kStaleness: probe.from === 'ack' ? null : kStaleness(tally, n, r, w),
    latency: { read: tally.readLatency.summary(), write: tally.writeLatency.summary() },
    wars:
      latencies === null || probe.from === 'ack'
        ? null
        : wars({ replicas: n, readQuorum: r, writeQuorum: w, latencies, trials: WARS_TRIALS, seed: scenario.seed }, [
            ...tally.delaysUs,
          ]),
    departures: departures(built, result, tally.workload, store, probe, meanHopUs),
  };
}

/** R or W as a count of replicas; local-quorum counts as a majority of N (the report says it departs from WARS). */
function replicasFor(level: ConsistencyLevel, n: number): number {
  if (typeof level === 'object') return level.replicas;
  return level === 'one' ? 1 : level === 'all' ? n : Math.floor(n / 2) + 1;
}

function curve(from: 'commit' | 'ack', delaysUs: readonly number[], counts: readonly CurvePoint[]): VisibilityCurve {
  const points = counts.map((c, i): VisibilityPoint => {
    if (c.reads === 0) return { tUs: delaysUs[i], reads: 0, consistent: 0, probability: null, low: null, high: null };
    const { low, high } = wilsonInterval(c.consistent, c.reads);
    return {
      tUs: delaysUs[i],
      reads: c.reads,
      consistent: c.consistent,
      probability: round(c.consistent / c.reads, 6),
      low: round(low, 6),
      high: round(high, 6),
    };
  });
  const reaching = (p: number) => points.find((point) => point.probability !== null && point.probability >= p)?.tUs;
  return { from, points, t99Us: reaching(0.99) ?? null, t999Us: reaching(0.999) ?? null };
}

function kStaleness(tally: ProbeTally, n: number, r: number, w: number): KStaleness | null {
  const byBehind = tally.behind[0];
  const reads = byBehind.reduce((sum, count) => sum + count, 0);
  if (reads === 0) return null;
  const rows = [];
  let atLeast = reads;
  for (let k = 1; k < byBehind.length; k++) {
    atLeast -= byBehind[k - 1];
    rows.push({ k, probability: round(atLeast / reads, 6), closedForm: round(kStalenessProbability(n, r, w, k), 6) });
  }
  return { tUs: tally.delaysUs[0], reads, rows };
}

function warsLatencies(latency: QuorumStoreSettings['replicaLatency']): WarsLatencies | null {
  if (latency === undefined) return null;
  const { write, ack, read, response } = latency;
  if (write === undefined || ack === undefined || read === undefined || response === undefined) return null;
  return { write, ack, read, response };
}

function wars(question: Omit<WarsQuestion, 'tUs'>, tUs: number[]): WarsPrediction {
  const { atTimes, timesToProbabilityUs } = warsCurve({ ...question, tUs }, [0.99, 0.999]);
  const finite = (t: number) => (Number.isFinite(t) ? Math.round(t) : null);
  return {
    trials: question.trials,
    points: tUs.map((t, i) => ({ tUs: t, probability: round(atTimes[i], 6) })),
    t99Us: finite(timesToProbabilityUs[0]),
    t999Us: finite(timesToProbabilityUs[1]),
  };
}

/** What in this run the WARS model does not account for, each as a sentence. */
function departures(
  built: BuiltScenario,
  result: RunResult,
  workload: string,
  store: QuorumStoreSettings,
  probe: StalenessProbeSettings,
  meanHopUs: number | null,
): string[] {
  const { scenario } = built;
  const out: string[] = [];
  const latency = store.replicaLatency ?? {};
  const unset = (['write', 'ack', 'read', 'response'] as const).filter((d) => latency[d] === undefined);
  if (unset.length > 0)
    out.push(
      `replicaLatency does not set ${unset.join(', ')}: those messages take the network's latency and the coordinator answers them for itself at once, so there is no WARS prediction`,
    );
  if (store.readRepair)
    out.push(
      probe.readsPerProbe === 'every-delay'
        ? "read repair is on: a probe's earlier reads repair the replicas its later reads meet (readsPerProbe: one-delay keeps reads independent)"
        : 'read repair is on: reads send what they found to replicas that answered with less',
    );
  if (store.antiEntropyInterval !== undefined)
    out.push(
      `anti-entropy every ${formatDurationUnit(store.antiEntropyInterval)} spreads writes besides the write itself`,
    );
  if (store.hintedHandoff)
    out.push('hinted handoff is on: a write a replica missed (down, or silent until the timeout) reaches it later');
  if (store.sloppyQuorum) out.push('sloppy quorum: stand-ins answer for replicas believed down');
  if (store.linearizable) out.push('linearizable (ABD): writes read a quorum first and reads write back');
  const levels = [probe.readConsistency ?? store.readConsistency, probe.writeConsistency ?? store.writeConsistency];
  if (levels.includes('local-quorum')) out.push('local-quorum counts only the coordinator region’s replicas');
  if (result.faults.length > 0) {
    const kinds = [...new Set(result.faults.map((f) => f.kind))];
    out.push(`faults (${kinds.join(', ')}): messages dropped and replicas away, which WARS does not model`);
  }
  const link = scenario.topology.link;
  if (link !== undefined && ((link.loss ?? 0) > 0 || (link.duplicate ?? 0) > 0 || (link.reorder ?? 0) > 0))
    out.push('links lose, duplicate or reorder messages');
  const others = Object.entries(scenario.workloads)
    .filter(([name, w]) => name !== workload && (w as { target?: unknown }).target === probe.target)
    .map(([name]) => name);
  if (others.length > 0) out.push(`other workloads use the store at the same time: ${others.join(', ')}`);
  if (probe.writesPerProbe > 1)
    out.push(
      `each probe writes ${probe.writesPerProbe} versions in turn: reads are timed from the last, while the earlier ones may still be spreading`,
    );
  if (probe.ongoingWrites !== undefined)
    out.push(
      `newer versions are written to the probed key every ${formatDurationUnit(probe.ongoingWrites)} while its reads are out: a read that returns one counts as consistent, which WARS (one write) does not model`,
    );
  if (meanHopUs !== null && meanHopUs >= 1)
    out.push(
      `the probe's reads took ${formatDurationUs(meanHopUs)} on average to reach their coordinator, which adds to each t (a zero-latency link from the probe to the store removes it)`,
    );
  return out;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
