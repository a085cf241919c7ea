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
