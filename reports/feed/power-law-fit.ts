import { hurwitzZeta } from '../../models/feed/social-graph-zeta.js';
import type { FeedPowerLawFit } from '../report-types.js';
import type { DegreeCounts } from './degree-distribution.js';

/**
 * A discrete power law fitted to the tail of a degree distribution, after
 * Clauset, Shalizi and Newman ("Power-law distributions in empirical data",
 * SIAM Review 2009): for each candidate x_min, the exponent α maximizing the
 * likelihood of the values k ≥ x_min under P(k) = k^−α / ζ(α, x_min); the
 * x_min kept is the one whose fitted law is closest to the data above it in
 * Kolmogorov–Smirnov distance.
 *
 * The likelihood is maximized exactly, with the Hurwitz zeta computed
 * numerically, not by the closed-form approximation
 * α ≈ 1 + n / Σ ln(k / (x_min − ½)): that one is biased by a few hundredths
 * when x_min is below about 6, where a follower-count tail usually starts,
 * and the tests hold the generator to ±0.05.
 *
 * The fit is the report's FeedPowerLawFit (its fields are described there,
 * for follower counts; any other degree reads the same).
 */
export type PowerLawFit = FeedPowerLawFit;

/**
 * "α ± its standard error", rounded where the error's first digit falls (two
 * to four decimals): "2.30 ± 0.01" for a small graph, "2.3000 ± 0.0006" for
 * a million users, never "± 0.00".
 */
export function exponentText(fit: Pick<PowerLawFit, 'exponent' | 'standardError'>): string {
  const decimals = Math.min(4, Math.max(2, Math.ceil(-Math.log10(fit.standardError))));
  return `${fit.exponent.toFixed(decimals)} ± ${fit.standardError.toFixed(decimals)}`;
}

/** Candidate x_min values leave at least this many users above them, unless told otherwise: smaller tails fit noise. */
export const DEFAULT_MIN_TAIL_USERS = 50;

/**
 * The best power law for the values ≥ 1 in `counts` (zeros cannot be on a
 * power law), or null when fewer than `minTailUsers` users have a value ≥ 1
 * or they all share one value. Cost: for every distinct value as a
 * candidate, a one-dimensional maximization (about 50 zeta evaluations) and
 * a pass over the values above it, cut short once it cannot beat the best
 * so far: at worst quadratic in distinct values (a few thousand for a
 * million users' in-degrees).
 */
export function fitPowerLaw(counts: DegreeCounts, minTailUsers = DEFAULT_MIN_TAIL_USERS): PowerLawFit | null {
  const { values, users } = counts;
  let first = 0;
  while (first < values.length && values[first] < 1) first++;
  const distinct = values.length - first;
  if (distinct < 2) return null;
  // Suffix sums from the top: tailCount[i] users at values[i] or above, tailLogSum[i] Σ ln k over them.
  const tailCount = new Float64Array(values.length + 1);
  const tailLogSum = new Float64Array(values.length + 1);
  for (let i = values.length - 1; i >= first; i--) {
    tailCount[i] = tailCount[i + 1] + users[i];
    tailLogSum[i] = tailLogSum[i + 1] + users[i] * Math.log(values[i]);
  }
  if (tailCount[first] < minTailUsers) return null;
  let best: PowerLawFit | null = null;
  // The last distinct value alone cannot be fitted: its likelihood grows without end in α.
  for (let i = first; i < values.length - 1 && tailCount[i] >= minTailUsers; i++) {
    const xMin = values[i];
    const n = tailCount[i];
    const exponent = maximumLikelihoodExponent(xMin, n, tailLogSum[i]);
    const ksDistance = kolmogorovSmirnov(values, users, i, n, exponent, best?.ksDistance ?? Infinity);
    if (best === null || ksDistance < best.ksDistance)
      best = {
        exponent,
        standardError: (exponent - 1) / Math.sqrt(n),
        xMin,
        tailUsers: n,
        tailShare: n / counts.total,
        ksDistance,
      };
  }
  return best;
}

/**
 * P(K ≥ k) over all users under the fit, for k ≥ xMin: the tail's share
 * times ζ(α, k) / ζ(α, x_min). What a chart draws over the data's
 * complementary CDF.
 */
export function fittedComplementaryCdf(fit: PowerLawFit, k: number): number {
  return (fit.tailShare * hurwitzZeta(fit.exponent, k)) / hurwitzZeta(fit.exponent, fit.xMin);
}

const LOWEST_EXPONENT = 1.0001;
const HIGHEST_EXPONENT = 12;

/**
 * The α maximizing ln L(α) = −n ln ζ(α, x_min) − α Σ ln k, by golden-section
 * search (ln L is concave in α: the law is an exponential family in α).
 */
function maximumLikelihoodExponent(xMin: number, n: number, logSum: number): number {
  const negativeLogLikelihood = (alpha: number) => n * Math.log(hurwitzZeta(alpha, xMin)) + alpha * logSum;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = LOWEST_EXPONENT;
  let high = HIGHEST_EXPONENT;
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let fa = negativeLogLikelihood(a);
  let fb = negativeLogLikelihood(b);
  while (high - low > 1e-9) {
    if (fa < fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = negativeLogLikelihood(a);
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = negativeLogLikelihood(b);
    }
  }
  return (low + high) / 2;
}

/**
 * max over integers k ≥ x_min of |F_data(k) − F_fit(k)|, the CDFs of the
 * tail. Between two observed values F_data is flat and F_fit rises, so the
 * gap peaks at one end of each stretch: at an observed value k_j and just
 * before the next, k_{j+1} − 1. F_fit(k) = 1 − ζ(α, k+1) / ζ(α, x_min); the
 * zeta of consecutive integers steps by k^−α, and a long gap is computed
 * afresh. Stops once the gap reaches `enough` (the best candidate's): this
 * candidate cannot win then, and most stop early.
 */
function kolmogorovSmirnov(
  values: Float64Array,
  users: Float64Array,
  from: number,
  n: number,
  alpha: number,
  enough: number,
): number {
  const norm = hurwitzZeta(alpha, values[from]);
  let worst = 0;
  let below = 0;
  // zeta = ζ(α, values[j]) at the top of each step.
  let zeta = norm;
  for (let j = from; j < values.length; j++) {
    below += users[j];
    const dataCdf = below / n;
    const k = values[j];
    const atValue = 1 - (zeta - Math.pow(k, -alpha)) / norm;
    worst = Math.max(worst, Math.abs(dataCdf - atValue));
    if (j + 1 === values.length) break;
    const next = values[j + 1];
    zeta = next - k <= 16 ? stepZeta(zeta, alpha, k, next) : hurwitzZeta(alpha, next);
    const beforeNext = 1 - zeta / norm;
    worst = Math.max(worst, Math.abs(dataCdf - beforeNext));
    if (worst >= enough) break;
  }
  return worst;
}

/** ζ(α, to) from ζ(α, from): subtract k^−α for k = from..to−1. */
function stepZeta(zeta: number, alpha: number, from: number, to: number): number {
  for (let k = from; k < to; k++) zeta -= Math.pow(k, -alpha);
  return zeta;
}
