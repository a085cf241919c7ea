import type { TimeUs } from '../engine/time.js';

/**
 * Outcome counters and latency moments for a set of clients. Deliberately
 * small: the full metrics layer (HDR percentiles, windows) is a report concern.
 */
export class RequestStats {
  sent = 0;
  completed = 0;
  failed = 0;
  timedOut = 0;
  latencySumUs = 0;
  latencySumSqUs = 0;
  maxLatencyUs = 0;
  /** Completions counted in the latency moments (after warm-up). */
  measured = 0;

  /** Completions before this true time are not measured (warm-up). */
  constructor(readonly measureFromUs: TimeUs = 0) {}

  recordLatency(sentUs: TimeUs, nowUs: TimeUs): void {
    this.completed++;
    if (sentUs < this.measureFromUs) return;
    const latency = nowUs - sentUs;
    this.measured++;
    this.latencySumUs += latency;
    this.latencySumSqUs += latency * latency;
    if (latency > this.maxLatencyUs) this.maxLatencyUs = latency;
  }

  get meanLatencyUs(): number {
    return this.measured === 0 ? NaN : this.latencySumUs / this.measured;
  }
}
