import { niceMax } from '../../reports/charts/common.js';

/** Tick steps that divide 100, so a percentage axis can end on 100 exactly. */
const STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25];
const MAX_INTERVALS = 5;

/**
 * Bounds and tick step for an axis of percentages: around the values, never
 * below 0 nor above 100 (an availability of 102% means nothing), on ticks
 * that land on both ends.
 */
export function percentAxisBounds(percents: readonly number[]): { min: number; max: number; interval: number } {
  const low = Math.max(0, Math.min(...percents));
  const high = Math.min(100, Math.max(...percents));
  // Equal values (a flat line) get a few percent around them rather than a sliver of a thousandth.
  const flat = high - low < 1e-9;
  const span = flat ? 4 : high - low;
  const interval = STEPS.find((step) => span / step <= MAX_INTERVALS) ?? 25;
  const snap = (value: number) => Math.round(value / interval) * interval;
  const margin = flat ? 2 * interval : 0;
  const min = Math.max(0, snap(Math.floor(low / interval + 1e-9) * interval - margin));
  const max = Math.min(100, snap(Math.ceil(high / interval - 1e-9) * interval + margin));
  if (max <= min) return { min: 0, max: 100, interval: 25 };
  return { min: Number(min.toFixed(6)), max: Number(max.toFixed(6)), interval };
}

/**
 * Fixed bounds for a value axis several plots share, so equal values sit at
 * the same place in each: percentages as above; other figures from zero (or
 * symmetric about it when some are negative) to a round bound, with a tick
 * step that lands on it.
 */
export function sharedAxisBounds(
  unit: string,
  values: readonly number[],
): { min: number; max: number; interval: number } {
  if (unit === 'fraction') return percentAxisBounds(values);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const max = niceMax(Math.max(high, 0));
  const reach = Math.max(max, low >= 0 ? 0 : niceMax(-low));
  // niceMax gives 1, 2, 2.5 or 5 times a power of ten: quarters of the first two, fifths of the others.
  const mantissa = reach / 10 ** Math.floor(Math.log10(reach));
  const interval = reach / (mantissa < 2.5 ? 4 : 5);
  return { min: low >= 0 ? 0 : -interval * Math.ceil(-low / interval), max, interval };
}
