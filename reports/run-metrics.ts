import type { RunResult } from '../engine/simulation.js';
import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import { faultIntervals } from './fault-intervals.js';
import type {
  AvailabilityReport,
  ComponentReport,
  ErrorCounts,
  FaultInterval,
  FaultRecovery,
  RunMetrics,
  WindowRow,
} from './report-types.js';

/** Below this share, with no availability target declared, a window counts as down: most of its requests failed. */
const DEFAULT_DOWN_BELOW = 0.5;
const MAX_NINES = 9;

const sumErrors = (e: ErrorCounts) => ERROR_KINDS.reduce((sum, k) => sum + e[k], 0);
const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** The metrics section of a report, read off a finished run. */
export function runMetrics(built: BuiltScenario, result: RunResult): RunMetrics {
  const { scenario, sim, requests } = built;
  requests.finish();
  const endUs = result.simulatedUs;
  const measuredSeconds = Math.max(endUs - scenario.warmup, 1) / 1e6;
  const windowUs = built.windowUs;
  const target = scenario.slo.availability.target ?? null;

  const failures = sumErrors(requests.errors);
  const finished = requests.succeeded + failures;
  const windowCount = Math.min(requests.windows.length, Math.max(1, Math.ceil(endUs / windowUs)));
  const timeline: WindowRow[] = requests.windows.slice(0, windowCount).map((w, i) => {
    const startUs = i * windowUs;
    const stopUs = i === windowCount - 1 ? endUs : (i + 1) * windowUs;
    const seconds = Math.max(stopUs - startUs, 1) / 1e6;
    return {
      startUs,
      endUs: stopUs,
      sent: w.sent,
      succeeded: w.succeeded,
      good: w.good,
      errors: { ...w.errors },
      throughputPerSec: round(w.succeeded / seconds, 3),
      goodputPerSec: round(w.good / seconds, 3),
      availability: w.measuredFinished === 0 ? null : round(w.measuredGood / w.measuredFinished),
      p50Us: w.p50Us,
      p99Us: w.p99Us,
    };
  });

  const overall = finished === 0 ? null : requests.good / finished;
  const downBelow = target ?? DEFAULT_DOWN_BELOW;
  // The part of each window after the warm-up: what downtime and no-data time add up.
  const measuredUs = (w: WindowRow) => Math.max(0, w.endUs - Math.max(w.startUs, scenario.warmup));
  const availability: AvailabilityReport = {
    thresholdUs: scenario.slo.availability.threshold,
    finished,
    overall: overall === null ? null : round(overall),
    nines: overall === null ? null : overall >= 1 ? MAX_NINES : round(Math.min(MAX_NINES, -Math.log10(1 - overall)), 3),
    target,
    downBelow,
    downtimeUs: timeline.reduce(
      (sum, w) => sum + (w.availability !== null && w.availability < downBelow ? measuredUs(w) : 0),
      0,
    ),
    noDataUs: timeline.reduce((sum, w) => sum + (w.availability === null ? measuredUs(w) : 0), 0),
    errorBudget: null,
    recovery: faultIntervals(result.faults, endUs).map((f) => recovery(f, timeline, downBelow)),
  };
  if (target !== null && finished > 0) {
    const allowed = (1 - target) * finished;
    const failed = finished - requests.good;
    availability.errorBudget = {
      allowedFailures: round(allowed, 3),
      failures: failed,
      burn: allowed === 0 ? (failed === 0 ? 0 : MAX_NINES) : round(failed / allowed, 4),
    };
  }

  const clientOperations = requests.windows.reduce((sum, w) => sum + w.sent, 0);
  const perOperation = (messages: number) => (clientOperations === 0 ? 0 : round(messages / clientOperations, 4));
  const components: ComponentReport[] = built.components.map(({ metrics: m, nodeIds }) => {
    const messagesSent = nodeIds.reduce((sum, id) => sum + sim.sentBy(id), 0);
    m.busy.advance(endUs);
    m.queue.advance(endUs);
    const capacity = Math.max(m.workersPerNode, 1) * m.nodes;
    const utilization: number[] = [];
    const queueDepthMean: number[] = [];
    const queueDepthMax: number[] = [];
    let queueDepthPeak = 0;
    for (const row of timeline) {
      const i = row.startUs / windowUs;
      const span = Math.max(row.endUs - row.startUs, 1);
      utilization.push(round(m.busy.integral[i] / (capacity * span), 4));
      queueDepthMean.push(round(m.queue.integral[i] / span, 3));
      queueDepthMax.push(m.queue.peak[i]);
      queueDepthPeak = Math.max(queueDepthPeak, m.queue.peak[i]);
    }
    const details: Record<string, (number | null)[]> = {};
    for (const [name, values] of m.detailTimelines)
      details[name] = timeline.map((row) =>
        Number.isNaN(values[row.startUs / windowUs]) ? null : values[row.startUs / windowUs],
      );
    return {
      name: m.name,
      type: m.type,
      nodes: m.nodes,
      workers: m.workersPerNode,
      utilization: round(m.busy.total() / (capacity * Math.max(endUs, 1)), 4),
      served: m.served,
      rejected: m.rejected,
      dropped: m.dropped,
      ...(m.details.size > 0 ? { details: Object.fromEntries(m.details) } : {}),
      latency: m.latency.summary(),
      queueDepth: { mean: round(m.queue.total() / Math.max(endUs, 1), 3), max: queueDepthPeak },
      timeline: { utilization, queueDepthMean, queueDepthMax, ...(m.detailTimelines.size > 0 ? { details } : {}) },
      messagesSent,
      messagesPerClientOperation: perOperation(messagesSent),
    };
  });

  const overallLatency = requests.latency;
  const latencyByOperation: RunMetrics['latencyByOperation'] = {};
  const byOperation: RunMetrics['requests']['byOperation'] = {};
  for (const [name, o] of requests.byOperation) {
    latencyByOperation[name] = o.latency.summary();
    const finished = o.succeeded + Object.values(o.errors).reduce((a, b) => a + b, 0);
    byOperation[name] = {
      sent: o.sent,
      succeeded: o.succeeded,
      good: o.good,
      errors: { ...o.errors },
      availability: finished === 0 ? null : round(o.good / finished, 6),
    };
  }

  return {
    requests: {
      sent: requests.sent,
      retries: requests.retries,
      hedges: requests.hedges,
      succeeded: requests.succeeded,
      good: requests.good,
      errors: { ...requests.errors },
      inFlight: Math.max(0, requests.sent - finished),
      byOperation,
    },
    latency: overallLatency.summary(),
    latencyByOperation,
    latencyCdf: overallLatency.cdf().map(([us, f]) => [us, round(f)]),
    throughputPerSec: round(requests.succeeded / measuredSeconds, 3),
    goodputPerSec: round(requests.good / measuredSeconds, 3),
    availability,
    timeline,
    components,
    messages: {
      ...result.messages,
      perClientOperation: perOperation(result.messages.sent),
    },
  };
}

/** How long after a fault ended the first window with data was back at or above `downBelow` (FaultRecovery). */
function recovery(fault: FaultInterval, timeline: readonly WindowRow[], downBelow: number): FaultRecovery {
  const back = timeline.find((w) => w.endUs > fault.endUs && w.availability !== null && w.availability >= downBelow);
  const recoveredUs = back === undefined ? null : Math.max(back.startUs, fault.endUs);
  return {
    kind: fault.kind,
    label: fault.label,
    startUs: fault.startUs,
    endUs: fault.endUs,
    recoveredUs,
    recoveryUs: recoveredUs === null ? null : recoveredUs - fault.endUs,
  };
}
