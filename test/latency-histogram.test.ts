import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../models/measure/latency-histogram.js';

/** The reference: hdr-histogram-js recording every value itself, as LatencyHistogram did before its fast path. */
function reference(values: readonly number[]): hdr.Histogram {
  const h = hdr.build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    autoResize: true,
  });
  for (const v of values) h.recordValue(v);
  return h;
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];

function expectAgreement(fast: LatencyHistogram, ref: hdr.Histogram): void {
  expect(fast.count).toBe(ref.totalCount);
  for (const p of PERCENTILES) expect(fast.percentileUs(p)).toBe(ref.getValueAtPercentile(p));
  const s = fast.summary();
  expect(s.meanUs).toBe(Math.round(ref.mean));
  expect(s.maxUs).toBe(ref.maxValue);
  // The CDF is found in one pass; each point must be the library's own percentile.
  for (const [latencyUs, fraction] of fast.cdf()) {
    const percentile = Math.round(fraction * 1e5) / 1e3;
    expect(latencyUs, `at ${percentile}%`).toBe(ref.getValueAtPercentile(percentile));
  }
}

/** Latencies as runs produce them (whole microseconds, mostly small), plus large and fractional values. */
const latency = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.constantFrom(2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32),
  fc.maxSafeNat().map((v) => Math.floor(v / 2 ** 10)),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.constantFrom(0, 1, 1023, 1024, 2047, 2048, 2049, 4095, 4096),
);

describe('LatencyHistogram', () => {
  it('reports what hdr-histogram-js reports for the same values', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 300 }), (values) => {
        const fast = new LatencyHistogram();
        for (const v of values) fast.record(v);
        expectAgreement(fast, reference(values));
      }),
      { numRuns: 60 },
    );
  });

  it('agrees after adding histograms, resetting and recording again', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 100 }),
        fc.array(latency, { minLength: 1, maxLength: 100 }),
        fc.array(latency, { minLength: 1, maxLength: 100 }),
        (a, b, c) => {
          const first = new LatencyHistogram();
          const second = new LatencyHistogram();
          for (const v of a) first.record(v);
          for (const v of b) second.record(v);
          first.percentileUs(50); // a query in between must not go stale
          first.add(second);
          expectAgreement(first, reference([...a, ...b]));
          first.reset();
          expect(first.summary().count).toBe(0);
          for (const v of c) first.record(v);
          expectAgreement(first, reference(c));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses negative, infinite and NaN latencies', () => {
    const h = new LatencyHistogram();
    for (const bad of [-1, -0.5, Infinity, NaN]) expect(() => h.record(bad)).toThrow(RangeError);
    expect(h.count).toBe(0);
  });
});
