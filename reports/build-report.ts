import type { CompletedRun } from '../scenarios/harness/run-scenario.js';
import { reportingWindowUs, timingIssues } from '../scenarios/harness/run-timing.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import { consistencyReport } from './consistency/consistency-report.js';
import { stalenessCurvesReport } from './consistency/staleness-curves.js';
import { cachesReport } from './caches/cache-report.js';
import { chatComparisonRows } from './chat/chat-comparison.js';
import { chatReport } from './chat/chat-report.js';
import { cacheTheoryChecks } from './caches/cache-theory-checks.js';
import { cdnTheoryReport } from './caches/cdn-theory.js';
import { shardingReports } from './caches/sharding-report.js';
import { deliveryReport } from './delivery/delivery-report.js';
import { faultIntervals } from './fault-intervals.js';
import { feedComparisonRows } from './feed/feed-comparison.js';
import { feedReport } from './feed/feed-report.js';
import { formatDurationUs } from './format.js';
import {
  REPORT_FORMAT_VERSION,
  type Comparison,
  type ConsistencyReport,
  type DeliveryReport,
  type DeliveryStreamReport,
  type CachesReport,
  type Report,
  type RunMetrics,
  type VariantRun,
} from './report-types.js';
import { runMetrics } from './run-metrics.js';
import { evaluateSlo } from './slo.js';
import { theoryChecks } from './theory.js';

export interface ReportInput {
  faultlineVersion: string;
  /** The file as given on the command line; null for a built-in scenario. */
  file: string | null;
  /** The base scenario (overrides from the command line applied). */
  scenario: Scenario;
  /** The file as one document (LoadedScenario.document) and the command line's overrides; leave it out when the runs were not made from one. */
  resolved?: { document: Record<string, unknown>; overrides: string[] };
  /** One run per variant, in order; a single `base` run when there are none. */
  runs: { name: string; overrides: Record<string, unknown>; run: CompletedRun }[];
  wallSeconds: number;
}

/** Assembles report.json with keys in a fixed order, so equal runs serialize to equal bytes. */
export function buildReport(input: ReportInput): Report {
  const { scenario } = input;
  const runs: VariantRun[] = input.runs.map(({ name, overrides, run }) => {
    const metrics = runMetrics(run.built, run.result);
    const faults = run.result.faults.map((f) => ({ ...f }));
    const theory = theoryChecks(run.built, metrics);
    const consistency = consistencyReport(run.built, run.result, metrics);
    const stalenessCurves = stalenessCurvesReport(run.built, run.result);
    const delivery = deliveryReport(run.built.deliveries, metrics.timeline);
    const caches = cachesSection(run.built, metrics.timeline);
    const feed = feedReport(run.built.feeds, { windows: metrics.timeline, metrics, faults: run.result.faults });
    const chat = chatReport(run, metrics);
    return {
      name,
      overrides,
      traceHash: run.result.traceHash,
      checkpoints: run.checkpoints,
      events: run.result.events,
      simulatedSeconds: run.result.simulatedUs / 1e6,
      metrics,
      ...(theory.length > 0 ? { theory } : {}),
      faults,
      faultIntervals: faultIntervals(faults, run.result.simulatedUs),
      slo: evaluateSlo(run.built, metrics),
      ...(consistency === undefined ? {} : { consistency }),
      ...(stalenessCurves === undefined ? {} : { stalenessCurves }),
      ...(delivery === undefined ? {} : { delivery }),
      ...(caches === undefined ? {} : { caches }),
      ...(feed === undefined ? {} : { feed }),
      ...(chat === undefined ? {} : { chat }),
    };
  });
  const warnings = runWarnings(
    input.runs.map(({ name, run }, i) => ({
      name,
      scenario: run.built.scenario,
      metrics: runs[i].metrics,
      consistency: runs[i].consistency,
    })),
  );
  const first = runs[0];
  const events = runs.reduce((sum, r) => sum + r.events, 0);
  const report: Omit<Report, 'wall'> = {
    format: REPORT_FORMAT_VERSION,
    faultline: input.faultlineVersion,
    scenario: {
      name: scenario.name,
      description: scenario.description,
      file: input.file,
      durationUs: scenario.duration,
      windowUs: reportingWindowUs(scenario),
      ...(reportingWindowUs(scenario) === scenario.slo.window ? {} : { requestedWindowUs: scenario.slo.window }),
      availabilityThresholdUs: scenario.slo.availability.threshold,
      components: Object.entries(scenario.components).map(([name, c]) => instanceSummary(scenario, name, c)),
      workloads: Object.entries(scenario.workloads).map(([name, w]) => ({
        ...instanceSummary(scenario, name, w),
        target: String((w as { target?: unknown }).target ?? ''),
      })),
      variantNames: scenario.variants.map((v) => v.name),
      resolved: input.resolved ?? null,
    },
    warnings,
    seed: scenario.seed,
    variant: first.name,
    traceHash: first.traceHash,
    checkpoints: first.checkpoints,
    events: first.events,
    simulatedSeconds: first.simulatedSeconds,
    metrics: first.metrics,
    ...(first.theory ? { theory: first.theory } : {}),
    faults: first.faults,
    faultIntervals: first.faultIntervals,
    slo: first.slo,
    ...(first.consistency ? { consistency: first.consistency } : {}),
    ...(first.stalenessCurves ? { stalenessCurves: first.stalenessCurves } : {}),
    ...(first.delivery ? { delivery: first.delivery } : {}),
    ...(first.caches ? { caches: first.caches } : {}),
    ...(first.feed ? { feed: first.feed } : {}),
    ...(first.chat ? { chat: first.chat } : {}),
  };
  if (scenario.variants.length > 0) {
    report.variants = runs;
    report.comparison = compare(runs);
  }
  const wall = {
    seconds: round(input.wallSeconds, 3),
    eventsPerSecond: input.wallSeconds > 0 ? Math.round(events / input.wallSeconds) : 0,
  };
  return { ...report, wall };
}

/**
 * The cache section (reports/caches/cache-report.ts) with, when they apply,
 * the cache theory beside the simulated values (cache-theory-checks.ts), the
 * CDN's theory tier by tier (cdn-theory.ts) and each kv-store's sharding
 * figures (sharding-report.ts); undefined when the run had no cache and no
 * database.
 */
function cachesSection(built: CompletedRun['built'], windows: RunMetrics['timeline']): CachesReport | undefined {
  const warmupUs = built.scenario.warmup;
  // Every kv-store is a database too, so a run with sharding figures has a section to put them in.
  const section = cachesReport(built.caches, windows, warmupUs);
  if (section === undefined) return undefined;
  const theory = cacheTheoryChecks(built);
  const sharding = shardingReports(built.shards, windows, warmupUs);
  const cdnTheory = cdnTheoryReport(built, section);
  return {
    ...section,
    ...(theory.length === 0 ? {} : { theory }),
    ...(cdnTheory === undefined ? {} : { cdnTheory }),
    ...(sharding === undefined ? {} : { sharding }),
  };
}

/** The report without wall-clock figures: what must be byte-identical across runs of one seed. */
export function deterministicPart(report: Report): Omit<Report, 'wall'> {
  const { wall: _wall, ...rest } = report;
  return rest;
}

/**
 * Times the runs left out (validation lets through only those a shortened
 * run skips) and runs that measured nothing. A warning every run has is
 * given once; the others name their variant.
 */
function runWarnings(
  runs: { name: string; scenario: Scenario; metrics: RunMetrics; consistency?: ConsistencyReport }[],
): string[] {
  const perRun = runs.map(({ scenario, metrics, consistency }) => [
    ...timingIssues(scenario).map((t) => t.warning),
    ...(metrics.availability.finished === 0
      ? ['no request sent after the warm-up finished before the end of the run: availability and SLOs have no data']
      : []),
    ...(consistency?.truncated === undefined ? [] : [truncationWarning(consistency.truncated)]),
  ]);
  const everywhere = perRun[0].filter((w) => perRun.every((ws) => ws.includes(w)));
  const warnings = [...everywhere];
  perRun.forEach((ws, i) => {
    for (const w of ws) if (!everywhere.includes(w)) warnings.push(`variant "${runs[i].name}": ${w}`);
  });
  return warnings;
}

function truncationWarning(t: NonNullable<ConsistencyReport['truncated']>): string {
  return (
    `the store history keeps its first ${t.keptOperations} operations: the ${t.droppedOperations} invoked from ` +
    `${formatDurationUs(t.fromUs)} on are left out of it and of the consistency checks, which judge the final state ` +
    'against the kept operations only (a write overwritten later may count as lost)'
  );
}

function instanceSummary(scenario: Scenario, name: string, instance: unknown) {
  const { type, nodes } = instance as { type: string; nodes: string };
  return { name, type, nodes: scenario.topology.nodes[nodes]?.count ?? 0 };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function compare(runs: VariantRun[]): Comparison {
  const row = (
    key: string,
    label: string,
    unit: Comparison['rows'][number]['unit'],
    higherIsBetter: boolean,
    value: (m: RunMetrics) => number,
  ) => ({
    key,
    label,
    unit,
    higherIsBetter,
    values: runs.map((r) => value(r.metrics)),
  });
  const failures = (m: RunMetrics) => ERROR_KINDS.reduce((sum, k) => sum + m.requests.errors[k], 0);
  return {
    variants: runs.map((r) => r.name),
    rows: [
      row('availability', 'availability', 'fraction', true, (m) => m.availability.overall ?? Number.NaN),
      row('p50', 'p50 latency', 'us', false, (m) => m.latency.p50Us),
      row('p99', 'p99 latency', 'us', false, (m) => m.latency.p99Us),
      row('p999', 'p99.9 latency', 'us', false, (m) => m.latency.p999Us),
      row('throughput', 'throughput', 'perSec', true, (m) => m.throughputPerSec),
      row('goodput', 'goodput', 'perSec', true, (m) => m.goodputPerSec),
      row('errors', 'failed requests', 'count', false, failures),
      row(
        'messages-per-operation',
        'messages per client operation',
        'count',
        false,
        (m) => m.messages.perClientOperation,
      ),
      ...consistencyRows(runs),
      ...deliveryRows(runs),
      ...cacheRows(runs),
      ...feedComparisonRows(runs),
      ...chatComparisonRows(runs),
    ],
  };
}

/** Stale reads and lost writes side by side, when every run has a store history to judge. */
function consistencyRows(runs: VariantRun[]): Comparison['rows'] {
  const all = <T>(pick: (c: ConsistencyReport) => T | null) =>
    runs.every((r) => r.consistency !== undefined && pick(r.consistency) !== null);
  const rows: Comparison['rows'] = [];
  const row = (
    key: string,
    label: string,
    unit: Comparison['rows'][number]['unit'],
    value: (c: ConsistencyReport) => number,
  ) => rows.push({ key, label, unit, higherIsBetter: false, values: runs.map((r) => value(r.consistency!)) });
  if (all((c) => c.staleness)) row('stale-read-rate', 'stale reads', 'fraction', (c) => c.staleness!.staleReadRate);
  if (all((c) => c.lostWrites)) row('writes-lost', 'acknowledged writes lost', 'count', (c) => c.lostWrites!.lost);
  if (all((c) => c.counters))
    row('increments-lost', 'counter increments lost', 'count', (c) => c.counters!.lostIncrements);
  if (all((c) => c.sets)) row('set-elements-lost', 'set elements lost', 'count', (c) => c.sets!.lostElements);
  return rows;
}

/**
 * What the brokers delivered side by side, when every run has topics: counts
 * summed over every stream, latency and backlog of the worst stream.
 */
function deliveryRows(runs: VariantRun[]): Comparison['rows'] {
  if (!runs.every((r) => r.delivery !== undefined)) return [];
  const streams = (d: DeliveryReport) => d.topics.flatMap((t) => t.streams);
  const several = runs.some((r) => streams(r.delivery!).length > 1);
  const total = (pick: (s: DeliveryStreamReport) => number) => (d: DeliveryReport) =>
    streams(d).reduce((sum, s) => sum + pick(s), 0);
  const worst = (pick: (s: DeliveryStreamReport) => number) => (d: DeliveryReport) =>
    streams(d).reduce((most, s) => Math.max(most, pick(s)), 0);
  const row = (key: string, label: string, unit: 'us' | 'count', value: (d: DeliveryReport) => number) => ({
    key,
    label,
    unit,
    higherIsBetter: false,
    values: runs.map((r) => value(r.delivery!)),
  });
  const ofWorst = several ? ' (worst stream)' : '';
  return [
    row(
      'messages-lost',
      'acknowledged messages lost',
      'count',
      total((s) => s.lost.total),
    ),
    row(
      'repeated-effects',
      'messages processed more than once',
      'count',
      total((s) => s.duplicates.processedMoreThanOnce),
    ),
    row(
      'duplicate-deliveries',
      'messages delivered more than once',
      'count',
      total((s) => s.duplicates.deliveredMoreThanOnce),
    ),
    row(
      'end-to-end-p99',
      `end-to-end p99${ofWorst}`,
      'us',
      worst((s) => s.endToEndLatency.p99Us),
    ),
    row(
      'max-lag',
      `max consumer lag${ofWorst}`,
      'count',
      worst((s) => s.lag.max),
    ),
    row(
      'dead-lettered',
      'dead-lettered',
      'count',
      total((s) => s.deadLettered),
    ),
  ];
}

/**
 * What the caches did side by side, when every run has a cache section: each
 * cache's hit ratio and each database's mean and peak load (those every run
 * has, named when there are several), stale reads and lost writes summed over
 * the caches (each when some run has a write or one of them).
 */
function cacheRows(runs: VariantRun[]): Comparison['rows'] {
  if (!runs.every((r) => r.caches !== undefined)) return [];
  const sections = runs.map((r) => r.caches!);
  const common = (names: (c: CachesReport) => string[]) =>
    names(sections[0]).filter((name) => sections.every((c) => names(c).includes(name)));
  const caches = common((c) => c.caches.map((x) => x.component));
  const databases = common((c) => c.databases.map((x) => x.component));
  const cacheOf = (c: CachesReport, name: string) => c.caches.find((x) => x.component === name)!;
  const databaseOf = (c: CachesReport, name: string) => c.databases.find((x) => x.component === name)!;
  const total = (pick: (c: CachesReport['caches'][number]) => number) => (c: CachesReport) =>
    c.caches.reduce((sum, x) => sum + pick(x), 0);
  const row = (
    key: string,
    label: string,
    unit: Comparison['rows'][number]['unit'],
    higherIsBetter: boolean,
    value: (c: CachesReport) => number,
  ) => ({ key, label, unit, higherIsBetter, values: sections.map(value) });
  // Row keys are slugs: lower case, digits and dashes.
  const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const rows: Comparison['rows'] = [];
  for (const name of caches) {
    const of = caches.length > 1 ? ` (${name})` : '';
    rows.push(
      row(
        `hit-ratio-${slug(name)}`,
        `hit ratio${of}`,
        'fraction',
        true,
        (c) => cacheOf(c, name).hitRatio ?? Number.NaN,
      ),
    );
  }
  for (const name of databases) {
    const of = databases.length > 1 ? ` (${name})` : '';
    rows.push(
      row(
        `database-load-${slug(name)}`,
        `database load${of}`,
        'perSec',
        false,
        (c) => databaseOf(c, name).perSec ?? Number.NaN,
      ),
      row(
        `database-peak-${slug(name)}`,
        `database peak load${of}`,
        'perSec',
        false,
        (c) => databaseOf(c, name).peakPerSec ?? Number.NaN,
      ),
    );
  }
  // A cache that accepted no write loses none, and serves a stale read only after a purge: rows of zeros say nothing.
  const some = (pick: (c: CachesReport['caches'][number]) => number) =>
    sections.some((c) => c.caches.some((x) => pick(x) > 0));
  if (caches.length > 0 && (some((x) => x.writes) || some((x) => x.staleReads)))
    rows.push(
      row(
        'cache-stale-reads',
        'stale reads from caches',
        'count',
        false,
        total((x) => x.staleReads),
      ),
    );
  if (caches.length > 0 && (some((x) => x.writes) || some((x) => x.lostWrites)))
    rows.push(
      row(
        'cache-lost-writes',
        'writes lost by caches',
        'count',
        false,
        total((x) => x.lostWrites),
      ),
    );
  return rows;
}
