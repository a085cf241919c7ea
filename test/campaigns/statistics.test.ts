import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanInterval, pairedDifference } from '../../campaigns/statistics.js';

/*
 * Reference figures from SciPy 1.17.1 (Python 3), computed independently of jstat:
 *   n, m, sd = len(x), np.mean(x), np.std(x, ddof=1)
 *   scipy.stats.t.interval(c, n - 1, loc=m, scale=sd / np.sqrt(n))
 * and for paired samples the same on np.array(b) - np.array(a)
 * (scipy.stats.ttest_rel(b, a) agrees on the sign and significance).
 */

/** jstat's t quantile agrees with SciPy's to about 1e-9 relative; a table of three decimals would be off by 1e-3. */
const close = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull();
  expect(actual!).toBeCloseTo(expected, 7);
};

describe('meanInterval', () => {
  it('matches SciPy for 1..5', () => {
    const r = meanInterval([1, 2, 3, 4, 5]);
    expect(r.n).toBe(5);
    close(r.mean, 3);
    close(r.sd, 1.5811388300841898);
    close(r.low, 1.0367568385224428);
    close(r.high, 4.963243161477557);
  });

  it('matches SciPy for ten latencies at 90, 95 and 99%', () => {
    const x = [12.5, 13.1, 11.8, 14.2, 12.9, 13.6, 12.2, 13.0, 12.7, 13.4];
    const at95 = meanInterval(x);
    close(at95.mean, 12.94);
    close(at95.sd, 0.6963396361610393);
    close(at95.low, 12.441868632371103);
    close(at95.high, 13.4381313676289);
    const at90 = meanInterval(x, 0.9);
    close(at90.low, 12.536344998844925);
    close(at90.high, 13.343655001155078);
    const at99 = meanInterval(x, 0.99);
    close(at99.low, 12.224379949578818);
    close(at99.high, 13.655620050421184);
  });

  it('matches SciPy for n = 2, where t has one degree of freedom', () => {
    const r = meanInterval([10, 14]);
    close(r.mean, 12);
    close(r.sd, 2.8284271247461903);
    close(r.low, -13.412409472349388);
    close(r.high, 37.41240947234939);
  });

  it('gives a mean but no spread or interval for one value', () => {
    expect(meanInterval([7.5])).toEqual({ n: 1, mean: 7.5, sd: null, low: null, high: null });
  });

  it('gives nothing for no values', () => {
    expect(meanInterval([])).toEqual({ n: 0, mean: null, sd: null, low: null, high: null });
    expect(meanInterval([null, null])).toEqual({ n: 0, mean: null, sd: null, low: null, high: null });
  });

  it('skips nulls and counts only the values', () => {
    expect(meanInterval([1, null, 2, 3, null, 4, 5])).toEqual(meanInterval([1, 2, 3, 4, 5]));
    expect(meanInterval([null, 7.5, null])).toEqual({ n: 1, mean: 7.5, sd: null, low: null, high: null });
  });

  it('collapses the interval to the value when every value is equal, without rounding error', () => {
    expect(meanInterval([0.1, 0.1, 0.1])).toEqual({ n: 3, mean: 0.1, sd: 0, low: 0.1, high: 0.1 });
    expect(meanInterval(Array(30).fill(0.7))).toEqual({ n: 30, mean: 0.7, sd: 0, low: 0.7, high: 0.7 });
  });

  it('refuses a confidence outside (0, 1) and values that are not finite', () => {
    expect(() => meanInterval([1, 2], 95)).toThrow(/confidence must be between 0 and 1/);
    expect(() => meanInterval([1, Number.NaN])).toThrow(/finite/);
  });

  it('always holds the mean inside [low, high], wider at a higher confidence', () => {
    const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(sample, (values) => {
        const at95 = meanInterval(values);
        const at99 = meanInterval(values, 0.99);
        const slack = 1e-9 * Math.max(1, ...values.map(Math.abs));
        expect(at95.low!).toBeLessThanOrEqual(at95.mean! + slack);
        expect(at95.high!).toBeGreaterThanOrEqual(at95.mean! - slack);
        expect(at99.low!).toBeLessThanOrEqual(at95.low! + slack);
        expect(at99.high!).toBeGreaterThanOrEqual(at95.high! - slack);
      }),
    );
  });
});

describe('pairedDifference', () => {
  const a = [0.91, 0.95, 0.93, 0.97, 0.92, 0.94];
  const b = [0.95, 0.96, 0.97, 0.99, 0.93, 0.98];

  it('matches SciPy for a difference whose interval excludes zero', () => {
    const d = pairedDifference(a, b);
    expect(d.n).toBe(6);
    close(d.mean, 0.026666666666666655);
    close(d.sd, 0.015055453054181593);
    close(d.low, 0.010866937656827641);
    close(d.high, 0.04246639567650567);
    expect(d.significant).toBe(true);
  });

  it('is b − a: swapping the sides negates it', () => {
    const d = pairedDifference(b, a);
    close(d.mean, -0.026666666666666655);
    close(d.low, -0.04246639567650567);
    close(d.high, -0.010866937656827641);
    expect(d.significant).toBe(true);
  });

  it('matches SciPy for a difference within the noise, not significant', () => {
    const d = pairedDifference([100, 120, 90, 110], [105, 115, 95, 108]);
    close(d.mean, 0.75);
    close(d.low, -7.298401882266072);
    close(d.high, 8.798401882266072);
    expect(d.significant).toBe(false);
  });

  it('drops a pair with a null on either side', () => {
    const d = pairedDifference([0.91, null, 0.93, 0.97, 0.92, 0.94], [0.95, 0.96, 0.97, 0.99, null, 0.98]);
    expect(d.n).toBe(4);
    close(d.mean, 0.034999999999999976);
    close(d.low, 0.01908776847358148);
    close(d.high, 0.05091223152641847);
  });

  it('is not significant when every difference is exactly zero', () => {
    expect(pairedDifference([3, 5, 8], [3, 5, 8])).toEqual({
      n: 3,
      mean: 0,
      sd: 0,
      low: 0,
      high: 0,
      significant: false,
    });
  });

  it('is significant when every seed differs by the same nonzero amount: there is no noise', () => {
    const d = pairedDifference([1, 2, 3], [3, 4, 5]);
    expect(d).toEqual({ n: 3, mean: 2, sd: 0, low: 2, high: 2, significant: true });
  });

  it('is never significant with fewer than two pairs', () => {
    expect(pairedDifference([1], [9])).toEqual({
      n: 1,
      mean: 8,
      sd: null,
      low: null,
      high: null,
      significant: false,
    });
    expect(pairedDifference([null, 2], [1, null]).n).toBe(0);
  });

  it('refuses samples that do not align', () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/align seed by seed/);
  });
});
