/**
 * Confidence intervals over seeds. Seeds are replications of one
 * configuration, so a metric's values are a sample: its mean gets a Student t
 * interval, and two configurations run on the same seeds (common random
 * numbers) are compared by the paired difference, seed by seed, which
 * cancels the noise the seeds share.
 */

// jstat is CommonJS without named exports Node can detect: only its default import works at run time.
import jstat from 'jstat';

/** A sample's mean with its t interval; nulls (runs without the figure) were skipped and `n` counts the rest. */
export interface MeanInterval {
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** The sample standard deviation (n − 1 in the denominator); null when n < 2. */
  sd: number | null;
  /** mean ∓ t·sd/√n; null when n < 2 (one value says nothing about the spread). */
  low: number | null;
  high: number | null;
}

/** A paired difference b − a with its interval; significant when the interval excludes zero. */
export interface PairedDifference extends MeanInterval {
  significant: boolean;
}

export const DEFAULT_CONFIDENCE = 0.95;

/** The mean of `values` (nulls skipped) with its Student t confidence interval. */
export function meanInterval(values: readonly (number | null)[], confidence = DEFAULT_CONFIDENCE): MeanInterval {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be between 0 and 1, not ${confidence}`);
  const sample = values.filter((v): v is number => v !== null);
  for (const v of sample) if (!Number.isFinite(v)) throw new RangeError(`cannot average ${v}: values must be finite`);
  const n = sample.length;
  if (n === 0) return { n, mean: null, sd: null, low: null, high: null };
  // Equal values give exactly that value and a zero spread, free of rounding in the sum.
  if (sample.every((v) => v === sample[0])) {
    const mean = sample[0];
    return n === 1 ? { n, mean, sd: null, low: null, high: null } : { n, mean, sd: 0, low: mean, high: mean };
  }
  const mean = meanOf(sample);
  if (n === 1) return { n, mean, sd: null, low: null, high: null };
  const sd = Math.sqrt(sample.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const halfWidth = (jstat.jStat.studentt.inv((1 + confidence) / 2, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, low: mean - halfWidth, high: mean + halfWidth };
}

/**
 * The mean of b − a over pairs aligned by index (by seed), with its t
 * interval. A pair with a null on either side is dropped. Significant when
 * the interval excludes zero: a difference of exactly zero on every seed is
 * not, the same nonzero difference on every seed is (no noise at all).
 */
export function pairedDifference(
  a: readonly (number | null)[],
  b: readonly (number | null)[],
  confidence = DEFAULT_CONFIDENCE,
): PairedDifference {
  if (a.length !== b.length)
    throw new RangeError(`paired samples must align seed by seed: ${a.length} values against ${b.length}`);
  const differences: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (x !== null && y !== null) differences.push(y - x);
  }
  const interval = meanInterval(differences, confidence);
  const significant = interval.low !== null && interval.high !== null && (interval.low > 0 || interval.high < 0);
  return { ...interval, significant };
}

/** The mean with one correction pass, so a long sample of near-equal values does not drift from them. */
function meanOf(sample: readonly number[]): number {
  const rough = sample.reduce((sum, v) => sum + v, 0) / sample.length;
  return rough + sample.reduce((sum, v) => sum + (v - rough), 0) / sample.length;
}
