import type { RunOutcome } from '../reports/report-types.js';
import type { RunMetricValues } from './campaign-types.js';

export interface MetricDefinition {
  name: string;
  /** How tables and charts name it: `p99 latency`. */
  label: string;
  /** How the figure reads: `us` are microseconds of simulated time. */
  unit: 'fraction' | 'us' | 'per-sec' | 'count' | 'ratio';
  /** Which way is better, for marking comparisons; null where neither is. */
  better: 'lower' | 'higher' | null;
  description: string;
  value(run: RunOutcome): number | null;
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const errors = (run: RunOutcome) => Object.values(run.metrics.requests.errors).reduce((a, b) => a + b, 0);
const latency = (run: RunOutcome, field: 'meanUs' | 'p50Us' | 'p90Us' | 'p99Us' | 'p999Us') =>
  run.metrics.latency.count > 0 ? run.metrics.latency[field] : null;

/**
 * Every figure a campaign keeps per run, in the order tables list them. Each
 * is read off the run's report, so a sweep judges runs exactly as
 * `faultline run` does. Figures a run has no data for are null and are left
 * out of that configuration's interval (its `n` says how many counted).
 */
export const METRICS: readonly MetricDefinition[] = [
  {
    name: 'availability',
    label: 'availability',
    unit: 'fraction',
    better: 'higher',
    description: 'Requests after the warm-up that succeeded within the availability threshold, of those finished',
    value: (run) => run.metrics.availability.overall,
  },
  {
    name: 'latency.meanUs',
    label: 'mean latency',
    unit: 'us',
    better: 'lower',
    description: 'Mean latency of successful requests',
    value: (run) => latency(run, 'meanUs'),
  },
  {
    name: 'latency.p50Us',
    label: 'p50 latency',
    unit: 'us',
    better: 'lower',
    description: 'Median latency of successful requests',
    value: (run) => latency(run, 'p50Us'),
  },
  {
    name: 'latency.p99Us',
    label: 'p99 latency',
    unit: 'us',
    better: 'lower',
    description: '99th percentile latency of successful requests',
    value: (run) => latency(run, 'p99Us'),
  },
  {
    name: 'latency.p999Us',
    label: 'p99.9 latency',
    unit: 'us',
    better: 'lower',
    description: '99.9th percentile latency of successful requests',
    value: (run) => latency(run, 'p999Us'),
  },
  {
    name: 'throughputPerSec',
    label: 'throughput',
    unit: 'per-sec',
    better: 'higher',
    description: 'Completed requests per simulated second',
    value: (run) => run.metrics.throughputPerSec,
  },
  {
    name: 'goodputPerSec',
    label: 'goodput',
    unit: 'per-sec',
    better: 'higher',
    description: 'Requests per simulated second that succeeded within the availability threshold',
    value: (run) => run.metrics.goodputPerSec,
  },
  {
    name: 'errorRate',
    label: 'error rate',
    unit: 'fraction',
    better: 'lower',
    description: 'Failed requests (timed out, rejected, dropped, unavailable) of those sent',
    value: (run) => share(errors(run), run.metrics.requests.sent),
  },
  {
    name: 'retriesPerRequest',
    label: 'retries per request',
    unit: 'ratio',
    better: 'lower',
    description: 'Client retries per request sent',
    value: (run) => share(run.metrics.requests.retries, run.metrics.requests.sent),
  },
  {
    name: 'downtimeUs',
    label: 'downtime',
    unit: 'us',
    better: 'lower',
    description: 'Time after the warm-up in windows whose availability was below the down threshold',
    value: (run) => run.metrics.availability.downtimeUs,
  },
  {
    name: 'slo.passed',
    label: 'seeds passing the SLOs',
    unit: 'fraction',
    better: 'higher',
    description: 'Runs that passed every SLO (1) or not (0); its mean is the share of seeds that passed',
    value: (run) => (run.slo.verdict === 'no-data' ? null : Number(run.slo.passed)),
  },
  {
    name: 'consistency.staleReadRate',
    label: 'stale-read rate',
    unit: 'fraction',
    better: 'lower',
    description: 'Register reads that returned a value older than the latest acknowledged write, of completed reads',
    value: (run) => run.consistency?.staleness?.staleReadRate ?? null,
  },
  {
    name: 'consistency.lostWrites',
    label: 'lost writes',
    unit: 'count',
    better: 'lower',
    description: 'Acknowledged register writes missing from the final state',
    value: (run) => run.consistency?.lostWrites?.lost ?? null,
  },
  {
    name: 'consistency.lostWriteRate',
    label: 'lost-write rate',
    unit: 'fraction',
    better: 'lower',
    description: 'Acknowledged register writes lost, of those acknowledged',
    value: (run) => {
      const lost = run.consistency?.lostWrites;
      return lost ? share(lost.lost, lost.acknowledged) : null;
    },
  },
  {
    name: 'consistency.linearizable',
    label: 'seeds linearizable',
    unit: 'fraction',
    better: 'higher',
    description: 'Whether the register history was linearizable (1) or not (0); null when undecided or absent',
    value: (run) => {
      const verdict = run.consistency?.linearizability?.linearizable;
      return verdict === undefined || verdict === null ? null : Number(verdict);
    },
  },
];

export const METRIC_NAMES: readonly string[] = METRICS.map((m) => m.name);

/** The run's figures by metric name; a metric the scenario cannot produce (no store, no requests) is null. */
export function runMetricValues(run: RunOutcome): RunMetricValues {
  const values: RunMetricValues = {};
  for (const metric of METRICS) {
    const value = metric.value(run);
    values[metric.name] = value === null || !Number.isFinite(value) ? null : value;
  }
  return values;
}
