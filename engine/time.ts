/**
 * Simulated time is an integer count of microseconds held in a JS number.
 * Integers are exact in float64 up to 2^53 µs (about 285 years), so adding and
 * comparing times never rounds, and one simulated year (3.15e13 µs) sits far
 * inside the exact range. Integer nanoseconds would cap the horizon at 104 days.
 * Durations drawn from continuous distributions are rounded to whole
 * microseconds once, when they are scheduled (see `toTicks`).
 */
export type TimeUs = number;
export type DurationUs = number;

export const MICROSECOND: DurationUs = 1;
export const MILLISECOND: DurationUs = 1_000;
export const SECOND: DurationUs = 1_000_000;
export const MINUTE: DurationUs = 60 * SECOND;
export const HOUR: DurationUs = 60 * MINUTE;
export const DAY: DurationUs = 24 * HOUR;
export const YEAR: DurationUs = 365 * DAY;

/** The last instant the engine can represent exactly. */
export const MAX_TIME_US: TimeUs = Number.MAX_SAFE_INTEGER;

/** Rounds a non-negative duration to whole microseconds (negative and NaN become 0). */
export function toTicks(durationUs: number): DurationUs {
  return durationUs > 0 ? Math.round(durationUs) : 0;
}

/** Formats a time for people: `1.5s`, `250ms`, `12us`. */
export function formatDuration(us: DurationUs): string {
  const abs = Math.abs(us);
  if (abs >= HOUR) return `${+(us / HOUR).toFixed(3)}h`;
  if (abs >= MINUTE) return `${+(us / MINUTE).toFixed(3)}min`;
  if (abs >= SECOND) return `${+(us / SECOND).toFixed(3)}s`;
  if (abs >= MILLISECOND) return `${+(us / MILLISECOND).toFixed(3)}ms`;
  return `${us}us`;
}
