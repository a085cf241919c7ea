import * as hdr from 'hdr-histogram-js';
import type { CdfPoint, LatencySummary } from './outcomes.js';

/**
 * Latencies in an HDR histogram: three significant digits (quantile error
 * under 0.1%) in memory that depends on the range of values, not their count.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    autoResize: true,
  });

  record(latencyUs: number): void {
    this.histogram.recordValue(latencyUs);
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileUs(percentile: number): number {
    return this.histogram.getValueAtPercentile(percentile);
  }

  reset(): void {
    this.histogram.reset();
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
    return {
      count: h.totalCount,
      meanUs: Math.round(h.mean),
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p95Us: h.getValueAtPercentile(95),
      p99Us: h.getValueAtPercentile(99),
      p999Us: h.getValueAtPercentile(99.9),
      maxUs: h.maxValue,
    };
  }

  /** The CDF at percentiles dense in the tail (…99, 99.1, …, 99.9, 99.91, …), one point per distinct latency. */
  cdf(): CdfPoint[] {
    if (this.histogram.totalCount === 0) return [];
    const points: CdfPoint[] = [];
    for (const percentile of CDF_PERCENTILES) {
      const latency = this.histogram.getValueAtPercentile(percentile);
      const last = points[points.length - 1];
      if (last !== undefined && last[0] === latency) last[1] = percentile / 100;
      else points.push([latency, percentile / 100]);
    }
    return points;
  }
}

const CDF_PERCENTILES: number[] = [];
for (let p = 0; p < 99; p++) CDF_PERCENTILES.push(p);
for (let p = 990; p < 999; p++) CDF_PERCENTILES.push(p / 10);
for (let p = 9990; p < 9999; p++) CDF_PERCENTILES.push(p / 100);
CDF_PERCENTILES.push(99.999, 100);
