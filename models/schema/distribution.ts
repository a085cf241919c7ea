import { z } from 'zod';
import { distribution, type DistributionSpec } from '../../engine/distribution.js';
import { durationUs } from './units.js';

/**
 * A distribution of durations, as scenario files write it: a plain duration
 * (`5ms`, a constant) or `{ type: exponential, mean: 5ms }` and so on. Values
 * come out in microseconds, the engine's `DistributionSpec`.
 */
const percentilePoint = z.tuple([z.number().min(0).max(100), durationUs]);

const forms = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('constant'), value: durationUs }),
    z.strictObject({ type: z.literal('uniform'), min: durationUs, max: durationUs }),
    z.strictObject({ type: z.literal('exponential'), mean: durationUs }),
    z.strictObject({ type: z.literal('normal'), mean: durationUs, stddev: durationUs }),
    z.strictObject({ type: z.literal('lognormal'), median: durationUs, sigma: z.number().positive() }),
    z.strictObject({ type: z.literal('pareto'), scale: durationUs, shape: z.number().positive() }),
    z.strictObject({ type: z.literal('empirical'), points: z.array(percentilePoint).min(2) }),
  ],
  { error: 'expected a duration like 5ms, or a distribution with type constant, uniform, exponential, normal, lognormal, pareto or empirical' },
);

export const durationDistribution = z
  .union([durationUs.transform((value): DistributionSpec => ({ type: 'constant', value })), forms])
  .transform((spec, ctx) => {
    try {
      distribution(spec as DistributionSpec);
    } catch (error) {
      ctx.issues.push({ code: 'custom', input: spec, message: (error as Error).message });
      return z.NEVER;
    }
    return spec as DistributionSpec;
  });
