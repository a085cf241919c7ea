import { hurwitzZeta } from './social-graph-zeta.js';

/**
 * How many followers an ordinary user gets: a discrete power law,
 * P(k) ∝ k^−α for k0 ≤ k ≤ most, with a second part that sets the mean.
 * The law on k ≥ k0 has mean
 *   m(k0) = Σ k^(1−α) / Σ k^−α = (ζ(α−1, k0) − ζ(α−1, most+1)) / (ζ(α, k0) − ζ(α, most+1)),
 * which rises with k0 in steps; for a mean between m(k0 − 1) and m(k0) a
 * user draws from the law on k ≥ k0 − 1 or on k ≥ k0 with the shares that
 * give that mean (from the law on k ≥ 1 or zero followers below m(1)). Both
 * parts are ∝ k^−α from k0 up, so the mixture is an exact discrete power law
 * there, and only k0 − 1 carries extra weight: a fit above x_min ≥ k0 sees
 * exactly α (a Poisson mixture, as in Chung–Lu, would bend the law at small k
 * and bias the fit up by a few hundredths).
 *
 * A count is found from which part and a level v in (0, 1], by inverting
 * the CCDF S(k) = P(K ≥ k) of the law on k ≥ k0 − 1: from a table for the
 * first TABLE values, by bisection with ζ beyond (rare: S there is
 * ~(TABLE/k0)^(1−α)).
 */
export class FollowerCountLaw {
  /** The share of users drawn from the upper part (the law on k ≥ low + 1). */
  readonly upperShare: number;
  /** The lower part's lowest value (0: the lower part is "no followers"). */
  private readonly low: number;
  private readonly alpha: number;
  private readonly most: number;
  /** ccdf[i] = S(base + i), decreasing from 1. */
  private readonly ccdf: Float64Array;
  private readonly base: number;
  private readonly zetaBase: number;
  private readonly zetaEnd: number;

  /** A law with exponent `alpha` > 2 and mean `mean`, for counts up to `most` (the users who could follow). */
  constructor(alpha: number, mean: number, most: number) {
    if (!(alpha > 2) || !(most >= 1) || !(mean >= 0))
      throw new RangeError(
        `a follower-count law needs alpha > 2, most ≥ 1 and mean ≥ 0; got ${alpha}, ${most}, ${mean}`,
      );
    this.alpha = alpha;
    this.most = most;
    const meanFrom = (k0: number) => lawMean(alpha, k0, most);
    // The smallest k0 whose law has a mean above the target; the mixture is with k0 − 1.
    let upper: number;
    if (mean >= most) upper = most;
    else {
      let lowK = 1;
      let highK = most;
      while (lowK < highK) {
        const middle = Math.floor((lowK + highK) / 2);
        if (meanFrom(middle) > mean) highK = middle;
        else lowK = middle + 1;
      }
      upper = lowK;
    }
    this.low = upper - 1;
    const upperMean = meanFrom(upper);
    const lowMean = this.low === 0 ? 0 : meanFrom(this.low);
    this.upperShare = upperMean === lowMean ? 1 : Math.min(1, Math.max(0, (mean - lowMean) / (upperMean - lowMean)));
    this.base = Math.max(1, this.low);
    this.zetaBase = hurwitzZeta(alpha, this.base);
    this.zetaEnd = hurwitzZeta(alpha, most + 1);
    const size = Math.min(most - this.base + 1, TABLE);
    this.ccdf = new Float64Array(size);
    const norm = this.zetaBase - this.zetaEnd;
    let zeta = this.zetaBase;
    for (let i = 0; i < size; i++) {
      this.ccdf[i] = (zeta - this.zetaEnd) / norm;
      zeta -= Math.pow(this.base + i, -alpha);
    }
    this.ccdf[0] = 1;
  }

  /**
   * The follower count at survival level v in (0, 1] of the upper part or
   * the lower one: the k with P(K ≥ k) ≥ v > P(K ≥ k + 1) within that part.
   * A uniform v gives a draw from the part; choosing the upper part with
   * probability upperShare gives a draw from the law.
   */
  at(upperPart: boolean, v: number): number {
    if (!upperPart && this.low === 0) return 0;
    // The law on k ≥ base + 1 is the law on k ≥ base conditioned on K > base: scale v into S(base + 1).
    return this.invert(upperPart && this.low > 0 ? v * this.ccdf[1] : v);
  }

  /** The largest k with S(k) ≥ v. */
  private invert(v: number): number {
    const { ccdf, base } = this;
    const last = ccdf.length - 1;
    if (ccdf[last] >= v) return this.invertBeyondTable(v, base + last);
    let low = 0;
    let high = last;
    // Invariant: S(base + low) ≥ v > S(base + high).
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (ccdf[middle] >= v) low = middle;
      else high = middle;
    }
    return base + low;
  }

  private invertBeyondTable(v: number, from: number): number {
    const survival = (k: number) => (hurwitzZeta(this.alpha, k) - this.zetaEnd) / (this.zetaBase - this.zetaEnd);
    let low = from;
    let high = this.most + 1;
    // Invariant: S(low) ≥ v, and high is past the answer (S(most + 1) = 0).
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (survival(middle) >= v) low = middle;
      else high = middle;
    }
    return low;
  }
}

const TABLE = 4096;

/** The mean of the law ∝ k^−α on k0..most: exact sums over short ranges, ζ differences over long ones. */
function lawMean(alpha: number, k0: number, most: number): number {
  if (most - k0 < TABLE) {
    let weight = 0;
    let moment = 0;
    for (let k = k0; k <= most; k++) {
      const p = Math.pow(k, -alpha);
      weight += p;
      moment += k * p;
    }
    return moment / weight;
  }
  return (
    (hurwitzZeta(alpha - 1, k0) - hurwitzZeta(alpha - 1, most + 1)) /
    (hurwitzZeta(alpha, k0) - hurwitzZeta(alpha, most + 1))
  );
}
