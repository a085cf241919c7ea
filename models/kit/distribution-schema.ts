import { z } from 'zod';
import { distribution, type DistributionSpec } from '../../engine/index.js';
import { durationUs, formatDurationUnit, positiveDurationUs, sizeBytes } from './units.js';

/**
 * A distribution of durations, as scenario files write it: a plain duration
 * (`5ms`, a constant) or `{ type: exponential, mean: 5ms }` and so on, or a
 * weighted mixture of those (`{ type: mixture, parts: [{ weight: 0.9,
 * distribution: 2ms }, ...] }`). Values come out in microseconds, the
 * engine's `DistributionSpec`. The checks here repeat the engine's in the
 * file's own units, so messages read `5ms`, not 5000.
 */
const percentilePoint = z.tuple([z.number().min(0).max(100), durationUs]);

const singleForms = [
  z.strictObject({ type: z.literal('constant'), value: durationUs }),
  z.strictObject({ type: z.literal('uniform'), min: durationUs, max: durationUs }).refine((u) => u.max >= u.min, {
    path: ['max'],
    error: (issue) => `max must be at least min (${formatDurationUnit((issue.input as { min: number }).min)})`,
  }),
  z.strictObject({ type: z.literal('exponential'), mean: positiveDurationUs }),
  z.strictObject({ type: z.literal('normal'), mean: durationUs, stddev: durationUs }),
  z.strictObject({ type: z.literal('lognormal'), median: positiveDurationUs, sigma: z.number().min(0) }),
  z.strictObject({ type: z.literal('pareto'), scale: positiveDurationUs, shape: z.number().positive() }),
  z
    .strictObject({ type: z.literal('empirical'), points: z.array(percentilePoint).min(2) })
    .superRefine(({ points }, ctx) => {
      const at = (i: number, j: 0 | 1, message: string) =>
        ctx.addIssue({ code: 'custom', path: ['points', i, j], message, input: points[i][j] });
      if (points[0][0] !== 0) at(0, 0, 'the first point is percentile 0 (the minimum)');
      if (points[points.length - 1][0] !== 100)
        at(points.length - 1, 0, 'the last point is percentile 100 (the maximum)');
      for (let i = 1; i < points.length; i++) {
        if (!(points[i][0] > points[i - 1][0]))
          at(i, 0, `percentiles must increase; the point before is at ${points[i - 1][0]}`);
        if (!(points[i][1] >= points[i - 1][1]))
          at(i, 1, `values must not decrease; the point before is ${formatDurationUnit(points[i - 1][1])}`);
      }
    }),
] as const;

const plainDuration = durationUs.transform((value): DistributionSpec => ({ type: 'constant', value }));
const TYPES = 'constant, uniform, exponential, normal, lognormal, pareto';

/** A mixture's part: any form but another mixture, which keeps the format (and its JSON schema) flat. */
const part = z.strictObject({
  weight: z.number().positive().describe('Relative weight; the weights are normalised by their sum.'),
  distribution: z.union([
    plainDuration,
    z.discriminatedUnion('type', singleForms, {
      error: (issue) =>
        (issue.input as { type?: unknown } | undefined)?.type === 'mixture'
          ? 'a part cannot be a mixture itself; list its parts in this mixture, weights multiplied'
          : `expected a duration like 5ms, or a distribution with type ${TYPES} or empirical`,
    }),
  ]),
});

const forms = z.discriminatedUnion(
  'type',
  [...singleForms, z.strictObject({ type: z.literal('mixture'), parts: z.array(part).min(2) })],
  { error: `expected a duration like 5ms, or a distribution with type ${TYPES}, empirical or mixture` },
);

export const durationDistribution = z
  .union([plainDuration, forms])
  .meta({ id: 'DurationDistribution' })
  .transform((spec, ctx) => {
    // The engine has the last word; this catches what the checks above do not repeat.
    try {
      distribution(spec as DistributionSpec);
    } catch (error) {
      ctx.issues.push({ code: 'custom', input: spec, message: (error as Error).message });
      return z.NEVER;
    }
    return spec as DistributionSpec;
  });

/**
 * A distribution of sizes in bytes, for object sizes: a plain size (`4KB`, a
 * constant) or `{ type: exponential, mean: 4KB }`, `uniform` (min, max),
 * `lognormal` (median, sigma), `pareto` (scale, shape: the heavy tail web
 * objects show) or `empirical` ([percentile, size] points). Values come out
 * in bytes as the engine's `DistributionSpec`.
 */
const positiveSizeBytes = sizeBytes.refine((bytes) => bytes > 0, 'a size must be above zero');
const sizePercentilePoint = z.tuple([z.number().min(0).max(100), sizeBytes]);
const sizeForms = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('constant'), value: sizeBytes }),
    z
      .strictObject({ type: z.literal('uniform'), min: sizeBytes, max: sizeBytes })
      .refine((u) => u.max >= u.min, { path: ['max'], message: 'max must be at least min' }),
    z.strictObject({ type: z.literal('exponential'), mean: positiveSizeBytes }),
    z.strictObject({ type: z.literal('lognormal'), median: positiveSizeBytes, sigma: z.number().min(0) }),
    z.strictObject({ type: z.literal('pareto'), scale: positiveSizeBytes, shape: z.number().positive() }),
    z.strictObject({ type: z.literal('empirical'), points: z.array(sizePercentilePoint).min(2) }),
  ],
  {
    error:
      'expected a size like 4KB, or a distribution with type constant, uniform, exponential, lognormal, pareto or empirical',
  },
);

export const sizeDistribution = z
  .union([sizeBytes.transform((value): DistributionSpec => ({ type: 'constant', value })), sizeForms])
  .meta({ id: 'SizeDistribution' })
  .transform((spec, ctx) => {
    // The engine checks what the forms above do not (empirical points in order, and so on).
    try {
      distribution(spec as DistributionSpec);
    } catch (error) {
      ctx.issues.push({ code: 'custom', input: spec, message: (error as Error).message });
      return z.NEVER;
    }
    return spec as DistributionSpec;
  });
