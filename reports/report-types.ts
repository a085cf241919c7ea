/**
 * The shape of `report.json`. Everything here is derived from simulated time
 * and seeded draws, so equal seeds give equal reports, except `wall`, which
 * holds every wall-clock figure and nothing else.
 *
 * Times are whole microseconds of simulated time (`…Us`), rates are per
 * simulated second, shares are fractions in [0, 1].
 */

import type { MessageStats } from '../engine/simulation.js';
import type { CacheRole } from '../models/measure/cache-log.js';
import type { OrderingUnit, TopicKind } from '../models/measure/delivery-log.js';
import type { FeedStrategy } from '../models/measure/feed-log.js';
import type { CdfPoint, ErrorCounts, ErrorKind, LatencySummary } from '../models/measure/outcomes.js';

export type { CacheRole, CdfPoint, ErrorCounts, ErrorKind, FeedStrategy, LatencySummary, OrderingUnit, TopicKind };

/**
 * Bumped whenever the shape changes. 2: `warnings`; availability `null` over
 * no requests, with `finished`, `downBelow`, `noDataUs` and `recovery`; SLO
 * verdicts `pass | fail | no-data`; the message diagram's window and sample.
 * 3: `stalenessCurves` (t-visibility and k-staleness from staleness probes, with WARS beside).
 * 4: `scenario.resolved` (the scenario as run, for `faultline replay`) and each run's trace-hash `checkpoints`.
 * 5: `delivery` (what a run's brokers delivered, per topic and stream), only in runs with topics; a format 4
 * report is read as a format 5 one without it.
 * 6: `caches` (hit ratios, backend and database load, stale reads, memory per cache and database), only in runs
 * with a cache or a database; a format 4 or 5 report is read as a format 6 one without it.
 * 7: `feed` (fan-out writes, fetches, visibility delays and costs beside their analytic values, the follower
 * graph's degree distribution) and `chat` (delivery latency, loss, duplicates and ordering, connections and
 * reconnect storms, presence, protocol load), each only in runs with a feed service or chat clients; a format
 * 4, 5 or 6 report is read as a format 7 one without them.
 */
export const REPORT_FORMAT_VERSION = 7;

/** What one run produced; the report's top level repeats it for its first run. */
export interface RunOutcome {
  traceHash: string;
  /** The trace hash after every `everyEvents` events, so a replay that differs can say where it first did. */
  checkpoints: TraceCheckpoints;
  events: number;
  simulatedSeconds: number;
  metrics: RunMetrics;
  /** Queueing theory beside the simulated values, for components it applies to; absent when it applies to none. */
  theory?: TheoryCheck[];
  faults: FaultEvent[];
  faultIntervals: FaultInterval[];
  slo: SloReport;
  /** How consistent the store operations were; present when the run recorded a history of them. */
  consistency?: ConsistencyReport;
  /** t-visibility and k-staleness, one entry per staleness-probe workload, beside the WARS model; absent without one. */
  stalenessCurves?: StalenessCurvesReport[];
  /** What the run's brokers delivered, per topic and stream; present when the run had a topic (a queue, log or pub-sub). */
  delivery?: DeliveryReport;
  /** What the run's caches and databases saw, per component; present when the run had a cache, a CDN tier or a database. */
  caches?: CachesReport;
  /** What the run's feed services did: fan-out writes, fetches, visibility delays, costs beside their analytic values, the follower graph; present when the run had a feed service. */
  feed?: FeedReport;
  /** What the run's chat system saw: delivery, loss and ordering, connections and reconnect storms, presence, protocol load; present when the run had chat clients. */
  chat?: ChatReport;
}

/**
 * What one staleness-probe workload measured (Bailis et al., Probabilistically
 * Bounded Staleness): how likely a read started t after a write is to see it,
 * how many versions behind reads are, and what the reads and writes cost,
 * beside the WARS model's prediction for the same latencies and N, R, W.
 */
export interface StalenessCurvesReport {
  workload: string;
  store: string;
  /** N, R and W of the probe's operations. */
  replicas: number;
  readQuorum: number;
  writeQuorum: number;
  /** Probes whose writes were all acknowledged; probes given up after a write failed or timed out. */
  probes: number;
  abandonedProbes: number;
  /** Reads not counted: started at their coordinator before the commit, or failed. */
  readsStartedBeforeCommit: number;
  failedReads: number;
  /** Reads timed from the commit started this much later on average (the probe's hop to the coordinator); null without such reads. */
  meanHopUs: number | null;
  /** One curve per origin measured: from the commit at the coordinator, from the acknowledgement at the client. */
  curves: VisibilityCurve[];
  /** Reads timed from the commit at the first delay, by versions behind, beside the closed form; null without such reads. */
  kStaleness: KStaleness | null;
  latency: { read: LatencySummary; write: LatencySummary };
  /** The WARS model's t-visibility for the store's replicaLatency (Monte Carlo); null when replicaLatency is not fully set. */
  wars: WarsPrediction | null;
  /** Ways the run departs from the WARS model's assumptions, for a person to read; empty when it matches them. */
  departures: string[];
}

export interface VisibilityCurve {
  from: 'commit' | 'ack';
  points: VisibilityPoint[];
  /** The first delay whose share of consistent reads reached 99% and 99.9%; null: not reached at any delay probed. */
  t99Us: number | null;
  t999Us: number | null;
}

export interface VisibilityPoint {
  tUs: number;
  reads: number;
  consistent: number;
  /** consistent / reads and its 95% Wilson interval; null without reads. */
  probability: number | null;
  low: number | null;
  high: number | null;
}

export interface KStaleness {
  /** The delay from the commit the reads were taken at. */
  tUs: number;
  reads: number;
  rows: KStalenessRow[];
}

export interface KStalenessRow {
  k: number;
  /** Share of reads that missed the last k versions (returned one at least k behind). */
  probability: number | null;
  /** (C(N−W, R) / C(N, R))^k: the same for quorums that never expand past W replicas. */
  closedForm: number;
}

export interface WarsPrediction {
  trials: number;
  /** P(consistent) at each delay of the curve from the commit. */
  points: { tUs: number; probability: number }[];
  /** Where the model reaches 99% and 99.9%; null when it does not within its horizon. */
  t99Us: number | null;
  t999Us: number | null;
}

export interface Report extends RunOutcome {
  format: typeof REPORT_FORMAT_VERSION;
  faultline: string;
  scenario: ScenarioSummary;
  /**
   * What the runs left out or could not measure, for a person to read: times
   * past the end of a run shortened with --duration, a run that measured no
   * request. Prefixed `variant "<name>": ` when only some variants have it.
   */
  warnings: string[];
  seed: number;
  /** The run the top-level figures describe: `base`, or the first variant. */
  variant: string;
  /** Every run, the first one included, when the scenario declares variants. */
  variants?: VariantRun[];
  comparison?: Comparison;
  wall: WallClock;
}

export interface TraceCheckpoints {
  /** Events between checkpoints: 1024, doubled as often as needed to keep at most 256. */
  everyEvents: number;
  /** 16 hex digits each, after `everyEvents`, 2 × `everyEvents`, … events. */
  hashes: string[];
}

export interface ScenarioSummary {
  name: string;
  description: string;
  /** The file it was read from, as given on the command line; null for a built-in. */
  file: string | null;
  durationUs: number;
  /** The width of the timeline's windows: slo.window, or a multiple of it on a run too long for MAX_WINDOWS of them. */
  windowUs: number;
  /** slo.window, present only when the windows were widened (a warning says so). */
  requestedWindowUs?: number;
  /** Latency under which a request counts as available (the SLO's threshold). */
  availabilityThresholdUs: number;
  components: { name: string; type: string; nodes: number }[];
  workloads: { name: string; type: string; nodes: number; target: string }[];
  variantNames: string[];
  /**
   * The scenario as it was run, for `faultline replay`: the file as one
   * document (what it extends merged in), which runs on its own, and the
   * command line's overrides applied over it (`path=value`, in order; each
   * variant's own are in its `overrides`). Null for runs not made from a
   * document (a campaign's, whose configurations are kept apart).
   */
  resolved: { document: Record<string, unknown>; overrides: string[] } | null;
}

export interface VariantRun extends RunOutcome {
  name: string;
  /** The overrides that make this variant, as `path: value` pairs. */
  overrides: Record<string, unknown>;
}

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

/**
 * Availability, one definition for every figure (README, Reports): the
 * requests counted are those sent after the warm-up that finished (succeeded
 * or failed) before the run ended; one is available when it succeeded within
 * `thresholdUs`. A window's availability is the same share over the counted
 * requests that finished in it.
 */
export interface AvailabilityReport {
  thresholdUs: number;
  /** Counted requests: sent after the warm-up, finished before the end. */
  finished: number;
  /** Counted requests that succeeded within the threshold, over `finished`; null when none finished (no data, not 100%). */
  overall: number | null;
  /** -log10(1 - overall), capped at 9; "three nines" is 3. null with `overall`. */
  nines: number | null;
  /** The SLO's availability target, when declared. */
  target: number | null;
  /** Where a window counts as down, below this share: the target, or 0.5 (most requests failing) when none is declared. */
  downBelow: number;
  /** Time after the warm-up in windows whose availability is below `downBelow`. */
  downtimeUs: number;
  /** Time after the warm-up in windows where no counted request finished: neither up nor down. */
  noDataUs: number;
  /** null without a target, or when no request was counted. */
  errorBudget: ErrorBudget | null;
  /** Per fault interval (as in `faultIntervals`, in order): how long availability took to come back after it ended. */
  recovery: FaultRecovery[];
}

/**
 * From the end of a fault to the first window back at or above `downBelow`,
 * to the window's resolution: the first window that ends after the fault did,
 * has data, and is up; it counts from its start, or from the fault's end when
 * that is later (0 when availability never dipped past the end).
 */
export interface FaultRecovery {
  kind: string;
  label: string;
  startUs: number;
  /** When the fault ended; the end of the run when it never did. */
  endUs: number;
  /** null when no window after the fault's end was up before the run ended. */
  recoveredUs: number | null;
  /** recoveredUs − endUs; null with it. */
  recoveryUs: number | null;
}

export interface ErrorBudget {
  /** Failures the target allows over this run: (1 - target) × counted requests (`finished`). */
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
  /**
   * Of the counted requests (sent after the warm-up) that finished in the
   * window, the share available; null when none did (every warm-up window,
   * and windows where nothing finished). The traffic figures above count
   * warm-up requests too, so charts show the warm-up.
   */
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
  /**
   * Per window, aligned with `metrics.timeline`: utilization and time-averaged / peak queue depth summed over nodes;
   * and the model's figures it keeps per window (`details`, their largest value in each, null where none was noted).
   */
  timeline: {
    utilization: number[];
    queueDepthMean: number[];
    queueDepthMax: number[];
    details?: Record<string, (number | null)[]>;
  };
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

/** pass or fail; no-data when no counted request (sent after the warm-up) finished in the objective's scope. */
export type SloOutcome = 'pass' | 'fail' | 'no-data';

export interface SloReport {
  /** fail when any verdict failed, else no-data when any had no data, else pass (also when none is declared). */
  verdict: SloOutcome;
  /** verdict is pass. */
  passed: boolean;
  verdicts: SloVerdict[];
}

export interface SloVerdict {
  name: string;
  kind: 'latency' | 'availability' | 'error-rate';
  /** The objective in words, e.g. "p99.9 <= 200ms". */
  objective: string;
  target: number;
  /** null with no-data, and for a latency objective whose requests all failed (a fail). */
  actual: number | null;
  unit: 'us' | 'fraction';
  verdict: SloOutcome;
  /** Why there is no actual value. */
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
  /** NaN (null in report.json) where a run has none: availability with no counted request. */
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

/**
 * The consistency of a run's store operations (its history), checked
 * against single-copy semantics and the weaker session and convergence
 * guarantees. Times are simulated µs; every definition is in the checker's
 * doc comment (reports/consistency/).
 */
export interface ConsistencyReport {
  /** Present when the history reached its cap (MAX_HISTORY_OPERATIONS): the checks cover only the operations kept. */
  truncated?: { keptOperations: number; droppedOperations: number; fromUs: number };
  operations: { invoked: number; ok: number; failed: number; unknown: number; byOperation: Record<string, number> };
  /** Keys by what was done to them: registers (read, write, cas), counters (add), sets (insert, delete); mixed keys are left out of the checks. */
  keys: { registers: number; counters: number; sets: number; mixed: number };
  /** Of the register operations, checked per key; null when there were none. */
  linearizability: LinearizabilityVerdict | null;
  /** Of completed register reads; null when there were none. */
  staleness: StalenessReport | null;
  sessions: SessionReport;
  /** Acknowledged register writes lost, judged on the final state; null when no register was written. */
  lostWrites: LostWritesReport | null;
  counters: CounterReport | null;
  sets: SetReport | null;
  /** From samples of the replicas' own state; null when the store's replicas cannot be inspected. */
  convergence: ConvergenceReport | null;
  conflicts: ConflictReport;
  /** Availability of each side of each partition, while it lasted. */
  partitions: PartitionAvailability[];
  timeline: ConsistencyTimeline;
  /** Messages around the first fault; null when no fault happened. */
  messageDiagram: MessageDiagram | null;
}

export interface LinearizabilityVerdict {
  /** null when the search ran out of its step budget first (see `unknown`). */
  linearizable: boolean | null;
  unknown?: string;
  operations: number;
  keys: number;
  statesExplored: number;
  steps: number;
  counterexample?: LinearizabilityCounterexample;
}

/** The longest order the search found, and the operation it could not fit. */
export interface LinearizabilityCounterexample {
  key: string;
  explanation: string;
  state: unknown;
  lastOrdered: HistoryOperation[];
  stuck: HistoryOperation;
  open: HistoryOperation[];
  openOmitted: number;
}

export interface HistoryOperation {
  process: number;
  f: string;
  key: string;
  value: unknown;
  /** What it returned; 'unknown' when its outcome is. */
  result: unknown;
  invokedUs: number;
  completedUs: number | null;
}

export interface StalenessReport {
  reads: number;
  staleReads: number;
  /** staleReads / reads. */
  staleReadRate: number;
  /** Over the stale reads: acknowledged writes behind. */
  versionsBehind: { mean: number; max: number };
  /** Over the stale reads: how long the value had been superseded when the read began. */
  timeBehindUs: { mean: number; p50: number; p99: number; max: number };
}

export interface GuaranteeCount {
  checked: number;
  violations: number;
}

export interface SessionReport {
  sessions: number;
  readYourWrites: GuaranteeCount;
  monotonicReads: GuaranteeCount;
  /** From replica samples; null when the replicas cannot be inspected. */
  monotonicWrites: GuaranteeCount | null;
}

/**
 * Where the final state was read: the writes the replicas' logs still hold
 * (exact, for stores with a log), the replicas' values at the end of the run,
 * or (when they cannot be inspected) the last completed read of each key.
 */
export type FinalStateSource = 'replica-logs' | 'replicas' | 'last-reads';

export interface LostWritesReport {
  acknowledged: number;
  lost: number;
  judgedOn: FinalStateSource;
  /** Keys no live replica held at the end, whose writes could not be judged. */
  unjudgedKeys: number;
  /** The first few lost writes. */
  examples: { key: number; value: number; acknowledgedUs: number; finalValues: unknown[] }[];
}

export interface CounterReport {
  keys: number;
  /** Sum of acknowledged adds. */
  acknowledged: number;
  /** Sum of adds whose outcome is unknown: they may or may not count. */
  unknown: number;
  finalTotal: number;
  /** Acknowledged increments missing from the final total. */
  lostIncrements: number;
  /** Increments in the final total beyond every add that may have happened. */
  doubleCounted: number;
  judgedOn: FinalStateSource;
}

export interface SetReport {
  keys: number;
  acknowledgedInserts: number;
  /** Elements acknowledged as inserted, not deleted since, and missing from the final state. */
  lostElements: number;
  /** Elements acknowledged as deleted after every insert of them, yet present at the end. */
  resurrectedElements: number;
  judgedOn: FinalStateSource;
}

export interface ConvergenceReport {
  replicas: string[];
  samples: number;
  sampleEveryUs: number;
  divergenceAtHeal: { timeUs: number; divergentKeys: number; keys: number }[];
  /** When the last write ended (completed, timed out, or was invoked if still open); null without writes. */
  lastWriteUs: number | null;
  /** The first sample from which every live replica agreed on every key to the end; null when they never did after the last write. */
  convergedUs: number | null;
  /** convergedUs − lastWriteUs, to the sampling interval. */
  convergenceTimeUs: number | null;
  divergentKeysAtEnd: number;
}

export interface ConflictReport {
  /** Conflicts the store counted (the `conflicts` detail of its components); null when none counts them. */
  reported: number | null;
  /** reported / acknowledged writes. */
  perAcknowledgedWrite: number | null;
  /** Completed register reads that returned more than one sibling. */
  readsWithSiblings: number;
  siblingReadRate: number | null;
}

export interface PartitionSide {
  /** majority, minority, half or no replicas, and the replicas on it: "minority: store-1, store-2". */
  name: string;
  replicas: string[];
  clients: string[];
}

export interface PartitionAvailability {
  startUs: number;
  endUs: number;
  sides: (PartitionSide & { finished: number; answered: number; availability: number | null })[];
}

/** Per reporting window, aligned with `metrics.timeline`. */
export interface ConsistencyTimeline {
  reads: number[];
  staleReads: number[];
  staleReadRate: (number | null)[];
  /** Mean staleness in time of the window's stale reads. */
  meanStalenessUs: (number | null)[];
  /** Most keys the replicas disagreed on at a sample in the window; empty when replicas cannot be inspected. */
  divergentKeys: number[];
  /** Answered / finished operations of each side of the first partition's cut, over the whole run. */
  sides: (PartitionSide & { availability: (number | null)[] })[];
}

/**
 * A Lamport diagram's data: the messages drawn from a window around the first
 * fault that changes reachability or membership (or a time the scenario
 * names), one line each: "sentUs from to arrivalUs kind fate", where from, to
 * and kind index `nodes` and `kinds`, arrivalUs is "-" for a message the
 * network dropped, and fate is d (delivered), p (dropped by a partition),
 * l (lost on the link) or x (arrived at a node that was down).
 */
export interface MessageDiagram {
  /**
   * The fault the window is centred on: the first crash, pause or partition,
   * else the first fault of any kind; null when the scenario names the time
   * (outputs.messageDiagram.at).
   */
  fault: FaultEvent | null;
  /** The window's centre. */
  atUs: number;
  fromUs: number;
  toUs: number;
  /** Messages sent in the window; `messages` holds those drawn. */
  sent: number;
  /**
   * How the drawn messages were chosen when they are not all of them: the
   * first of each kind per pair of nodes (delivered and dropped apart) in
   * each slot of `everyUs`, slots counted from the centre; of those only the
   * `nearest` (when not null) closest to the centre. Null when every message
   * sent in the window is drawn.
   */
  sample: { everyUs: number; nearest: number | null } | null;
  /** True when the window ended before its planned end: even the sample grew too large to keep. */
  capped: boolean;
  nodes: string[];
  kinds: string[];
  messages: string[];
}

/**
 * What a run's brokers delivered, judged from the delivery log
 * (models/measure/delivery-log.ts) one message at a time. A topic is what
 * producers write to (named after its broker component); a stream is one way
 * of reading it judged on its own: a queue itself, a pub-sub subscription, a
 * log's consumer group. Topics and streams are in the order the run first
 * used them. The definitions are in reports/delivery/ and the README
 * ("Delivery checks").
 */
export interface DeliveryReport {
  topics: DeliveryTopicReport[];
}

export interface DeliveryTopicReport {
  name: string;
  /** Set by the topic's broker; null when no broker claimed the topic. */
  kind: TopicKind | null;
  /** Messages producers made. */
  produced: number;
  /** Produced messages the producer had an acknowledgement for: the ones the broker promised to keep. */
  acknowledged: number;
  /** Produced and never acknowledged: the producer gave up (`failed`: refused, retries spent) or never heard (`unanswered`: acks=0, in flight at the end). */
  unacknowledged: { failed: number; unanswered: number };
  /** Messages the broker appended at least once. */
  stored: number;
  /** Copies appended in all: more than `stored` when a producer's retry was appended again. */
  storedCopies: number;
  /** Messages appended more than once. */
  duplicateAppends: number;
  streams: DeliveryStreamReport[];
}

export interface DeliveryStreamReport {
  /** The queue's own name, the pub-sub subscription or the consumer group. */
  subscription: string;
  ordering: OrderingUnit;
  /** Messages delivered to a consumer at least once. */
  delivered: number;
  /**
   * Each produced message counts in exactly one of the next six, the first
   * that applies: `processed` + `deadLettered` + `expired` + `pendingAtEnd` +
   * `lost.total` + `unacknowledgedUnprocessed` = the topic's `produced`.
   * Processed: its effect was applied at least once.
   */
  processed: number;
  /** Moved to the dead-letter queue, its effect never applied. */
  deadLettered: number;
  /** Removed by the broker's retention before it was processed or dead-lettered: not a loss. */
  expired: number;
  /** Still waiting for this stream at the end (the broker would deliver it): unconsumed, not lost. */
  pendingAtEnd: number;
  /** Acknowledged, and this stream will never process it. */
  lost: LostMessages;
  /** Never acknowledged and never processed: the producer knew it might not arrive, so not a loss. */
  unacknowledgedUnprocessed: number;
  duplicates: DuplicateDeliveries;
  /** Messages first delivered after a later one of the same producer and ordering unit; null when the stream promises no order. */
  outOfOrder: { messages: number; unit: 'partition' | 'key' } | null;
  /** Per partition, offsets below the highest delivered one that were never delivered; null for queues and subscriptions. */
  skippedOffsets: { total: number; byPartition: number[] } | null;
  /** From a message's production to its first processing, over processed messages. */
  endToEndLatency: LatencySummary;
  lag: ConsumerLag;
  verdict: DeliveryVerdict;
}

/** Lost messages by why, each counted under the first cause that applies, in this order. */
export interface LostMessages {
  total: number;
  /** The broker never appended it (acknowledged all the same: acks=0 or a leader that crashed before writing). */
  neverStored: number;
  /** The broker appended it and then no longer held it: a truncated log suffix, a broker without a disk that crashed. */
  removedByBroker: number;
  /** A consumer got it and never applied its effect, and nothing will redeliver it (at-most-once). */
  deliveredNotProcessed: number;
  /** Held, never delivered, and not pending: passed over (a committed offset beyond it). */
  skipped: number;
}

export interface DuplicateDeliveries {
  /** Messages delivered more than once. */
  deliveredMoreThanOnce: number;
  /** Deliveries beyond each message's first. */
  redeliveries: number;
  /** Messages whose effect was applied more than once (repeated processing). */
  processedMoreThanOnce: number;
  /** Applications beyond each message's first. */
  extraEffects: number;
}

/**
 * The stream's backlog: at time t, the messages stored at or before t that
 * by t had been neither processed, dead-lettered nor removed by the broker.
 * A message the stream will never process (neither processed, dead-lettered,
 * removed nor pending at the end: lost, or never acknowledged) leaves it at
 * its first delivery, when the consumer took it, and never enters it when it
 * was never delivered, so the backlog at the end is what is still pending.
 */
export interface ConsumerLag {
  /** At the end of each window of `metrics.timeline` (after every event before the window's end; the last: the run's end), one entry a window. */
  timeline: number[];
  /** The most the backlog held at any moment (not only at window ends). */
  max: number;
  /** The first moment it held `max`; null when nothing was stored. */
  maxAtUs: number | null;
  /**
   * Its usual level before the peak: the median (the lower middle value) of
   * `timeline` over the windows that ended at or before `maxAtUs`, 0 when
   * none did; null with `maxAtUs`.
   */
  drainLevel: number | null;
  /** The first moment after `maxAtUs` at which the backlog was at or below `drainLevel`; null when it never was before the run ended. */
  drainedUs: number | null;
}

/** The delivery guarantees this stream kept over the run. */
export interface DeliveryVerdict {
  /** No effect was applied twice: `duplicates.extraEffects` is 0. */
  atMostOnce: boolean;
  /** No acknowledged message was lost: `lost.total` is 0. */
  atLeastOnce: boolean;
  /** Both. */
  effectivelyOnce: boolean;
}

/**
 * What a run's caches and databases saw, read off the cache log
 * (models/measure/cache-log.ts). Totals, ratios and rates are over the
 * measured windows: those of `metrics.timeline` that start at or after the
 * warm-up's end (`measuredFromUs`), so a cache filling from cold does not
 * pull its ratios down; the timelines cover every window, the warm-up
 * included, so charts show the fill. Components are in the order the run
 * first recorded them. The definitions are in reports/caches/cache-report.ts
 * and the README ("Caches").
 */
export interface CachesReport {
  /** The start of the first measured window: the warm-up's end, rounded up to a window. */
  measuredFromUs: number;
  caches: CacheComponentReport[];
  databases: DatabaseLoadReport[];
  /** Caches fed by independent requests with fixed popularity, against the closed-form theory; present when one is. */
  theory?: CacheTheoryCheck[];
  /** The CDN's tiers against Che's approximation tier by tier; present only for runs that theory describes. */
  cdnTheory?: CdnTheoryReport;
  /** Per kv-store: its key spread, resharding and per-shard load; present when the run had a kv-store. */
  sharding?: ShardingReport[];
  /** What a CDN's tiers took off the origin, over the measured windows; present when the run had CDN tiers. */
  cdn?: CdnOffloadReport;
}

/**
 * A CDN's tiers from the clients' side: client requests are the edges'
 * lookups; a tier's pass-through is what it sent behind it (fills) as a share
 * of them; the origin's offload is one minus the pass-through of the tier in
 * front of it (the highest tier present: shield, else regional, else edge).
 */
export interface CdnOffloadReport {
  clientRequests: number;
  clientBytes: number;
  /** Per tier component, edge first: the share of client requests and bytes that went past it. */
  tiers: {
    component: string;
    role: Exclude<CacheRole, 'cache'>;
    pastShare: number | null;
    pastByteShare: number | null;
  }[];
  originOffload: number | null;
  originByteOffload: number | null;
  /** Bytes the origin sent to fill the tier in front of it, per second (pushed content is in that tier's pushedBytes detail). */
  originEgressBytesPerSec: number | null;
}

/** One cache-like component (a cache tier, a CDN tier), summed over its nodes. */
export interface CacheComponentReport {
  component: string;
  role: CacheRole;
  /** Reads looked up in the cache (hits and misses); writes are not lookups. */
  lookups: number;
  hits: number;
  /** hits / lookups; null without a lookup. */
  hitRatio: number | null;
  bytesRequested: number;
  bytesHit: number;
  /** bytesHit / bytesRequested: the share of bytes served from the cache; null when no byte was requested. */
  byteHitRatio: number | null;
  /** Requests the cache sent to what is behind it (fills, write-throughs, flushes): its load on the next tier or the database. */
  backend: { requests: number; bytes: number; perSec: number | null; peakPerSec: number | null };
  /** Reads answered with a value older than the database's latest committed one; `staleReadRate` is per lookup. */
  staleReads: number;
  staleReadRate: number | null;
  evictions: number;
  expiries: number;
  /** The most entries and bytes held at once over the measured windows, summed over the nodes. */
  peakEntries: number;
  peakBytes: number;
  /** Entries and bytes held at the end of the run. */
  entriesAtEnd: number;
  bytesAtEnd: number;
  /** Writes the cache accepted, and those a crash lost before they reached the database (write-behind); over the whole run. */
  writes: number;
  lostWrites: number;
  /** Per key class (in the cache's order), the same ratios over the measured windows. */
  keyClasses: CacheKeyClassReport[];
  /** The model's own counters (coalesced, lockWaits, refreshes, purged…), over the whole run, in the order it added them. */
  details: Record<string, number>;
  timeline: CacheTimeline;
}

export interface CacheKeyClassReport {
  name: string;
  lookups: number;
  hits: number;
  hitRatio: number | null;
  bytesRequested: number;
  byteHitRatio: number | null;
}

/** Per window of `metrics.timeline`, one entry a window, the warm-up included. */
export interface CacheTimeline {
  lookups: number[];
  /** null in windows without a lookup. */
  hitRatio: (number | null)[];
  byteHitRatio: (number | null)[];
  backendRequests: number[];
  backendPerSec: number[];
  staleReads: number[];
  evictions: number[];
  expiries: number[];
  /** The most held at any moment of the window. */
  peakEntries: number[];
  peakBytes: number[];
}

/** The load a database (or a CDN's origin) served, from every caller. */
export interface DatabaseLoadReport {
  component: string;
  /** Over the measured windows. */
  reads: number;
  writes: number;
  /** (reads + writes) per second over the measured windows; null without one. */
  perSec: number | null;
  /** The busiest measured window's (reads + writes) per second, and its start; null without a measured window. */
  peakPerSec: number | null;
  peakAtUs: number | null;
  /** Per window of `metrics.timeline`, the warm-up included. */
  timeline: { reads: number[]; writes: number[]; perSec: number[] };
}

/**
 * One kv-store's sharding, read off the shard log (models/measure/shard-log.ts)
 * by reports/caches/sharding-report.ts: how its key space spreads over the
 * shards, the load each shard served, and what a reshard moved and cost.
 */
export interface ShardingReport {
  component: string;
  scheme: string;
  /** Nodes in the group: the shards, plus one idle until a reshard adds it. */
  nodes: number;
  /** The key space the spreads count: keys 1..keys, each once (uniform keys). */
  keys: number;
  /** Under the initial shard map, and under the one after the reshard (null without one). */
  before: ShardSpreadReport;
  after: ShardSpreadReport | null;
  reshard: ReshardReport | null;
  load: ShardLoadReport;
}

export interface ShardSpreadReport {
  /** The nodes (0-based) that are shards under this map. */
  shardNodes: number[];
  /** Keys of 1..keys per node (0 on a node that is not a shard), and each shard node's share of them. */
  keysPerShard: number[];
  shares: number[];
  /** Standard deviation over mean of the shard nodes' key counts. */
  keyShareCv: number;
  /** ring with equal weights: the expectation √((n−1)/(n·V+1)) (see models/sharding/key-spread.ts: when it holds); null for other schemes and for unequal weights. */
  expectedRingCv: number | null;
}

export interface ReshardReport {
  /** When the new map took effect, on the nodes' clocks. */
  atUs: number;
  /** Keys of 1..keys whose shard changed, and their share of the key space. */
  keysMoved: number;
  movedFraction: number;
  /** modulo: n/(n+1) adding a shard, (n−1)/n removing one; ring: 1/(n+1) adding, 1/n removing; null for range (it moves what the split gives away). */
  expectedMovedFraction: number | null;
  /** Copies sent between shards (written keys and deletions included, resends too) and their bytes. */
  keysCopied: number;
  bytesCopied: number;
  /** Copies sent again because the new owner had not acknowledged them within reshard.copyTimeout (lost on the way, or the owner was down). */
  copiesResent: number;
  /** True times the first shard started copying and the last copy was complete everywhere; null when it did not finish in the run. */
  migrationStartUs: number | null;
  migrationEndUs: number | null;
  durationUs: number | null;
  /** Reads of not-yet-copied keys forwarded to their old owner (forward) or read twice (double-read); writes applied at the old owner; requests that waited at a new owner for their copy. */
  readsForwarded: number;
  doubleReads: number;
  writesForwarded: number;
  requestsParked: number;
}

export interface ShardLoadReport {
  /** Operations each node served over the measured windows. */
  servedPerShard: number[];
  /** Max over mean of the operations served per shard (as measured, no formula), over the measured windows before the reshard (all of them without one) among the initial shards, and over those after the migration ended among the new shards; null without such a window. */
  imbalanceBefore: number | null;
  imbalanceAfter: number | null;
  /** Operations per second over all shards, in the measured windows before the reshard and in those the migration overlapped; null without such a window. */
  perSecBefore: number | null;
  perSecDuringMigration: number | null;
  /** Per node, operations per second in each window of `metrics.timeline`, the warm-up included. */
  timelinePerSec: number[][];
}

/**
 * A CDN's tiers against Che's approximation applied tier by tier
 * (reports/caches/cdn-theory.ts: cdnTheoryReport), beside the simulated
 * values of the cache section; only for runs the theory describes (Poisson
 * clients with fixed popularity, no TTL shorter than ten runs, no purges,
 * no faults, LRU or FIFO/random stores).
 */
export interface CdnTheoryReport {
  /** The method, and that it is an approximation for tiers above the first (a miss stream is not Poisson): print it with the table. */
  note: string;
  /** The origin component (a kv-store). */
  origin: string;
  tiers: CdnTierTheoryRow[];
  /** Shares of client requests and of bytes that never reach the origin; simulated: 1 − origin-facing fills / client-facing lookups. */
  originOffload: { theory: number; simulated: number | null };
  originByteOffload: { theory: number; simulated: number | null };
  /** Bytes per second the origin sends (its egress), in theory. */
  originBytesPerSec: number;
}

export interface CdnTierTheoryRow {
  component: string;
  tier: 'edge' | 'regional' | 'shield';
  /** "Che's approximation (LRU)" or "FIFO/random approximation". */
  method: string;
  /** True when the tier is fed by another tier's misses, so Poisson input is an approximation. */
  approximate: boolean;
  /** Requests per second arriving at the tier, summed over its PoPs, in theory. */
  requestRatePerSec: number;
  hitRatio: { theory: number; simulated: number | null };
  byteHitRatio: { theory: number; simulated: number | null };
}

/**
 * One cache against the closed-form theory of caches fed by independent
 * requests with fixed popularity (reports/caches/cache-theory-checks.ts:
 * cacheTheoryChecks): Che's approximation for LRU, the FIFO/random
 * approximation, perfect LFU's static top-C, the exact TTL formulas. A cache
 * fed that way whose store has no formula (lfu, s3-fifo, sieve, …) has
 * `method` null, its simulated values, and a note saying why.
 */
export interface CacheTheoryCheck {
  component: string;
  /** The store's eviction policy, or `ttl` for a TTL with no capacity. */
  policy: string;
  /** With a TTL: fixed at insertion or reset on hit; null without one. */
  ttlMode: 'fixed' | 'reset-on-hit' | null;
  /** "Che's approximation (LRU)", "FIFO/random approximation", "static top-C (perfect LFU)", "TTL fixed at insertion (exact)", "TTL reset on hit (exact)"…; null when there is none. */
  method: string | null;
  /** "no closed form: <why>" when `method` is null; how requests split over several nodes; null otherwise. */
  note: string | null;
  nodes: number;
  /** Keys 1..keys the workloads request, and their Zipf exponent (0: uniform; null when the workloads differ). */
  keys: number;
  zipf: number | null;
  /** Entries each node holds at most, as the formula counts them (capacity, or capacityBytes over the one object size); null without a limit. */
  capacity: number | null;
  ttlUs: number | null;
  /** Read requests per second reaching each node. */
  requestRatePerSec: number;
  /** T: LRU's time a key outlives its last request, FIFO/random's time an entry lives, the (mean) TTL; null for perfect LFU, without a formula, or when every key fits. */
  characteristicTimeUs: number | null;
  rows: CacheTheoryRow[];
}

export interface CacheTheoryRow {
  /** byte-hit-ratio only when object sizes differ (with equal sizes it is the hit ratio). */
  key: 'hit-ratio' | 'byte-hit-ratio';
  label: string;
  /** Over the windows after the warm-up; null without a lookup. */
  simulated: number | null;
  /** null without a formula. */
  theory: number | null;
  /** simulated − theory (absolute: both are fractions); null when either is missing. */
  difference: number | null;
}

/**
 * What a run's feed services did, read off the feed log
 * (models/measure/feed-log.ts) by reports/feed/feed-report.ts. Counts,
 * rates and delays are over the measured span: from the warm-up's end
 * (`measuredFromUs`, true time) to the end of the run, rates per simulated
 * second of it; the timelines cover every window of `metrics.timeline`, the
 * warm-up included. Services are in the order the run first recorded them.
 * The definitions are in the README ("Feeds").
 */
export interface FeedReport {
  measuredFromUs: number;
  /** The span every rate is over: from measuredFromUs to the end of the run. */
  measuredSeconds: number;
  services: FeedServiceReport[];
}

/** One feed-service component, summed over its nodes. */
export interface FeedServiceReport {
  component: string;
  strategy: FeedStrategy;
  /** The knobs its figures depend on, as the service ran. */
  settings: FeedSettingsReport;
  /** Posts stored, and per second. */
  posts: number;
  postsPerSec: number | null;
  /** Timeline writes made by fan-out on write, per second, and per post (the write amplification; null without a post). */
  timelineWrites: number;
  timelineWritesPerSec: number | null;
  writesPerPost: number | null;
  /** Timeline writes into users who never read (the wasted fan-out), and their share of all writes. */
  writesToInactive: number;
  inactiveWriteShare: number | null;
  /** Feed reads answered, per second; followee post lists fetched at read time (fan-out on read), per second and per read. */
  reads: number;
  readsPerSec: number | null;
  fetches: number;
  fetchesPerSec: number | null;
  fetchesPerRead: number | null;
  /** Posts on the pages reads returned, per read (at most the page size); null without a read. */
  itemsPerRead: number | null;
  /** Reads that rebuilt the reader's timeline by fetching every followee (active-push's inactive readers, timelines a crash lost), and reads answered before every fetch came back. */
  rebuilds: number;
  partialReads: number;
  /** The run's requests of operation `read` and `post`, as clients saw them; null without any, or when the run has several feed services (the operations are not told apart by service). */
  readLatency: LatencySummary | null;
  postLatency: LatencySummary | null;
  /** Post → visible in one follower's feed, one sample per (post, follower), for posts made after the warm-up. */
  visibility: LatencySummary;
  /** Celebrities' posts made after the warm-up, in time order, the first MAX_CELEBRITY_POSTS of them; `celebrityPostsLeftOut` more were made. */
  celebrityPosts: FeedCelebrityPost[];
  celebrityPostsLeftOut: number;
  /** Entries held in all timelines (each capped at timelineLength), the most at once over the run and at its end; bytes are entries × timelineEntryBytes. */
  timelines: { peakEntries: number; peakBytes: number; entriesAtEnd: number; bytesAtEnd: number };
  /** Timeline writes waiting in the fan-out queues: the time-weighted mean and the peak over the windows from the warm-up's end (to a window), and at the end of the run. */
  backlog: { mean: number | null; peak: number | null; atEnd: number };
  /** timelineWrites × costPerWrite + fetches × costPerFetch, per second. */
  costPerSec: number | null;
  theory: FeedTheoryReport;
  graph: FeedGraphReport;
  timeline: FeedTimeline;
}

export interface FeedSettingsReport {
  /** Hybrid: producers with at least this many followers are pulled; null when no count is enough (never pulled). */
  celebrityThreshold: number | null;
  /** Active-push: the window a reader must have read within to be pushed to. */
  activeWindowUs: number;
  costPerWrite: number;
  costPerFetch: number;
  timelineLength: number;
  timelineEntryBytes: number;
}

export interface FeedCelebrityPost {
  /** The author's user id and follower count. */
  author: number;
  followers: number;
  postedUs: number;
  /** From the post to when its last follower could see it; null when some follower could not by the end of the run. */
  lastVisibleAfterUs: number | null;
}

/** Per window of `metrics.timeline`, one entry a window, the warm-up included. */
export interface FeedTimeline {
  postsPerSec: number[];
  timelineWritesPerSec: number[];
  readsPerSec: number[];
  fetchesPerSec: number[];
  costPerSec: number[];
  /** Timeline writes queued for fan-out: time-weighted mean and peak in the window. */
  backlogMean: number[];
  backlogPeak: number[];
}

/**
 * Every strategy's analytic load and cost per second on the run's graph and
 * rates (reports/feed/feed-cost-theory.ts), and the run's own strategy's
 * simulated figures beside its analytic ones, each with the standard
 * deviation a run of this length has from Poisson noise.
 */
export interface FeedTheoryReport {
  /** The method and its assumptions, for a person to read with the table. */
  note: string;
  strategies: FeedStrategyCost[];
  /** The run's strategy: posts, reads, timeline writes, fetches and cost per second, analytic beside simulated. */
  rows: FeedTheoryRow[];
  /** Every row within ±3σ. */
  agrees: boolean;
  /** Ways the run departs from the theory's assumptions (faults, a warm-up shorter than the active window, a fan-out behind at the end); empty when none. */
  departures: string[];
}

export interface FeedStrategyCost {
  strategy: FeedStrategy;
  writesPerSec: number;
  fetchesPerSec: number;
  costPerSec: number;
}

export interface FeedTheoryRow {
  key: 'posts' | 'reads' | 'writes' | 'fetches' | 'cost';
  label: string;
  analytic: number;
  simulated: number;
  /** The standard deviation of the simulated per-second figure over the measured span (compound Poisson). */
  sigma: number;
  /** (simulated − analytic) / sigma; null when sigma is 0. */
  z: number | null;
  /** |z| ≤ 3 (equal, when sigma is 0). */
  agrees: boolean;
}

/** The follower graph the service ran on. */
export interface FeedGraphReport {
  users: number;
  /** Follows (edges), and per user (the mean out-degree). */
  edges: number;
  meanFollows: number;
  /** Users who never post or read. */
  inactiveUsers: number;
  /** The exponent α the graph was generated with; null for a graph loaded from a file. */
  requestedExponent: number | null;
  /** The discrete power law fitted to the in-degrees by maximum likelihood above x_min (Clauset, Shalizi and Newman); null when too few users have followers. */
  fit: FeedPowerLawFit | null;
  /** The most followers any user has. */
  maxFollowers: number;
  /** The scenario's celebrities, in its order: user id and follower count. */
  celebrities: { user: number; followers: number }[];
  /** The in-degree's complementary CDF, log-binned: [k, share of users with at least k followers], k ≥ 1. */
  followersCcdf: [followers: number, share: number][];
}

export interface FeedPowerLawFit {
  exponent: number;
  /** (α − 1) / √n: the maximum-likelihood estimate's standard error. */
  standardError: number;
  xMin: number;
  /** Users with at least xMin followers, the fit's n, and their share of all users. */
  tailUsers: number;
  tailShare: number;
  /** The Kolmogorov–Smirnov distance between the tail and the fitted law. */
  ksDistance: number;
}

/**
 * What a run's chat system saw, read off the chat log
 * (models/measure/chat-log.ts) by reports/chat/chat-report.ts. Counts are
 * from the warm-up's end (`measuredFromUs`) to the end of the run, rates per
 * simulated second over that span; the timelines cover every window of
 * `metrics.timeline`, the warm-up included, so charts show the first
 * connects. The definitions are in the README ("Chat").
 */
export interface ChatReport {
  measuredFromUs: number;
  /** Each chat-clients workload and the protocol its devices speak, in the scenario's order. */
  workloads: { workload: string; protocol: string }[];
  /** Devices of every chat-clients workload together (users × devices per user). */
  devices: number;
  delivery: ChatDeliveryReport;
  messages: ChatMessagesReport;
  connections: ChatConnectionsReport;
  /** One per server crash that dropped devices, in time order. */
  outages: ChatOutageReport[];
  presence: {
    /** Presence changes delivered to contacts' devices, and per second. */
    updates: number;
    perSec: number | null;
    /** Users declared offline while the log still saw one of their devices connected. */
    falseOffline: number;
  };
  /** Push notifications for messages to users with no connected device. */
  pushNotifications: number;
  load: ChatServerLoadReport;
  /** Each workload's protocol figures in closed form beside the simulated ones (reports/chat/chat-protocol-theory.ts). */
  theory: ChatProtocolTheory[];
  timeline: ChatTimeline;
}

export interface ChatDeliveryReport {
  /** Send → hand-over in conversation order at each recipient device (held behind a gap until it fills), for messages sent after the warm-up. */
  latency: LatencySummary;
  /** The guide's target (100 ms), and the share of deliveries within it; null without a delivery. */
  targetUs: number;
  withinTarget: number | null;
  /** The latency CDF, as `metrics.latencyCdf`. */
  cdf: CdfPoint[];
}

export interface ChatMessagesReport {
  /** First attempts of sends (resends are not counted again). */
  sent: number;
  /** Sends the service acknowledged to the sender. */
  acknowledged: number;
  /** Hand-overs of a message at a recipient device (one message reaches every member device but the sending one). */
  deliveries: number;
  /** Acknowledged to the sender, then gone from the service. */
  lost: number;
  /** Arrivals of a message a device already had. */
  duplicates: number;
  /** Arrivals ahead of an earlier message of the same conversation the device still lacked. */
  outOfOrder: number;
  /** Stored messages that some device connected at the end still lacked then. */
  undeliveredAtEnd: number;
  /** Sends clients still held unacknowledged at the end (queued, or lost on the way). */
  pendingAtEnd: number;
  /** Conversations in the run, and how many had a duplicate, an out-of-order arrival, or messages undelivered at the end. */
  conversations: ChatConversationsReport;
}

/** Ordering is per conversation (its sequence numbers), so what went wrong is also counted by conversation. */
export interface ChatConversationsReport {
  total: number;
  withDuplicates: number;
  withOutOfOrder: number;
  withUndelivered: number;
}

export interface ChatConnectionsReport {
  /** Connection attempts (first connects and reconnects), refused by a server (full, admission limit), failed (timeout, dead server). */
  attempts: number;
  refused: number;
  failed: number;
  /** Connections established, and lost (crash, heartbeat timeout) or closed. */
  established: number;
  disconnections: number;
  /** Devices connected on average over the measured span, and at most at once; null without a measured window. */
  meanConnected: number | null;
  peakConnected: number;
  /** From the start of an attempt (its locate) to the session opening, every successful attempt of the run, the warm-up's included. */
  setupLatency: LatencySummary;
}

/**
 * A server crash seen from the clients: how many devices it dropped, how long
 * until the last of them was connected again, and the reconnect storm it
 * caused. The baseline is the mean connect attempts per second over the
 * measured windows before the crash's window; a window is calm when its
 * attempts are at most baseline × its length + 3 × √(that) + 1 (Poisson
 * noise around the baseline, and one stray attempt). The storm runs from the
 * first window, at or after the crash's, that is not calm to the end of the
 * last one that is not calm before the next crash (or the end of the run).
 * Its cause is the crashed server's downtime, [crash, restart): the storm
 * outlasted its cause when it went on after the server was back.
 */
export interface ChatOutageReport {
  /** The crashed server's node. */
  server: string;
  atUs: number;
  devicesDropped: number;
  /** When the last dropped device was connected again, and how long after the crash; null: not by the end of the run. */
  allReconnectedUs: number | null;
  reconnectUs: number | null;
  /** Dropped devices connected again by the end, and their mean time from the crash until they were; null when none was. */
  reconnected: number;
  meanReconnectUs: number | null;
  /** When the crashed server was restarted; null: it stayed down. */
  serverBackUs: number | null;
  /** null without a measured window before the crash (the threshold then assumes 0). */
  baselineAttemptsPerSec: number | null;
  /** The busiest window's connect attempts per second from the crash's window on (before the next crash). */
  peakAttemptsPerSec: number;
  /** The storm's first and last windows (start of the first, end of the last); null: every window was calm. */
  stormStartUs: number | null;
  stormEndUs: number | null;
  /** stormEndUs − atUs; 0 without a storm. */
  stormUs: number;
  /** Connect attempts during the storm, and refused ones. */
  stormAttempts: number;
  stormRefused: number;
  /** How long the storm went on after the server was back (0 if it ended before); null when the server stayed down. */
  afterServerBackUs: number | null;
  /** Whether the storm went on after the crashed server was back; false when it stayed down or there was no storm. */
  outlastedCause: boolean;
}

export interface ChatServerLoadReport {
  /** Requests and frames the chat servers handled, of every kind (handshakes, sends, polls, heartbeats, pushes, acks). */
  serverOperations: number;
  /** The share of the chat servers' workers busy over the whole run (their CPU: a request costs more than a frame); null without a chat server. */
  serverBusy: number | null;
  perSec: number | null;
  /** perSec over the mean connected devices: what one connected device costs the servers. */
  perConnectedDevicePerSec: number | null;
  /** Polls answered (short and long polling), those answered with nothing, and heartbeats received. */
  polls: number;
  emptyPolls: number;
  heartbeats: number;
  /** (emptyPolls + heartbeats) per connected device-second: the idle cost of the protocol. */
  idleRequestsPerDevicePerSec: number | null;
  /** polls per connected device-second; null without a poll. */
  pollsPerDevicePerSec: number | null;
  heartbeatsPerDevicePerSec: number | null;
}

/** Per window of `metrics.timeline`, one entry a window, the warm-up included. */
export interface ChatTimeline {
  connectAttempts: number[];
  connectAttemptsPerSec: number[];
  connectsRefused: number[];
  connectsFailed: number[];
  disconnections: number[];
  /** Devices connected: mean over the window, and most at once. */
  connectedMean: number[];
  connectedPeak: number[];
  messagesSent: number[];
  deliveries: number[];
  serverOperationsPerSec: number[];
  presenceUpdatesPerSec: number[];
}

/**
 * One chat-clients workload's protocol in closed form beside the simulation
 * (reports/chat/chat-protocol-theory.ts): idle requests per device per
 * second, the delay from a send to its delivery, and the round trips a
 * connection costs before its first message.
 */
export interface ChatProtocolTheory {
  workload: string;
  protocol: string;
  /** The settings the formulas read (µs); null where the protocol does not use one. */
  pollIntervalUs: number | null;
  pollTimeoutUs: number | null;
  heartbeatIntervalUs: number | null;
  setupRoundTrips: number;
  /** Mean one-way transit client ↔ chat server and chat server ↔ store, from the topology's round trips. */
  clientOneWayUs: number;
  serverOneWayUs: number;
  rows: ChatTheoryRow[];
}

export interface ChatTheoryRow {
  key: 'idle-requests' | 'delivery-delay' | 'connect-setup';
  label: string;
  unit: 'perSec' | 'us';
  /** The formula, in words and symbols, with its values. */
  formula: string;
  theory: number;
  /** null where the run measured no such figure. */
  simulated: number | null;
  /** (simulated − theory) / theory; null when either is missing or theory is 0. */
  relativeDifference: number | null;
}
