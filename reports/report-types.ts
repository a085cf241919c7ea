/**
 * The shape of `report.json`. Everything here is derived from simulated time
 * and seeded draws, so equal seeds give equal reports, except `wall`, which
 * holds every wall-clock figure and nothing else.
 *
 * Times are whole microseconds of simulated time (`…Us`), rates are per
 * simulated second, shares are fractions in [0, 1].
 */

import type { MessageStats } from '../engine/simulation.js';

export const REPORT_FORMAT_VERSION = 1;

/** What one run produced; the report's top level repeats it for its first run. */
export interface RunOutcome {
  traceHash: string;
  events: number;
  simulatedSeconds: number;
  metrics: RunMetrics;
  /** Queueing theory beside the simulated values, for components it applies to; absent when it applies to none. */
  theory?: TheoryCheck[];
  faults: FaultEvent[];
  faultIntervals: FaultInterval[];
  slo: SloReport;
}

export interface Report extends RunOutcome {
  format: typeof REPORT_FORMAT_VERSION;
  faultline: string;
  scenario: ScenarioSummary;
  seed: number;
  /** The run the top-level figures describe: `base`, or the first variant. */
  variant: string;
  /** Every run, the first one included, when the scenario declares variants. */
  variants?: VariantRun[];
  comparison?: Comparison;
  wall: WallClock;
}

export interface ScenarioSummary {
  name: string;
  description: string;
  /** The file it was read from, as given on the command line; null for a built-in. */
  file: string | null;
  durationUs: number;
  windowUs: number;
  /** Latency under which a request counts as available (the SLO's threshold). */
  availabilityThresholdUs: number;
  components: { name: string; type: string; nodes: number }[];
  workloads: { name: string; type: string; nodes: number; target: string }[];
  variantNames: string[];
}

export interface VariantRun extends RunOutcome {
  name: string;
  /** The overrides that make this variant, as `path: value` pairs. */
  overrides: Record<string, unknown>;
}

export interface LatencySummary {
  count: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p95Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Points of the empirical CDF: latency and the share of requests at or under it. */
export type CdfPoint = [latencyUs: number, fraction: number];

export type ErrorKind = 'timeout' | 'rejected' | 'dropped' | 'unavailable';
export type ErrorCounts = Record<ErrorKind, number>;

export interface RunMetrics {
  requests: {
    sent: number;
    /** Attempts beyond each request's first (client retries). */
    retries: number;
    /** Extra copies sent by hedging. */
    hedges: number;
    /** Answered successfully, whatever the latency. */
    succeeded: number;
    /** Succeeded within the availability threshold. */
    good: number;
    errors: ErrorCounts;
    /** Sent but neither answered nor failed when the run ended. */
    inFlight: number;
    /** The same counts per operation, with availability (good / finished), so mixed traffic can be told apart. */
    byOperation: Record<string, OperationOutcomes>;
  };
  /** End-to-end latency of successful requests, as clients saw it. */
  latency: LatencySummary;
  latencyByOperation: Record<string, LatencySummary>;
  latencyCdf: CdfPoint[];
  /** Completions per simulated second over the whole run. */
  throughputPerSec: number;
  goodputPerSec: number;
  availability: AvailabilityReport;
  timeline: WindowRow[];
  components: ComponentReport[];
  messages: MessageReport;
}

export interface OperationOutcomes {
  sent: number;
  succeeded: number;
  good: number;
  errors: ErrorCounts;
  /** good / (succeeded + failed); null when none finished. */
  availability: number | null;
}

export interface AvailabilityReport {
  thresholdUs: number;
  /** good / (requests that finished: succeeded or failed). */
  overall: number;
  /** -log10(1 - overall), capped at 9; "three nines" is 3. */
  nines: number;
  /** Total length of windows whose availability fell below the SLO target (below 50% when none is declared). */
  downtimeUs: number;
  /** The SLO's availability target, when declared. */
  target: number | null;
  errorBudget: ErrorBudget | null;
}

export interface ErrorBudget {
  /** Failures the target allows over this run: (1 - target) × finished requests. */
  allowedFailures: number;
  failures: number;
  /** failures / allowedFailures: above 1 the budget is spent. */
  burn: number;
}

/** One reporting window; the last may be shorter. Latencies are null in windows with no success. */
export interface WindowRow {
  startUs: number;
  endUs: number;
  sent: number;
  succeeded: number;
  good: number;
  errors: ErrorCounts;
  throughputPerSec: number;
  goodputPerSec: number;
  /** null when no request finished in the window. */
  availability: number | null;
  p50Us: number | null;
  p99Us: number | null;
}

export interface ComponentReport {
  name: string;
  type: string;
  nodes: number;
  /** Worker slots per node; 0 for components without workers (balancers, gateways), whose utilization is not measured. */
  workers: number;
  /** Busy worker time over available worker time, across the component's nodes (0 without workers). */
  utilization: number;
  served: number;
  rejected: number;
  /** Work discarded because its caller had given up. */
  dropped: number;
  /** Figures particular to the model, e.g. a rate limiter's `maxForwardedPerWindow`; absent when it has none. */
  details?: Record<string, number>;
  /** Time a request spent at the component: queueing plus service. */
  latency: LatencySummary;
  queueDepth: { mean: number; max: number };
  /** Per window, aligned with `metrics.timeline`: utilization and time-averaged / peak queue depth summed over nodes. */
  timeline: { utilization: number[]; queueDepthMean: number[]; queueDepthMax: number[] };
  messagesSent: number;
  /** messagesSent per request the workloads sent. */
  messagesPerClientOperation: number;
}

/** The engine's message counts, plus messages per client request. */
export interface MessageReport extends MessageStats {
  /** Messages sent by every node per request a client sent. */
  perClientOperation: number;
}

export interface FaultEvent {
  timeUs: number;
  kind: string;
  nodes: string[];
  detail?: string;
}

/** A fault's extent, for shading charts: crash→restart, partition→heal, pause→resume, degrade→restore. */
export interface FaultInterval {
  kind: string;
  label: string;
  startUs: number;
  /** The end of the run when the fault was never undone. */
  endUs: number;
}

export interface SloReport {
  /** True when every verdict passed (and when the scenario declares none). */
  passed: boolean;
  verdicts: SloVerdict[];
}

export interface SloVerdict {
  name: string;
  kind: 'latency' | 'availability' | 'error-rate';
  /** The objective in words, e.g. "p99.9 <= 200ms". */
  objective: string;
  target: number;
  actual: number;
  unit: 'us' | 'fraction';
  passed: boolean;
  /** Why the verdict could not be measured, when it could not. */
  note?: string;
}

/** Headline metrics side by side, one value per variant, in variant order. */
export interface Comparison {
  variants: string[];
  rows: ComparisonRow[];
}

export interface ComparisonRow {
  /** A stable slug (lower case, digits, dashes); chart file names are built from it. */
  key: string;
  label: string;
  unit: 'us' | 'fraction' | 'perSec' | 'count';
  /** Whether a larger value is better, for highlighting. */
  higherIsBetter: boolean;
  values: number[];
}

export interface WallClock {
  seconds: number;
  eventsPerSecond: number;
}

/** One queueing station checked against closed-form theory. */
export interface TheoryCheck {
  component: string;
  /** Kendall notation of what the formulas assume, per node: "M/M/1", "M/D/1", "M/M/4", "M/M/2/10", "M/G/5/5". */
  model: string;
  /** The result used: "Pollaczek–Khinchine", "Erlang C", "Erlang B", "birth–death (M/M/c/K)". */
  method: string;
  /** Arrivals per second at each node: the workloads' rate split evenly over the component's nodes. */
  arrivalRatePerSec: number;
  serviceMeanUs: number;
  servers: number;
  rows: TheoryRow[];
}

export interface TheoryRow {
  key: 'utilization' | 'mean-time-at-server' | 'probability-of-waiting' | 'blocking';
  label: string;
  unit: 'us' | 'fraction';
  theory: number;
  simulated: number;
  /** (simulated − theory) / theory; null when theory is 0. */
  relativeDifference: number | null;
}
