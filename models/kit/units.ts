import { z } from 'zod';
import {
  BANDWIDTH_RE,
  DURATION_RE,
  MAX_DURATION_US,
  parseBitsPerSec,
  parseDurationUs,
  parseRatePerSec,
  parseSizeBytes,
  PERCENT_RE,
  RATE_RE,
  SIZE_RE,
  tooLong,
} from './unit-text.js';

/**
 * Human units, parsed once at the edge: scenario files and `--set` values say
 * `250us`, `10ms`, `500/s` or `4MB`; everything past this file works in whole
 * or fractional microseconds, events per second and bytes. The parsers live in
 * unit-text.ts, which loads without zod.
 */
export {
  formatDurationUnit,
  MAX_DURATION_US,
  parseBitsPerSec,
  parseDurationUs,
  parseRatePerSec,
  parseSizeBytes,
} from './unit-text.js';

interface UnitKind {
  /** `duration`, `rate`, ... as messages name it. */
  kind: string;
  pattern: RegExp;
  example: string;
  /** The value a bare number was probably meant as, for the message: 60 → `60s or 60ms`. */
  withUnit: (n: number) => string;
  /** Whether 0 needs no unit (a zero duration is zero in any unit; a zero rate is not allowed at all). */
  zero: boolean;
  parse: (text: string) => number | null;
  /** The largest value allowed, and what to say above it; any finite value when absent. */
  max?: { value: number; message: (text: string) => string };
}

/**
 * A string in one of the `units` forms, transformed to a number. Plain
 * numbers are refused (the unit is never guessed), except 0 where zero is
 * allowed; negative values are refused with a message that says so.
 */
function unitString({ kind, pattern, example, withUnit, zero, parse, max }: UnitKind) {
  const outOfRange = zero ? `a ${kind} cannot be negative` : `a ${kind} must be above zero`;
  const message = (input: unknown) => {
    if (input === undefined) return undefined;
    if (typeof input !== 'number') return `expected a ${kind} with a unit, like ${example}`;
    if (input < 0 || (input === 0 && !zero)) return outOfRange;
    return `${input} has no unit; write a ${kind} like ${withUnit(input)}`;
  };
  const text = z.string({ error: (issue) => message(issue.input) }).meta({
    pattern: zero ? `^0$|${pattern.source}` : pattern.source,
    description: `a ${kind}, like ${example}`,
  });
  const input = zero ? z.union([text, z.literal(0)], { error: (issue) => message(issue.input) }) : text;
  return input.transform((value, ctx) => {
    if (value === 0) return 0;
    const parsed = parse(value);
    if (parsed !== null && parsed <= (max?.value ?? Number.MAX_VALUE)) return parsed;
    if (parsed !== null) {
      const message = max?.message(value) ?? `"${value}" is too large a ${kind}`;
      ctx.issues.push({ code: 'custom', input: value, message });
      return z.NEVER;
    }
    const negative = value.trim().startsWith('-') && parse(value.trim().slice(1)) !== null;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: negative ? outOfRange : `"${value}" is not a ${kind}; write a number and a unit, like ${example}`,
    });
    return z.NEVER;
  });
}

/** Microseconds, from `250us`, `10ms`, `2s`, `5m`, `1h`, `1d` (or `0`). */
export const durationUs = unitString({
  kind: 'duration',
  pattern: DURATION_RE,
  example: '250us, 10ms, 2s, 5m or 1h',
  withUnit: (n) => `${n}s or ${n}ms`,
  zero: true,
  parse: parseDurationUs,
  max: { value: MAX_DURATION_US, message: tooLong },
});
/** A duration that may be negative (`-5s`), for clock jumps. */
export const signedDurationUs = z
  .string({
    error: (issue) =>
      issue.input === undefined ? undefined : 'expected a duration with a unit and an optional sign, like -5s or 200ms',
  })
  .meta({ pattern: `^-?(${DURATION_RE.source.slice(1, -1)})$`, description: 'a signed duration, like -5s or 200ms' })
  .transform((text, ctx) => {
    const negative = text.trim().startsWith('-');
    const value = parseDurationUs(negative ? text.trim().slice(1) : text);
    if (value === null || value > MAX_DURATION_US) {
      const message =
        value === null ? `"${text}" is not a duration; write a number and a unit, like -5s or 200ms` : tooLong(text);
      ctx.issues.push({ code: 'custom', input: text, message });
      return z.NEVER;
    }
    return negative ? -value : value;
  });
/** A duration above zero, for intervals and timeouts that would otherwise fire without end or never wait. */
export const positiveDurationUs = durationUs.refine((us) => us > 0, 'must be above zero');
/** Events per second, from `500/s`, `2/min`, `10/ms`, `2/day`. */
export const ratePerSec = unitString({
  kind: 'rate',
  pattern: RATE_RE,
  example: '500/s or 2/min',
  withUnit: (n) => `${n}/s`,
  zero: false,
  parse: parseRatePerSec,
}).refine((r) => r > 0, 'a rate must be above zero');
/** Bytes, from `512B`, `1KB` (1000), `4MiB` (1024²). */
export const sizeBytes = unitString({
  kind: 'size',
  pattern: SIZE_RE,
  example: '512B, 1KB or 4MB',
  withUnit: (n) => `${n}B or ${n}KB`,
  zero: true,
  parse: parseSizeBytes,
});
/** Bits per second, from `100Mbps`, `1Gbps`. */
export const bitsPerSec = unitString({
  kind: 'bandwidth',
  pattern: BANDWIDTH_RE,
  example: '100Mbps or 1Gbps',
  withUnit: (n) => `${n}Mbps`,
  zero: false,
  parse: parseBitsPerSec,
}).refine((r) => r > 0, 'a bandwidth must be above zero');

/** A share in [0, 1], written `0.999` or `99.9%`. */
export const fraction = z
  .union([z.number(), z.string().regex(PERCENT_RE, 'expected a number from 0 to 1 or a percentage like 99.9%')], {
    error: 'expected a number from 0 to 1 or a percentage like 99.9%',
  })
  .transform((v, ctx) => {
    const share = typeof v === 'number' ? v : Number(`${v.trim().slice(0, -1).trim()}e-2`);
    if (share >= 0 && share <= 1) return share;
    const percentMeant = typeof v === 'number' && v > 1 && v <= 100;
    ctx.issues.push({
      code: 'custom',
      input: v,
      message: percentMeant
        ? `must be between 0 and 1; for a percentage write ${v}%`
        : 'must be between 0 and 1 (0% to 100%)',
    });
    return z.NEVER;
  });

export const positiveInt = z.int().min(1);
export const nonNegativeInt = z.int().min(0);
