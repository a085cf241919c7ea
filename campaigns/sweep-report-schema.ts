/**
 * sweep.json as zod checks it: exactly the shape of SweepReport in
 * campaigns/sweep-report.ts (strict objects: an unknown key is an error).
 * The compiler holds the two to each other (`SchemaMatchesTypes` below), so
 * a field added to one and not the other fails the typecheck.
 */

import { z } from 'zod';
import { SWEEP_FORMAT_VERSION, type SweepReport } from './sweep-report.js';

const obj = z.strictObject;
const num = z.number();
const nullableNum = num.nullable();
const count = z.number().int().min(0);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');
const parameterValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

const interval = obj({ n: count, mean: nullableNum, sd: nullableNum, low: nullableNum, high: nullableNum });

export const sweepReportSchema = obj({
  format: z.literal(SWEEP_FORMAT_VERSION),
  kind: z.literal('faultline-sweep'),
  faultlineVersion: z.string(),
  scenario: obj({ name: z.string(), description: z.string() }),
  campaignKey: sha256Hex,
  seeds: z.array(z.number().int()),
  parameters: z.array(
    obj({
      path: z.string(),
      label: z.string(),
      values: z.array(parameterValue),
      numeric: obj({
        values: z.array(num),
        unit: z.enum(['us', 'per-sec', 'bytes', 'bits-per-sec', 'fraction', 'number']),
      }).nullable(),
    }),
  ),
  variants: z.array(z.string()),
  baseline: z.string().nullable(),
  metrics: z.array(
    obj({
      name: z.string(),
      unit: z.enum(['fraction', 'us', 'per-sec', 'count', 'ratio']),
      better: z.enum(['lower', 'higher']).nullable(),
      description: z.string(),
    }),
  ),
  runs: obj({ planned: count, completed: count, missing: count }),
  traceDigest: sha256Hex,
  configurations: z.array(
    obj({
      index: count,
      name: z.string(),
      variant: z.string().nullable(),
      values: z.array(parameterValue),
      runs: count,
      sloPassed: count,
      metrics: z.record(z.string(), interval),
    }),
  ),
  comparisons: z.array(
    obj({
      metric: z.string(),
      from: z.string(),
      to: z.string(),
      difference: obj({ n: count, mean: nullableNum, low: nullableNum, high: nullableNum, significant: z.boolean() }),
    }),
  ),
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The same type written out as plain objects, so `A & B` and the object with both's keys compare equal. */
type Flat<T> = T extends object ? { [K in keyof T]: Flat<T[K]> } : T;
/** Fails to compile when the schema and SweepReport disagree on any field, its type or whether it is optional. */
export type SchemaMatchesTypes =
  Equal<Flat<z.output<typeof sweepReportSchema>>, Flat<SweepReport>> extends true ? true : never;
const schemaMatchesTypes: SchemaMatchesTypes = true;
void schemaMatchesTypes;
