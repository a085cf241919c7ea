import type { RandomStream } from './random-stream.js';

/**
 * Lognormal: ln X ~ Normal(mu, sigma). Give either `mu` (the mean of ln X, the
 * textbook parameter) or `median` (= e^mu, what one reads off a latency
 * histogram), never both.
 */
export type LognormalSpec =
  | { readonly type: 'lognormal'; readonly mu: number; readonly sigma: number; readonly median?: never }
  | { readonly type: 'lognormal'; readonly median: number; readonly sigma: number; readonly mu?: never };

/** A [percentile in 0..100, value] row of an empirical table. */
export type PercentilePoint = readonly [percentile: number, value: number];

export type DistributionSpec =
  | { readonly type: 'constant'; readonly value: number }
  | { readonly type: 'uniform'; readonly min: number; readonly max: number }
  | { readonly type: 'exponential'; readonly mean: number }
  | { readonly type: 'normal'; readonly mean: number; readonly stddev: number }
  | LognormalSpec
  /** Pareto type I: `scale` is x_m, the minimum value; `shape` is alpha. */
  | { readonly type: 'pareto'; readonly scale: number; readonly shape: number }
  /**
   * Inverse CDF interpolated linearly between percentile points, e.g.
   * [[0, 1000], [50, 2000], [99, 10000], [100, 50000]]. Percentiles strictly
   * increase from exactly 0 to exactly 100; values never decrease.
   */
  | { readonly type: 'empirical'; readonly points: readonly PercentilePoint[] }
  | MixtureSpec;

/**
 * With probability weight / (sum of weights), a draw from that part's
 * distribution: how latency tails are usually fitted (say 90% exponential, 10%
 * Pareto). Positive weights, at least 2 parts. A part may itself be a
 * mixture, nested at most 4 deep.
 */
export interface MixtureSpec {
  readonly type: 'mixture';
  readonly parts: readonly { readonly weight: number; readonly distribution: DistributionSpec }[];
}

export interface Distribution {
  /** One variate. Allocates nothing; consumes a fixed number of draws per type. */
  sample(rng: RandomStream): number;
  /** Analytic mean; Infinity where it does not exist. */
  readonly mean: number;
  /** Analytic variance; Infinity where it does not exist. */
  readonly variance: number;
  /** Smallest value `sample` can return (-Infinity for the normal). */
  readonly min: number;
  /** Random draws one `sample` consumes, always the same number, so a stream's later draws never depend on the values. */
  readonly draws: number;
  readonly spec: DistributionSpec;
}

type SpecOf<T extends DistributionSpec['type']> = Extract<DistributionSpec, { type: T }>;

const TWO_PI = 2 * Math.PI;

/** Validates `spec` (RangeError naming the bad parameter) and builds its sampler. */
export function distribution(spec: DistributionSpec): Distribution {
  return build(spec, 0);
}

/** Mixtures may nest this deep; the bound also stops a spec that contains itself. */
const MAX_MIXTURE_NESTING = 4;

function build(spec: DistributionSpec, nesting: number): Distribution {
  // Specs often come from parsed scenario files, so the type is not trusted.
  const type: unknown = (spec as { type?: unknown } | null)?.type;
  switch (type) {
    case 'constant':
      return new ConstantDistribution(spec as SpecOf<'constant'>);
    case 'uniform':
      return new UniformDistribution(spec as SpecOf<'uniform'>);
    case 'exponential':
      return new ExponentialDistribution(spec as SpecOf<'exponential'>);
    case 'normal':
      return new NormalDistribution(spec as SpecOf<'normal'>);
    case 'lognormal':
      return new LognormalDistribution(spec as LognormalSpec);
    case 'pareto':
      return new ParetoDistribution(spec as SpecOf<'pareto'>);
    case 'empirical':
      return new EmpiricalDistribution(spec as SpecOf<'empirical'>);
    case 'mixture':
      return new MixtureDistribution(spec as MixtureSpec, nesting);
    default:
      throw new RangeError(`unknown distribution type ${formatValue(type)}`);
  }
}

class ConstantDistribution implements Distribution {
  readonly mean: number;
  readonly variance = 0;
  readonly draws = 0;
  readonly min: number;

  constructor(readonly spec: SpecOf<'constant'>) {
    this.mean = this.min = finite('constant', 'value', spec.value);
  }

  /** Draws nothing. */
  sample(): number {
    return this.mean;
  }
}

class UniformDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min: number;
  readonly draws = 1;
  private readonly width: number;

  constructor(readonly spec: SpecOf<'uniform'>) {
    const min = finite('uniform', 'min', spec.min);
    const max = finite('uniform', 'max', spec.max);
    if (!(max >= min)) throw new RangeError(`uniform max must be >= min (${min}), got ${max}`);
    this.min = min;
    this.width = max - min;
    this.mean = min + this.width / 2;
    this.variance = (this.width * this.width) / 12;
  }

  sample(rng: RandomStream): number {
    return this.min + this.width * rng.next();
  }
}

class ExponentialDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min = 0;
  readonly draws = 1;

  constructor(readonly spec: SpecOf<'exponential'>) {
    this.mean = positive('exponential', 'mean', spec.mean);
    this.variance = this.mean * this.mean;
  }

  sample(rng: RandomStream): number {
    // 1 - u lies in (0, 1], so the logarithm is always finite.
    return -this.mean * Math.log(1 - rng.next());
  }
}

/**
 * Box–Muller, keeping the cosine branch only: caching the sine variate would
 * make the stream's state more than the PRNG state. Two draws.
 */
function standardNormal(rng: RandomStream): number {
  const radius = Math.sqrt(-2 * Math.log(1 - rng.next()));
  return radius * Math.cos(TWO_PI * rng.next());
}

class NormalDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min = -Infinity;
  readonly draws = 2;
  private readonly stddev: number;

  constructor(readonly spec: SpecOf<'normal'>) {
    this.mean = finite('normal', 'mean', spec.mean);
    this.stddev = nonNegative('normal', 'stddev', spec.stddev);
    this.variance = this.stddev * this.stddev;
  }

  sample(rng: RandomStream): number {
    return this.mean + this.stddev * standardNormal(rng);
  }
}

class LognormalDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min = 0;
  readonly draws = 2;
  private readonly mu: number;
  private readonly sigma: number;

  constructor(readonly spec: LognormalSpec) {
    const hasMu = spec.mu !== undefined;
    const hasMedian = spec.median !== undefined;
    if (hasMu === hasMedian) {
      throw new RangeError('lognormal needs exactly one of mu (mean of ln X) or median (= e^mu)');
    }
    this.mu = hasMu ? finite('lognormal', 'mu', spec.mu) : Math.log(positive('lognormal', 'median', spec.median));
    this.sigma = nonNegative('lognormal', 'sigma', spec.sigma);
    const sigmaSquared = this.sigma * this.sigma;
    this.mean = Math.exp(this.mu + sigmaSquared / 2);
    this.variance = Math.expm1(sigmaSquared) * Math.exp(2 * this.mu + sigmaSquared);
  }

  sample(rng: RandomStream): number {
    return Math.exp(this.mu + this.sigma * standardNormal(rng));
  }
}

class ParetoDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min: number;
  readonly draws = 1;
  private readonly negativeInverseShape: number;

  constructor(readonly spec: SpecOf<'pareto'>) {
    const scale = positive('pareto', 'scale', spec.scale);
    const shape = positive('pareto', 'shape', spec.shape);
    this.min = scale;
    this.negativeInverseShape = -1 / shape;
    this.mean = shape > 1 ? (shape * scale) / (shape - 1) : Infinity;
    this.variance = shape > 2 ? (scale * scale * shape) / ((shape - 1) * (shape - 1) * (shape - 2)) : Infinity;
  }

  sample(rng: RandomStream): number {
    return this.min * Math.pow(1 - rng.next(), this.negativeInverseShape);
  }
}

class EmpiricalDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min: number;
  readonly draws = 1;
  // Copied into typed arrays so later mutation of spec.points cannot change sampling.
  private readonly percentiles: Float64Array;
  private readonly values: Float64Array;
  /** Value gained per percentile point within segment i (from point i to i + 1). */
  private readonly slopes: Float64Array;

  constructor(readonly spec: SpecOf<'empirical'>) {
    const points: unknown = spec.points;
    if (!Array.isArray(points) || points.length < 2) {
      throw new RangeError(
        `empirical points must be an array of at least 2 [percentile, value] pairs, got ${formatValue(points)}`,
      );
    }
    const count = points.length;
    this.percentiles = new Float64Array(count);
    this.values = new Float64Array(count);
    this.slopes = new Float64Array(count - 1);
    for (let i = 0; i < count; i++) {
      const point: unknown = points[i];
      if (!Array.isArray(point) || point.length !== 2) {
        throw new RangeError(`empirical points[${i}] must be a [percentile, value] pair, got ${formatValue(point)}`);
      }
      const percentile = finite('empirical', `points[${i}] percentile`, point[0]);
      const value = finite('empirical', `points[${i}] value`, point[1]);
      if (i === 0 && percentile !== 0) {
        throw new RangeError(`empirical points[0] percentile must be 0, got ${percentile}`);
      }
      if (i > 0 && !(percentile > this.percentiles[i - 1])) {
        throw new RangeError(
          `empirical points[${i}] percentile must be > the previous percentile (${this.percentiles[i - 1]}), got ${percentile}`,
        );
      }
      if (i > 0 && !(value >= this.values[i - 1])) {
        throw new RangeError(
          `empirical points[${i}] value must be >= the previous value (${this.values[i - 1]}), got ${value}`,
        );
      }
      this.percentiles[i] = percentile;
      this.values[i] = value;
    }
    const lastPercentile = this.percentiles[count - 1];
    if (lastPercentile !== 100) {
      throw new RangeError(`empirical points[${count - 1}] percentile must be 100, got ${lastPercentile}`);
    }

    // Each segment is a uniform distribution on [a, b] carrying (its percentile width)% of the mass.
    let mean = 0;
    for (let i = 0; i < count - 1; i++) {
      const width = this.percentiles[i + 1] - this.percentiles[i];
      this.slopes[i] = (this.values[i + 1] - this.values[i]) / width;
      mean += (width / 100) * ((this.values[i] + this.values[i + 1]) / 2);
    }
    // Law of total variance, which avoids the cancellation of E[X^2] - mean^2.
    let variance = 0;
    for (let i = 0; i < count - 1; i++) {
      const a = this.values[i];
      const b = this.values[i + 1];
      const offset = (a + b) / 2 - mean;
      variance +=
        ((this.percentiles[i + 1] - this.percentiles[i]) / 100) * (offset * offset + ((b - a) * (b - a)) / 12);
    }
    this.mean = mean;
    this.variance = variance;
    this.min = this.values[0];
  }

  sample(rng: RandomStream): number {
    const percentile = rng.next() * 100;
    const percentiles = this.percentiles;
    // Invariant: percentiles[low] <= percentile < percentiles[high].
    let low = 0;
    let high = percentiles.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (percentiles[middle] <= percentile) low = middle;
      else high = middle;
    }
    return this.values[low] + this.slopes[low] * (percentile - percentiles[low]);
  }
}

class MixtureDistribution implements Distribution {
  readonly mean: number;
  readonly variance: number;
  readonly min: number;
  readonly draws: number;
  private readonly parts: readonly Distribution[];
  /** Running sums of the normalised weights; the last is exactly 1. */
  private readonly cumulative: Float64Array;

  constructor(
    readonly spec: MixtureSpec,
    nesting: number,
  ) {
    if (nesting >= MAX_MIXTURE_NESTING) {
      throw new RangeError(
        `mixtures nest at most ${MAX_MIXTURE_NESTING} deep; flatten the inner ones, weights multiplied`,
      );
    }
    const parts: unknown = spec.parts;
    if (!Array.isArray(parts) || parts.length < 2) {
      throw new RangeError(
        `mixture parts must be an array of at least 2 { weight, distribution } parts, got ${formatValue(parts)}`,
      );
    }
    const weights = parts.map((part: unknown, i) => {
      if (typeof part !== 'object' || part === null) {
        throw new RangeError(`mixture parts[${i}] must be a { weight, distribution } part, got ${formatValue(part)}`);
      }
      return positive('mixture', `parts[${i}] weight`, (part as { weight?: unknown }).weight);
    });
    this.parts = parts.map((part: { distribution?: unknown }, i) => {
      try {
        return build(part.distribution as DistributionSpec, nesting + 1);
      } catch (error) {
        throw new RangeError(`mixture parts[${i}] distribution: ${(error as Error).message}`);
      }
    });
    const total = weights.reduce((sum, w) => sum + w, 0);
    if (!Number.isFinite(total)) throw new RangeError(`mixture weights must have a finite sum, got ${total}`);
    this.cumulative = new Float64Array(weights.length);
    let running = 0;
    weights.forEach((w, i) => (this.cumulative[i] = running += w / total));
    this.cumulative[weights.length - 1] = 1;

    const shares = weights.map((w) => w / total);
    this.min = this.parts.reduce((least, d) => Math.min(least, d.min), Infinity);
    // One draw chooses the part; every sample then spends the most any part needs.
    this.draws = 1 + this.parts.reduce((most, d) => Math.max(most, d.draws), 0);
    if (this.parts.some((d) => !Number.isFinite(d.mean))) {
      this.mean = this.variance = Infinity;
      return;
    }
    const mean = this.parts.reduce((sum, d, i) => sum + shares[i] * d.mean, 0);
    // Law of total variance: the parts' variances plus the spread of their means.
    this.mean = mean;
    this.variance = this.parts.reduce((sum, d, i) => sum + shares[i] * (d.variance + (d.mean - mean) ** 2), 0);
  }

  sample(rng: RandomStream): number {
    const u = rng.next();
    const cumulative = this.cumulative;
    let i = 0;
    while (u >= cumulative[i]) i++;
    const part = this.parts[i];
    const value = part.sample(rng);
    for (let unused = this.draws - 1 - part.draws; unused > 0; unused--) rng.next();
    return value;
  }
}

/**
 * Zipf ranks 1..n with P(k) proportional to k^-s, by rejection-inversion
 * (Hörmann & Derflinger 1996, as in Apache Commons RNG's
 * RejectionInversionZipfSampler): O(1) time and memory for any n, and the
 * expected number of iterations per sample is close to 1.
 *
 * It inverts the integral H of h(x) = x^-s over bins [k - 1/2, k + 1/2]; the
 * helpers keep H and its inverse accurate as s approaches 1, where the closed
 * forms (x^(1-s) - 1) / (1 - s) become 0/0.
 */
export class Zipf {
  readonly n: number;
  readonly s: number;
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  /** Candidates this close to the inverse need no rejection test. */
  private readonly squeeze: number;

  constructor(n: number, s: number) {
    if (!(Number.isSafeInteger(n) && n >= 1))
      throw new RangeError(`zipf n must be an integer >= 1, got ${formatValue(n)}`);
    if (!(typeof s === 'number' && Number.isFinite(s) && s >= 0)) {
      throw new RangeError(`zipf exponent s must be a finite number >= 0, got ${formatValue(s)}`);
    }
    this.n = n;
    this.s = s;
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.squeeze = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** A rank in 1..n. Uses 53-bit uniforms, so even the rarest of a billion ranks are reachable. */
  sample(rng: RandomStream): number {
    for (;;) {
      // Uniform in (hIntegralX1, hIntegralN].
      const u = this.hIntegralN + rng.nextDouble() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.squeeze || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  /** H(x) = (x^(1-s) - 1) / (1 - s), which is ln x at s = 1. */
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return expm1OverX((1 - this.s) * logX) * logX;
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  private hIntegralInverse(x: number): number {
    // Rounding can push t just below -1, outside log1p's domain.
    const t = Math.max(x * (1 - this.s), -1);
    return Math.exp(log1pOverX(t) * x);
  }
}

/** log1p(x) / x, continuous at 0 (limit 1) via its Taylor series. */
function log1pOverX(x: number): number {
  if (Math.abs(x) > 1e-8) return Math.log1p(x) / x;
  return 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** expm1(x) / x, continuous at 0 (limit 1) via its Taylor series. */
function expm1OverX(x: number): number {
  if (Math.abs(x) > 1e-8) return Math.expm1(x) / x;
  return 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}

function finite(distributionName: string, parameter: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${distributionName} ${parameter} must be a finite number, got ${formatValue(value)}`);
  }
  return value;
}

function positive(distributionName: string, parameter: string, value: unknown): number {
  const number = finite(distributionName, parameter, value);
  if (!(number > 0)) throw new RangeError(`${distributionName} ${parameter} must be > 0, got ${number}`);
  return number;
}

function nonNegative(distributionName: string, parameter: string, value: unknown): number {
  const number = finite(distributionName, parameter, value);
  if (!(number >= 0)) throw new RangeError(`${distributionName} ${parameter} must be >= 0, got ${number}`);
  return number;
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}
