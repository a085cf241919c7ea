import { createRequire } from 'node:module';
import type { Histogram } from 'hdr-histogram-js';
import type { CdfPoint, LatencySummary } from './outcomes.js';

/**
 * The HDR histogram's settings, as hdr-histogram-js's `build` would be asked for them (`bitBucketSize: 32`
 * is its Int32Histogram): three significant digits (quantile error under 0.1%) in memory that depends on
 * the range of values, not their count, resized as values come.
 */
const LOWEST_DISCERNIBLE_VALUE = 1;
/** The library's default; with autoResize it only sets the starting size. */
const HIGHEST_TRACKABLE_VALUE = 2;
const SIGNIFICANT_DIGITS = 3;

/**
 * The one histogram class those settings build, required without the package's index, which loads the
 * WebAssembly build, the log codecs and pako as well: 35-50 ms of every command's start. Required, not
 * imported: it is CommonJS, and Node and bundlers disagree on what a default import of it is.
 */
const { default: Int32Histogram } = createRequire(import.meta.url)('hdr-histogram-js/dist/Int32Histogram.js') as {
  default: new (lowestDiscernibleValue: number, highestTrackableValue: number, significantDigits: number) => Histogram;
};

/**
 * Its layout, for those settings: 2^11 sub-buckets of unit width in bucket 0,
 * then each bucket doubles the width and uses only its upper half of 2^10
 * sub-buckets (the lower half overlaps the bucket below).
 */
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 2 ** HALF_MAGNITUDE;
const INITIAL_COUNTS = 2 * HALF_COUNT;

/**
 * Where hdr-histogram-js counts `value` (its `countsArrayIndex`, same
 * formula). Integers below 2^31, every latency in practice, take the integer
 * path: the library's Math.log2 and division were most of what recording a
 * request's metrics cost.
 */
export function countsIndex(value: number): number {
  if ((value | 0) === value && value >= 0) {
    const bucket = Math.max(0, 31 - HALF_MAGNITUDE - Math.clz32(value));
    return (bucket << HALF_MAGNITUDE) + (value >>> bucket);
  }
  if (!(value >= 0 && value < Infinity)) throw new RangeError(`latency must be finite and >= 0, got ${value}`);
  const bucket = Math.max(Math.floor(Math.log2(value)) - HALF_MAGNITUDE, 0);
  return bucket * HALF_COUNT + Math.floor(value / 2 ** bucket);
}

/** The lowest value counted at `index` (hdr-histogram-js's `valueFromIndex`). */
function valueFromIndex(index: number): number {
  const bucket = Math.floor(index / HALF_COUNT) - 1;
  const sub = (index % HALF_COUNT) + HALF_COUNT;
  return bucket < 0 ? sub - HALF_COUNT : sub * 2 ** bucket;
}

/** Half the width of the values counted at `index`, rounded down: 0 in the unit-width buckets. */
function halfRange(index: number): number {
  const bucket = Math.floor(index / HALF_COUNT) - 1;
  return bucket <= 0 ? 0 : 2 ** (bucket - 1);
}

/** The highest value counted at `index` (the library's highestEquivalentValue of its lowest). */
function highestInIndex(index: number): number {
  const bucket = Math.floor(index / HALF_COUNT) - 1;
  return valueFromIndex(index) + (bucket <= 0 ? 0 : 2 ** bucket - 1);
}

/** How many counts a percentile reaches, as the library rounds it (up, but not past a 1-ulp error). */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  const ulp = 2 ** (Math.floor(Math.log2(fp)) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

/**
 * Latencies in an HDR histogram. Recording only counts into a typed array
 * laid out as hdr-histogram-js lays out its counts, and keeps the exact
 * maximum; queries go to an hdr-histogram-js histogram rebuilt from those
 * counts, so every percentile and maximum is the library's own; the mean
 * and the CDF's points are the library's formulas over the same counts,
 * computed here in one pass (a test holds them equal to the library's).
 */
export class LatencyHistogram {
  private counts = new Float64Array(INITIAL_COUNTS);
  private total = 0;
  private max = 0;
  /** The library's histogram of the same counts: null until a query needs it, and again after the next change. */
  private queried: Histogram | null = null;

  record(latencyUs: number): void {
    const index = countsIndex(latencyUs);
    if (index >= this.counts.length) this.grow(index);
    this.counts[index]++;
    this.total++;
    if (latencyUs > this.max) this.max = latencyUs;
    this.queried = null;
  }

  add(other: LatencyHistogram): void {
    if (other.counts.length > this.counts.length) this.grow(other.counts.length - 1);
    const counts = this.counts;
    const others = other.counts;
    for (let i = 0; i < others.length; i++) counts[i] += others[i];
    this.total += other.total;
    if (other.max > this.max) this.max = other.max;
    this.queried = null;
  }

  get count(): number {
    return this.total;
  }

  percentileUs(percentile: number): number {
    return this.histogram().getValueAtPercentile(percentile);
  }

  reset(): void {
    // Nothing is counted above the maximum's index.
    if (this.total > 0) this.counts.fill(0, 0, countsIndex(this.max) + 1);
    this.total = 0;
    this.max = 0;
    this.queried = null;
  }

  summary(): LatencySummary {
    if (this.total === 0) return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
    const h = this.histogram();
    return {
      count: h.totalCount,
      meanUs: Math.round(this.mean()),
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p95Us: h.getValueAtPercentile(95),
      p99Us: h.getValueAtPercentile(99),
      p999Us: h.getValueAtPercentile(99.9),
      maxUs: h.maxValue,
    };
  }

  /**
   * The CDF at percentiles dense in the tail (…99, 99.1, …, 99.9, 99.91, …),
   * one point per distinct latency: each the library's getValueAtPercentile,
   * found in one pass over the counts instead of one scan per percentile.
   */
  cdf(): CdfPoint[] {
    if (this.total === 0) return [];
    const points: CdfPoint[] = [];
    const counts = this.counts;
    const maxIndex = countsIndex(this.max);
    let index = 0;
    let cumulative = counts[0];
    for (const percentile of CDF_PERCENTILES) {
      const wanted = countAtPercentile(percentile, this.total);
      while (cumulative < wanted && index < maxIndex) cumulative += counts[++index];
      const latency = percentile === 0 ? valueFromIndex(index) : highestInIndex(index);
      const last = points[points.length - 1];
      if (last !== undefined && last[0] === latency) last[1] = percentile / 100;
      else points.push([latency, percentile / 100]);
    }
    return points;
  }

  /**
   * The library's mean (each count at the middle of its index's range, summed
   * in index order), without its iterator, which walked every sub-bucket
   * through several calls each and was most of what a report cost.
   */
  private mean(): number {
    const counts = this.counts;
    const maxIndex = countsIndex(this.max);
    let sum = 0;
    for (let i = 0; i <= maxIndex; i++) if (counts[i] !== 0) sum += (valueFromIndex(i) + halfRange(i)) * counts[i];
    return sum / this.total;
  }

  private histogram(): Histogram {
    if (this.queried !== null) return this.queried;
    const h = new Int32Histogram(LOWEST_DISCERNIBLE_VALUE, HIGHEST_TRACKABLE_VALUE, SIGNIFICANT_DIGITS);
    h.autoResize = true;
    const counts = this.counts;
    const maxIndex = countsIndex(this.max);
    for (let i = 0; i <= maxIndex; i++) {
      // The exact maximum stands for its own index, so the library's maxValue is exact too.
      if (counts[i] > 0) h.recordValueWithCount(i === maxIndex ? this.max : valueFromIndex(i), counts[i]);
    }
    return (this.queried = h);
  }

  private grow(index: number): void {
    let length = this.counts.length;
    while (length <= index) length *= 2;
    const counts = new Float64Array(length);
    counts.set(this.counts);
    this.counts = counts;
  }
}

const CDF_PERCENTILES: number[] = [];
for (let p = 0; p < 99; p++) CDF_PERCENTILES.push(p);
for (let p = 990; p < 999; p++) CDF_PERCENTILES.push(p / 10);
for (let p = 9990; p < 9999; p++) CDF_PERCENTILES.push(p / 100);
CDF_PERCENTILES.push(99.999, 100);
