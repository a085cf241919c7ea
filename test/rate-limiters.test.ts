import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FixedWindow,
  SlidingWindowCounter,
  SlidingWindowLog,
  TokenBucket,
  type Admission,
} from '../models/rate-limits/limiter-algorithms.js';
import { bundledReport } from './support/bundled-report.js';

const WINDOW = 1_000_000;
const LIMIT = 10;

/** Arrival patterns: bursts at arbitrary times (boundaries included), as sorted whole microseconds. */
const arrivals = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 5_000_000 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 50_000 }),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((bursts) =>
    bursts
      .flatMap(([start, count, spreadUs]) =>
        Array.from({ length: count }, (_, i) => start + Math.floor((i * spreadUs) / count)),
      )
      .sort((a, b) => a - b),
  );

function admitted(limiter: Admission, times: number[]): number[] {
  return times.filter((t) => limiter.admit(t));
}

/** The most admissions in any half-open span [t, t + window). */
function maxInSlidingWindow(times: number[], windowUs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= windowUs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function maxInAlignedWindow(times: number[], windowUs: number): number {
  const counts = new Map<number, number>();
  for (const t of times) counts.set(Math.floor(t / windowUs), (counts.get(Math.floor(t / windowUs)) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

describe('rate limiters, against their bounds in every window, under generated arrival patterns', () => {
  it('sliding log: never more than the limit in any window', () => {
    fc.assert(
      fc.property(arrivals, (times) => {
        expect(maxInSlidingWindow(admitted(new SlidingWindowLog(LIMIT, WINDOW), times), WINDOW)).toBeLessThanOrEqual(
          LIMIT,
        );
      }),
    );
  });

  it('fixed window: at most the limit per aligned window, but up to twice it across a boundary (and that happens)', () => {
    fc.assert(
      fc.property(arrivals, (times) => {
        const passed = admitted(new FixedWindow(LIMIT, WINDOW), times);
        expect(maxInAlignedWindow(passed, WINDOW)).toBeLessThanOrEqual(LIMIT);
        expect(maxInSlidingWindow(passed, WINDOW)).toBeLessThanOrEqual(2 * LIMIT);
      }),
    );
    const boundaryBurst = [
      ...Array.from({ length: 20 }, (_, i) => 990_000 + i),
      ...Array.from({ length: 20 }, (_, i) => 1_000_000 + i),
    ];
    expect(maxInSlidingWindow(admitted(new FixedWindow(LIMIT, WINDOW), boundaryBurst), WINDOW)).toBe(2 * LIMIT);
  });

  it('sliding counter: at most the limit per aligned window and twice it in any window', () => {
    fc.assert(
      fc.property(arrivals, (times) => {
        const passed = admitted(new SlidingWindowCounter(LIMIT, WINDOW), times);
        expect(maxInAlignedWindow(passed, WINDOW)).toBeLessThanOrEqual(LIMIT);
        expect(maxInSlidingWindow(passed, WINDOW)).toBeLessThanOrEqual(2 * LIMIT);
      }),
    );
  });

  it('token bucket: in any span T, at most burst + rate·T', () => {
    fc.assert(
      fc.property(
        arrivals,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 50 }),
        (times, burst, ratePerSec) => {
          const passed = admitted(new TokenBucket(ratePerSec, burst), times);
          for (let i = 0; i < passed.length; i++) {
            for (let j = i; j < passed.length; j++) {
              expect(j - i + 1).toBeLessThanOrEqual(burst + (ratePerSec * (passed[j] - passed[i])) / 1e6 + 1e-6);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('Retry-After is when the limiter would admit again', () => {
    fc.assert(
      fc.property(arrivals, (times) => {
        for (const make of [
          () => new FixedWindow(LIMIT, WINDOW),
          () => new SlidingWindowLog(LIMIT, WINDOW),
          () => new SlidingWindowCounter(LIMIT, WINDOW),
          () => new TokenBucket(10, 5),
        ]) {
          const limiter = make();
          for (const t of times) {
            if (limiter.admit(t)) continue;
            const wait = limiter.retryAfterUs(t);
            expect(wait).toBeGreaterThan(0);
            // A fresh copy fed the same history would admit at t + wait: check by replaying.
            const replay = make();
            for (const u of times) {
              if (u >= t) break;
              replay.admit(u);
            }
            expect(replay.admit(t + wait)).toBe(true);
            break;
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('the rate-limiters scenario', () => {
  it('a burst across the boundary: fixed window lets through twice its limit in 1 s, sliding log exactly its limit, leaky bucket its rate', async () => {
    const report = await bundledReport('rate-limiters');
    const most = (name: string) =>
      report.variants!.find((v) => v.name === name)!.metrics.components.find((c) => c.name === 'gateway')!.details!
        .maxForwardedPerWindow;
    expect(most('fixed-window')).toBeGreaterThan(180);
    expect(most('sliding-log')).toBe(100);
    expect(most('leaky-bucket')).toBeLessThanOrEqual(101);
    expect(most('token-bucket')).toBeLessThanOrEqual(120);
    const leaky = report.variants!.find((v) => v.name === 'leaky-bucket')!.metrics;
    const log = report.variants!.find((v) => v.name === 'sliding-log')!.metrics;
    // The leaky bucket queues rather than discards: fewer rejections, longer waits.
    expect(leaky.requests.errors.rejected).toBeLessThan(log.requests.errors.rejected);
    expect(leaky.latency.p99Us).toBeGreaterThan(log.latency.p99Us * 10);
  }, 60_000);
});
