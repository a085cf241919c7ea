import { z } from 'zod';
import { formatUnitQuantity, parseUnitQuantity } from '../../models/kit/unit-text.js';

/** A value a swept path takes: what `--set` would take for it. */
export type SweepValue = number | string | boolean | null;

const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** The most values one parameter may take; a finer grid is better split, or sampled with `times`. */
export const MAX_PARAMETER_VALUES = 1000;
/** The most runs a sweep may plan without `--yes`: at a tenth of a second a run, over a quarter of an hour on one core. */
export const MAX_SWEEP_RUNS = 10_000;
/** Replications when neither the file nor `--seeds` says. */
export const DEFAULT_SWEEP_SEEDS = 10;

const range = z
  .strictObject({
    from: z
      .union([z.number(), z.string()])
      .describe('The first value: a number, or a number with a unit (500/s, 10ms).'),
    to: z.union([z.number(), z.string()]).describe('The last value, included when the steps land on it.'),
    step: z.union([z.number(), z.string()]).optional().describe('Added each time; in a unit of the same kind.'),
    times: z.number().optional().describe('Multiplied each time (2 doubles): a geometric range.'),
  })
  .describe('A range of values: from, to, and either step or times.');

export const parameterValues = z.union([
  z
    .array(scalar)
    .min(1, 'give at least one value')
    .max(MAX_PARAMETER_VALUES, `a parameter takes at most ${MAX_PARAMETER_VALUES} values`),
  range,
]);

export const sweepSection = z
  .strictObject({
    seeds: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(DEFAULT_SWEEP_SEEDS)
      .describe(
        'Runs per configuration (replications), with seeds seed, seed+1, …: every configuration gets the same seeds (common random numbers).',
      ),
    parameters: z
      .record(z.string(), parameterValues)
      .default({})
      .describe(
        "Paths to vary, each with a list of values or a range ({ from: 500/s, to: 1500/s, step: 250/s }); crossed into a grid, applied after each variant's set.",
      ),
    baseline: z
      .string()
      .optional()
      .describe('The variant the others are compared with, seed by seed (default: the first variant).'),
  })
  .describe('`faultline sweep` runs every variant at every point of the parameter grid over several seeds.');

export type SweepSection = z.output<typeof sweepSection>;
export type ParameterValues = z.output<typeof parameterValues>;

/** The values a parameter takes, ranges expanded; or what is wrong with the range. */
export function expandParameterValues(values: ParameterValues): SweepValue[] | string {
  if (Array.isArray(values)) return values;
  const { from, to, step, times } = values;
  if ((step === undefined) === (times === undefined)) return 'a range takes either step or times (not both)';
  const ends = [from, to].map(quantity);
  const stepQuantity = step === undefined ? null : quantity(step);
  const parts = [...ends, ...(stepQuantity === null ? [] : [stepQuantity])];
  for (const [i, part] of parts.entries()) if (typeof part === 'string') return `${['from', 'to', 'step'][i]}: ${part}`;
  const [start, end] = ends as Quantity[];
  const increment = stepQuantity as Quantity | null;
  const kinds = new Set(parts.map((p) => (p as Quantity).kind));
  if (kinds.size > 1) return `from, to and step must be of one kind (${[...kinds].join(', ')} given)`;
  if (end.base < start.base) return `to (${to}) is below from (${from})`;
  const bases: number[] = [];
  const slack = 1e-9 * Math.max(Math.abs(start.base), Math.abs(end.base), 1);
  if (increment !== null) {
    if (!(increment.base > 0)) return 'step must be above zero';
    const count = Math.floor((end.base - start.base + slack) / increment.base) + 1;
    if (count > MAX_PARAMETER_VALUES)
      return `the range has ${count} values; a parameter takes at most ${MAX_PARAMETER_VALUES} (a larger step, or times, gives fewer)`;
    for (let i = 0; i < count; i++) bases.push(start.base + i * increment.base);
  } else {
    const factor = times as number;
    if (!(factor > 1) || !Number.isFinite(factor)) return 'times must be above 1';
    if (!(start.base > 0)) return 'a range with times starts above zero';
    for (let b = start.base; b <= end.base * (1 + 1e-9); b *= factor) {
      if (bases.length === MAX_PARAMETER_VALUES)
        return `the range has more than ${MAX_PARAMETER_VALUES} values; a parameter takes at most that many`;
      bases.push(b);
    }
  }
  return bases.map((b) =>
    start.unit === null
      ? Number(b.toPrecision(12))
      : formatUnitQuantity(start.kind as never, b, start.unit, start.scale),
  );
}

interface Quantity {
  kind: string;
  base: number;
  unit: string | null;
  scale: number;
}

function quantity(value: number | string): Quantity | string {
  if (typeof value === 'number')
    return Number.isFinite(value) ? { kind: 'number', base: value, unit: null, scale: 1 } : 'not a finite number';
  const parsed = parseUnitQuantity(value);
  if (parsed === null) return `"${value}" is not a number or a number with a unit (500/s, 10ms, 4KiB, 99%)`;
  return parsed;
}
