import type { ErrorCounts, ErrorKind } from './outcomes.js';
import { LatencyHistogram } from './latency-histogram.js';

export const ERROR_KINDS: readonly ErrorKind[] = ['timeout', 'rejected', 'dropped', 'unavailable'];

export interface MetricsOptions {
  windowUs: number;
  /** The run's planned length; sets the number of windows. */
  durationUs: number;
  /** A success within this counts as available. */
  availabilityThresholdUs: number;
  /** Requests sent before this (warm-up) are left out of totals and histograms. */
  measureFromUs: number;
}

/**
 * Counts for one reporting window, by the time requests finish. The traffic
 * counts include warm-up requests; `measuredFinished` and `measuredGood` only
 * requests sent after the warm-up, which availability is computed from.
 */
export interface WindowCounts {
  sent: number;
  succeeded: number;
  good: number;
  errors: ErrorCounts;
  /** Requests sent after the warm-up that finished (succeeded or failed) in the window. */
  measuredFinished: number;
  /** Of those, the ones that succeeded within the availability threshold. */
  measuredGood: number;
  p50Us: number | null;
  p99Us: number | null;
}

const emptyErrors = (): ErrorCounts => ({ timeout: 0, rejected: 0, dropped: 0, unavailable: 0 });

/** One operation's outcomes after warm-up (latency of its successes, counts of the rest). */
export class OperationMetrics {
  readonly latency = new LatencyHistogram();
  sent = 0;
  succeeded = 0;
  good = 0;
  readonly errors = emptyErrors();
}

/**
 * Client-side outcomes of every request: end-to-end latency overall and per
 * operation, errors by kind, and per-window counts and percentiles. Windows
 * close lazily as simulated time passes them, so only the open window keeps a
 * histogram.
 */
export class RequestMetrics {
  readonly byOperation = new Map<string, OperationMetrics>();
  sent = 0;
  /** Attempts beyond each request's first. */
  retries = 0;
  /** Extra copies sent by hedging (a second attempt while the first is still out). */
  hedges = 0;
  succeeded = 0;
  good = 0;
  readonly errors = emptyErrors();
  readonly windows: WindowCounts[] = [];
  private readonly windowLatency = new LatencyHistogram();
  private openWindow = 0;

  constructor(readonly options: MetricsOptions) {
    const count = Math.max(1, Math.ceil(options.durationUs / options.windowUs));
    for (let i = 0; i < count; i++) {
      this.windows.push({
        sent: 0,
        succeeded: 0,
        good: 0,
        errors: emptyErrors(),
        measuredFinished: 0,
        measuredGood: 0,
        p50Us: null,
        p99Us: null,
      });
    }
  }

  /**
   * Latency over every operation. Requests are recorded once, per operation,
   * and merged here when asked (at the end), which halves the hot-path cost.
   */
  get latency(): LatencyHistogram {
    const histograms = [...this.byOperation.values()].map((o) => o.latency);
    if (histograms.length === 1) return histograms[0];
    const all = new LatencyHistogram();
    for (const h of histograms) all.add(h);
    return all;
  }

  /** The metrics of an operation name; workloads look it up once and keep it. */
  operation(name: string): OperationMetrics {
    let o = this.byOperation.get(name);
    if (o === undefined) this.byOperation.set(name, (o = new OperationMetrics()));
    return o;
  }

  recordSent(operation: OperationMetrics, nowUs: number): void {
    this.window(nowUs).sent++;
    if (nowUs < this.options.measureFromUs) return;
    this.sent++;
    operation.sent++;
  }

  recordRetry(): void {
    this.retries++;
  }

  recordHedge(): void {
    this.hedges++;
  }

  recordSuccess(operation: OperationMetrics, sentUs: number, nowUs: number): void {
    const latency = nowUs - sentUs;
    const good = latency <= this.options.availabilityThresholdUs;
    const w = this.window(nowUs);
    w.succeeded++;
    if (good) w.good++;
    this.windowLatency.record(latency);
    if (sentUs < this.options.measureFromUs) return;
    w.measuredFinished++;
    this.succeeded++;
    operation.succeeded++;
    if (good) {
      w.measuredGood++;
      this.good++;
      operation.good++;
    }
    operation.latency.record(latency);
  }

  recordFailure(operation: OperationMetrics, kind: ErrorKind, sentUs: number, nowUs: number): void {
    const w = this.window(nowUs);
    w.errors[kind]++;
    if (sentUs < this.options.measureFromUs) return;
    w.measuredFinished++;
    this.errors[kind]++;
    operation.errors[kind]++;
  }

  /** Closes every window; call once at the end of the run. */
  finish(): void {
    this.closeWindowsBefore(this.windows.length);
  }

  private window(nowUs: number): WindowCounts {
    const index = Math.min(Math.floor(nowUs / this.options.windowUs), this.windows.length - 1);
    if (index !== this.openWindow) this.closeWindowsBefore(index);
    return this.windows[index];
  }

  private closeWindowsBefore(index: number): void {
    if (index <= this.openWindow) return;
    const open = this.windows[this.openWindow];
    if (this.windowLatency.count > 0) {
      open.p50Us = this.windowLatency.percentileUs(50);
      open.p99Us = this.windowLatency.percentileUs(99);
      this.windowLatency.reset();
    }
    this.openWindow = index;
  }
}
