import type { CacheLog } from '../../models/measure/cache-log.js';
import type { ShardLog } from '../../models/measure/shard-log.js';
import { getHeapStatistics } from 'node:v8';
import type { RunResult } from '../../engine/simulation.js';
import { ERROR_KINDS, type WindowCounts } from '../../models/measure/request-metrics.js';
import { formatDurationUnit } from '../../models/kit/units.js';
import { buildScenario, type BuildOptions, type BuiltScenario } from './build-scenario.js';
import {
  DEFAULT_MAX_EVENTS,
  eventBudgetOverrun,
  HEAP_BUDGET_SHARE,
  RunBudgetExceeded,
  RunInterrupted,
} from './run-limits.js';
import type { Scenario } from './scenario-schema.js';
import { CheckpointRecorder, type TraceCheckpoints } from './trace-checkpoints.js';

/** Events per slice between checks for progress, Ctrl-C and the stop condition. */
const SLICE_EVENTS = 250_000;

export interface RunControl extends BuildOptions {
  /** Called after every slice with how far the run has got. */
  onProgress?(simulatedUs: number, durationUs: number, events: number): void;
  /** Checked between slices; the run stops and `runScenario` throws RunInterrupted. */
  signal?: AbortSignal;
  /** The run stops with RunBudgetExceeded after this many events (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
  /** Called once the scenario is built, before its first event: to attach observers such as a trace. */
  onBuilt?(built: BuiltScenario): void;
}

export interface CompletedRun {
  built: BuiltScenario;
  result: RunResult;
  checkpoints: TraceCheckpoints;
}

/**
 * Runs a scenario to its duration (or its stop condition, checked at window
 * boundaries so the end never depends on slicing). Slicing by event count
 * keeps the process responsive; it does not change the trace.
 */
export async function runScenario(scenario: Scenario, control: RunControl = {}): Promise<CompletedRun> {
  const maxEvents = control.maxEvents ?? DEFAULT_MAX_EVENTS;
  const overrun = eventBudgetOverrun(scenario, maxEvents);
  if (overrun !== undefined)
    throw new RunBudgetExceeded(
      `${overrun}; nothing was run. Shorten the run (--duration), or lower the request rates or the node counts`,
    );
  const heapLimit = getHeapStatistics().heap_size_limit;
  const heapBudget = HEAP_BUDGET_SHARE * heapLimit;
  const built = buildScenario(scenario, control);
  control.onBuilt?.(built);
  const checkpoints = new CheckpointRecorder();
  const { sim, requests, windowUs } = built;
  const durationUs = scenario.duration;
  const stopAfter = scenario.stop?.afterRequests;
  const d = formatDurationUnit;
  const stopped = (why: string) =>
    new RunBudgetExceeded(
      `${scenario.name}: ${why}, at ${Number((sim.nowUs / 1e6).toPrecision(4))}s of ${d(durationUs)} simulated, after ${sim.events} events; nothing was written. ` +
        'Shorten the run (--duration), lower the request rates or the node counts',
    );
  let boundaryUs = stopAfter === undefined ? durationUs : Math.min(windowUs, durationUs);
  let lastHeapUsed = process.memoryUsage().heapUsed;
  let closedWindows = 0;
  let finishedInClosed = 0;
  for (;;) {
    checkpoints.run(sim, boundaryUs, Math.min(SLICE_EVENTS, maxEvents - sim.events));
    control.onProgress?.(sim.nowUs, durationUs, sim.events);
    if (control.signal?.aborted) throw new RunInterrupted();
    if (sim.events >= maxEvents && sim.nowUs < boundaryUs)
      throw stopped(`the run reached its budget of ${maxEvents} events (--max-events raises it)`);
    // Stopped a slice or two early when memory grows fast, since no check is made inside a slice.
    const heapUsed = process.memoryUsage().heapUsed;
    const grew = Math.max(0, heapUsed - lastHeapUsed);
    lastHeapUsed = heapUsed;
    if (heapUsed + 2 * grew > heapBudget)
      throw stopped(
        `its memory (${mb(heapUsed)} MB${grew > 0 ? ', growing' : ''}) was about to pass ${HEAP_BUDGET_SHARE * 100}% ` +
          `of Node's heap limit of ${mb(heapLimit)} MB (NODE_OPTIONS=--max-old-space-size=<MB> raises the limit)`,
      );
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (sim.nowUs < boundaryUs) continue;
    if (boundaryUs >= durationUs) break;
    // Windows before the one the clock is in are final: their sum is kept, not redone at every boundary.
    const open = Math.min(Math.floor(sim.nowUs / windowUs), requests.windows.length - 1);
    for (; closedWindows < open; closedWindows++) finishedInClosed += finishedIn(requests.windows[closedWindows]);
    if (stopAfter !== undefined && finishedInClosed + finishedIn(requests.windows[open]) >= stopAfter) break;
    boundaryUs = Math.min(boundaryUs + windowUs, durationUs);
  }
  sim.foldIntoTraceHash(reportedResults(built));
  return { built, result: sim.result(), checkpoints: checkpoints.result() };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

const finishedIn = (w: WindowCounts) => w.succeeded + ERROR_KINDS.reduce((sum, k) => sum + w.errors[k], 0);

/**
 * What the models reported, folded into the trace hash after the run so that
 * the hash also covers the measurements: request outcomes per window, each
 * component's counters and details, every operation of the store history,
 * and, in runs with topics (only then, so other runs keep their hashes),
 * every fact of the delivery log and what each stream still had pending.
 */
function reportedResults({
  requests,
  components,
  history,
  deliveries,
  caches,
  shards,
  feeds,
  chats,
}: BuiltScenario): unknown {
  const delivery =
    deliveries.topics.length === 0
      ? {}
      : {
          deliveries: deliveries.topics.map((t) => [
            t.name,
            t.kind,
            t.producedUs,
            t.producer,
            t.key,
            t.acknowledgedUs,
            t.failedUs,
            t.storedCopies,
            t.storedUs,
            t.removedUs,
            t.removedReason,
            t.streams.map((s) => [
              s.subscription,
              s.ordering,
              s.deliveries,
              s.firstDeliveredUs,
              s.processings,
              s.firstProcessedUs,
              s.deadLetteredUs,
              s.outOfOrder,
              s.deliveredOffsets,
              s.pendingAtEnd?.() ?? null,
            ]),
          ]),
        };
  return {
    requests: [requests.sent, requests.retries, requests.hedges, requests.succeeded, requests.good, requests.errors],
    latency: requests.latency.summary(),
    windows: requests.windows,
    components: components.map(({ metrics: m }) => [
      m.name,
      m.arrived,
      m.served,
      m.rejected,
      m.dropped,
      m.waited,
      m.sojournSumUs,
      m.details,
    ]),
    history: history.events,
    ...delivery,
    ...cacheResults(caches),
    ...shardResults(shards),
    ...feeds.results(),
    ...chats.results(),
  };
}

/** Every cache's and database's counts, only in runs that have one (so other runs keep their hashes). */
function cacheResults(caches: CacheLog): Record<string, unknown> {
  if (caches.caches.length === 0 && caches.databases.length === 0) return {};
  return {
    caches: caches.caches.map((c) => [
      c.component,
      c.role,
      c.lookups,
      c.hits,
      c.bytesRequested,
      c.bytesHit,
      c.backendRequests,
      c.backendBytes,
      c.staleReadsPerWindow,
      c.evictionsPerWindow,
      c.expiriesPerWindow,
      c.peakEntries,
      c.peakBytes,
      c.classLookups,
      c.classHits,
      c.writes,
      c.lostWrites,
      [...c.details],
    ]),
    databases: caches.databases.map((d) => [d.component, d.reads, d.writes]),
  };
}

/** Every sharded store's load per shard and migration counts, only in runs that have one (so other runs keep their hashes). */
function shardResults(shards: ShardLog): Record<string, unknown> {
  if (shards.stores.length === 0) return {};
  return {
    shards: shards.stores.map((s) => [
      s.component,
      s.servedPerWindow,
      s.keysMoved,
      s.migrationStartUs,
      s.migrationEndUs,
      s.keysCopied,
      s.bytesCopied,
      s.copiesResent,
      s.readsForwarded,
      s.doubleReads,
      s.writesForwarded,
      s.requestsParked,
    ]),
  };
}
