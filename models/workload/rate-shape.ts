import { z } from 'zod';
import { durationUs, ratePerSec } from '../kit/units.js';

/**
 * How an open-loop workload's arrival rate changes over (true) time. Arrivals
 * are drawn at the shape's peak rate and kept with probability rate(t)/peak
 * (thinning, Lewis & Shedler 1979), which gives an exact non-homogeneous
 * Poisson process.
 */
export type RateShape =
  | { type: 'constant' }
  /** From `rate` at `fromUs` linearly to `endRatePerSec` at `toUs`, then held. */
  | { type: 'ramp'; fromUs: number; toUs: number; endRatePerSec: number }
  /** `factor` times the rate from `atUs` for `forUs`. */
  | { type: 'spike'; atUs: number; forUs: number; factor: number }
  /** A sinusoid over `periodUs` whose peak is `peakToAverage` times `rate`, at `peakAtUs`; troughs clip at zero. */
  | { type: 'diurnal'; periodUs: number; peakToAverage: number; peakAtUs: number };

export function rateAt(shape: RateShape, baseRatePerSec: number, tUs: number): number {
  switch (shape.type) {
    case 'constant':
      return baseRatePerSec;
    case 'ramp': {
      if (tUs <= shape.fromUs) return baseRatePerSec;
      if (tUs >= shape.toUs) return shape.endRatePerSec;
      return (
        baseRatePerSec + ((shape.endRatePerSec - baseRatePerSec) * (tUs - shape.fromUs)) / (shape.toUs - shape.fromUs)
      );
    }
    case 'spike':
      return tUs >= shape.atUs && tUs < shape.atUs + shape.forUs ? baseRatePerSec * shape.factor : baseRatePerSec;
    case 'diurnal': {
      const phase = (2 * Math.PI * (tUs - shape.peakAtUs)) / shape.periodUs;
      return Math.max(0, baseRatePerSec * (1 + (shape.peakToAverage - 1) * Math.cos(phase)));
    }
  }
}

export function peakRate(shape: RateShape, baseRatePerSec: number): number {
  switch (shape.type) {
    case 'constant':
      return baseRatePerSec;
    case 'ramp':
      return Math.max(baseRatePerSec, shape.endRatePerSec);
    case 'spike':
      return baseRatePerSec * Math.max(1, shape.factor);
    case 'diurnal':
      return baseRatePerSec * shape.peakToAverage;
  }
}

/** A rate shape as scenario files write it. */
export const rateShapeParam = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant') }),
  z.strictObject({
    type: z.literal('ramp'),
    from: durationUs.describe('When the ramp starts (the rate is `rate` before).'),
    to: durationUs.describe('When it reaches `endRate` (held after).'),
    endRate: ratePerSec,
  }),
  z.strictObject({
    type: z.literal('spike'),
    at: durationUs,
    for: durationUs,
    factor: z.number().positive().describe('The rate is multiplied by this during the spike.'),
  }),
  z.strictObject({
    type: z.literal('diurnal'),
    period: durationUs.default(86_400_000_000).describe('One day by default.'),
    peakToAverage: z
      .number()
      .min(1)
      .default(2)
      .describe('Peak over average rate (the guide uses 2x and 2–3x); troughs clip at zero above 2.'),
    peakAt: durationUs.default(0).describe('When the peak is.'),
  }),
]);

/** The scenario's shape in µs and per-second units; undefined for a constant rate. */
export function rateShapeOf(s: z.output<typeof rateShapeParam> | undefined): RateShape | undefined {
  if (s === undefined || s.type === 'constant') return undefined;
  if (s.type === 'ramp') return { type: 'ramp', fromUs: s.from, toUs: s.to, endRatePerSec: s.endRate };
  if (s.type === 'spike') return { type: 'spike', atUs: s.at, forUs: s.for, factor: s.factor };
  return { type: 'diurnal', periodUs: s.period, peakToAverage: s.peakToAverage, peakAtUs: s.peakAt };
}
