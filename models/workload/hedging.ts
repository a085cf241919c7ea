import { RecentPercentile } from './recent-percentile.js';

export interface HedgePolicy {
  /** A fixed delay; with `afterPercentile`, the delay used until `minSamples` latencies are seen (no hedging then when absent). */
  afterUs?: number;
  /** Hedge at this percentile of the latencies the client has observed. */
  afterPercentile?: number;
  /** Latencies to observe before the percentile is trusted. */
  minSamples: number;
  /** Most recent latencies the percentile is taken over. */
  window: number;
  /** Extra copies per attempt at most. */
  maxHedges: number;
}

/**
 * When an attempt that has not answered gets another copy: a fixed delay,
 * or a percentile of the latencies of this client's successful attempts
 * (from their first copy). Only successes count, so fast rejections do not
 * pull the delay down; the hedged attempts themselves are in it, which keeps
 * the share of hedged attempts near 100 − percentile, as intended.
 */
export class HedgeDelay {
  private readonly recent: RecentPercentile | null;

  constructor(readonly policy: HedgePolicy) {
    if (policy.afterUs === undefined && policy.afterPercentile === undefined)
      throw new RangeError('a hedge policy needs a fixed delay, a percentile, or both');
    if (!(Number.isInteger(policy.maxHedges) && policy.maxHedges >= 1))
      throw new RangeError(`maxHedges must be a whole number >= 1, got ${policy.maxHedges}`);
    this.recent =
      policy.afterPercentile === undefined ? null : new RecentPercentile(policy.afterPercentile, policy.window);
  }

  /** A successful attempt's latency, from its first copy. */
  record(latencyUs: number): void {
    this.recent?.record(latencyUs);
  }

  /** How long to wait before the next copy; -1 for no hedging (yet). */
  get delayUs(): number {
    const recent = this.recent;
    if (recent !== null && recent.count >= this.policy.minSamples) return recent.value;
    return this.policy.afterUs ?? -1;
  }
}
