import { describe, expect, it } from 'vitest';
import { RandomStream } from '../engine/index.js';
import { hurwitzZeta } from '../models/feed/social-graph-zeta.js';
import { complementaryCdfPoints, countValues } from '../reports/feed/degree-distribution.js';
import { fitPowerLaw, fittedComplementaryCdf } from '../reports/feed/power-law-fit.js';

/**
 * Samples of the discrete power law P(k) ∝ k^−α on xMin..largest, by
 * inversion over a table of plain sums (independent of the zeta the fit
 * uses). Cutting the law at 10^6 moves α by far less than the tests allow.
 */
function powerLawSamples(alpha: number, xMin: number, count: number, rng: RandomStream, largest = 1_000_000) {
  const cumulative = new Float64Array(largest - xMin + 1);
  let total = 0;
  for (let k = xMin; k <= largest; k++) cumulative[k - xMin] = total += Math.pow(k, -alpha);
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const target = rng.nextDouble() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] > target) high = middle;
      else low = middle + 1;
    }
    samples[i] = xMin + low;
  }
  return samples;
}

describe('hurwitzZeta', () => {
  it('matches known values', () => {
    expect(hurwitzZeta(2, 1)).toBeCloseTo(Math.PI ** 2 / 6, 12);
    expect(hurwitzZeta(4, 1)).toBeCloseTo(Math.PI ** 4 / 90, 12);
    expect(hurwitzZeta(2, 0.5)).toBeCloseTo(Math.PI ** 2 / 2, 12);
    expect(hurwitzZeta(3, 5)).toBeCloseTo(1.2020569031595942 - 1 - 1 / 8 - 1 / 27 - 1 / 64, 12);
    // ζ(1.05) from tables; near s = 1 the value is large and the integral term carries it.
    expect(hurwitzZeta(1.05, 1)).toBeCloseTo(20.5808, 3);
  });
});

describe('fitPowerLaw', () => {
  it.each([2.0, 2.5, 3.0])('recovers α = %s from discrete power-law samples', (alpha) => {
    const samples = powerLawSamples(alpha, 1, 20_000, new RandomStream(`power-law ${alpha}`));
    const fit = fitPowerLaw(countValues(samples))!;
    // Four standard errors: the exact discrete MLE has no bias to speak of at x_min = 1.
    expect(Math.abs(fit.exponent - alpha)).toBeLessThan(4 * fit.standardError);
    expect(fit.standardError).toBeCloseTo((fit.exponent - 1) / Math.sqrt(fit.tailUsers), 12);
    expect(fit.xMin).toBeLessThanOrEqual(3);
  });

  it('finds where the power law starts above a body that is not one', () => {
    const rng = new RandomStream('body and tail');
    const tail = powerLawSamples(2.4, 10, 12_000, rng);
    const body = Array.from({ length: 8_000 }, () => 1 + rng.int(9));
    const counts = countValues([...body, ...tail]);
    const fit = fitPowerLaw(counts)!;
    expect(fit.xMin).toBeGreaterThanOrEqual(9);
    expect(fit.xMin).toBeLessThanOrEqual(14);
    expect(Math.abs(fit.exponent - 2.4)).toBeLessThan(4 * fit.standardError);
    expect(fit.tailShare).toBeCloseTo(fit.tailUsers / 20_000, 12);
    expect(fittedComplementaryCdf(fit, fit.xMin)).toBeCloseTo(fit.tailShare, 12);
    expect(fit.ksDistance).toBeLessThan(0.02);
  });

  it('has nothing to fit without enough users above zero or with one value only', () => {
    expect(fitPowerLaw(countValues([0, 0, 1, 2, 3]))).toBeNull();
    expect(fitPowerLaw(countValues(new Array(500).fill(4)))).toBeNull();
    expect(fitPowerLaw(countValues([]))).toBeNull();
  });
});

describe('complementaryCdfPoints', () => {
  it('gives P(K ≥ k) over every user, on a log grid ending at the largest value', () => {
    expect(complementaryCdfPoints(countValues([0, 1, 1, 2, 5]))).toEqual([
      [1, 4 / 5],
      [2, 2 / 5],
      [3, 1 / 5],
      [4, 1 / 5],
      [5, 1 / 5],
    ]);
    const points = complementaryCdfPoints(countValues(powerLawSamples(2.3, 1, 5_000, new RandomStream('grid'))));
    expect(points[0]).toEqual([1, 1]);
    for (let i = 1; i < points.length; i++) {
      expect(points[i][0]).toBeGreaterThan(points[i - 1][0]);
      expect(points[i][1]).toBeLessThanOrEqual(points[i - 1][1]);
      expect(points[i][1]).toBeGreaterThan(0);
    }
    // About ten points a decade.
    const decades = Math.log10(points[points.length - 1][0]);
    expect(points.length).toBeLessThan(10 * decades + 8);
    expect(complementaryCdfPoints(countValues([0, 0]))).toEqual([]);
  });
});
