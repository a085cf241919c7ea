/**
 * How sweep figures read to a person: metric labels, values in their units
 * (µs as ms or s, fractions as percentages), intervals, signed differences,
 * and the scale a chart axis shows them on. Pure and locale-independent, so
 * sweep.html is byte-identical for equal sweep.json.
 */

import { formatPercent, formatValue, MISSING, type ValueUnit } from '../reports/format.js';
import type { ParameterValue, SweepParameter } from './campaign-types.js';
import { METRICS, type MetricDefinition } from './run-metrics.js';
import type { MeanInterval } from './statistics.js';

type MetricUnit = MetricDefinition['unit'];

/** A metric's name for people: `latency.p99Us` → `p99 latency`; a metric faultline does not know keeps its name. */
export const metricLabel = (name: string) => METRICS.find((m) => m.name === name)?.label ?? name;

/** The report's unit a metric's unit is written in: a ratio reads as a plain number. */
const VALUE_UNITS: Record<MetricUnit, ValueUnit> = {
  us: 'us',
  fraction: 'fraction',
  'per-sec': 'perSec',
  count: 'count',
  ratio: 'count',
};

/** One value in its unit: `12.3ms`, `99.95%`, `1,234/s`, `0.40`. */
export const formatMetric = (value: number | null, unit: MetricUnit) => formatValue(value, VALUE_UNITS[unit]);

/**
 * The interval as shown: a share (a fraction) cannot leave [0, 1], so its
 * interval is cut there; the t interval of a share near 0 or 1 over few
 * seeds would reach past them. sweep.json keeps the interval as computed.
 */
export function shownInterval(interval: MeanInterval, unit: MetricUnit): MeanInterval {
  if (unit !== 'fraction') return interval;
  const clamp = (v: number | null) => (v === null ? null : Math.min(1, Math.max(0, v)));
  return { ...interval, low: clamp(interval.low), high: clamp(interval.high) };
}

/** `12.3ms [11.9ms, 12.8ms]`; the mean alone when there is no interval (one seed); a dash when no seed has it. */
export function formatInterval(computed: MeanInterval, unit: MetricUnit): string {
  const interval = shownInterval(computed, unit);
  if (interval.mean === null) return MISSING;
  const mean = formatMetric(interval.mean, unit);
  if (interval.low === null || interval.high === null) return mean;
  return `${mean} [${formatMetric(interval.low, unit)}, ${formatMetric(interval.high, unit)}]`;
}

/** A difference with its sign: `+1.20ms`, `−0.35 pp` (fractions differ by percentage points), `0`. */
export function formatDifference(value: number | null, unit: MetricUnit): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  if (value === 0) return unit === 'fraction' ? '0 pp' : '0';
  const sign = value > 0 ? '+' : '−';
  const magnitude = Math.abs(value);
  const text = unit === 'fraction' ? `${formatPercent(magnitude).replace('%', '')} pp` : formatMetric(magnitude, unit);
  return sign + text;
}

/** A value the way a sweep parameter was written: `750/s`, `6`, `true`. */
export const parameterValueText = (value: ParameterValue) => (typeof value === 'string' ? value : String(value));

/** A grid point for people: `workers=6 · rate=750/s`; with no parameter, `all seeds`. */
export function gridPointLabel(parameters: readonly SweepParameter[], values: readonly ParameterValue[]): string {
  if (parameters.length === 0) return 'all seeds';
  return parameters.map((p, i) => `${p.label}=${parameterValueText(values[i])}`).join(' · ');
}

/** What a chart axis multiplies raw values by, and the unit it names. */
export interface AxisScale {
  factor: number;
  unit: string;
}

const US_PER_MS = 1_000;
const US_PER_S = 1_000_000;
/** From this many µs up, an axis reads in seconds: 10 s is clearer than 10,000 ms. */
const SECONDS_FROM_US = 10 * US_PER_S;

/** The scale of a metric's axis, chosen from the largest magnitude it shows. */
export function metricAxisScale(unit: MetricUnit, values: readonly number[]): AxisScale {
  switch (unit) {
    case 'us':
      return largest(values) >= SECONDS_FROM_US
        ? { factor: 1 / US_PER_S, unit: 's' }
        : { factor: 1 / US_PER_MS, unit: 'ms' };
    case 'fraction':
      return { factor: 100, unit: '%' };
    case 'per-sec':
      return { factor: 1, unit: 'requests/s' };
    case 'count':
      return { factor: 1, unit: 'count' };
    case 'ratio':
      return { factor: 1, unit: 'ratio' };
  }
}

const BYTE_UNITS: [number, string][] = [
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
];

/** The scale of a numeric parameter's axis, from its unit and values. */
export function parameterAxisScale(numeric: NonNullable<SweepParameter['numeric']>): AxisScale {
  const max = largest(numeric.values);
  switch (numeric.unit) {
    case 'us':
      return max >= SECONDS_FROM_US ? { factor: 1 / US_PER_S, unit: 's' } : { factor: 1 / US_PER_MS, unit: 'ms' };
    case 'per-sec':
      return { factor: 1, unit: '/s' };
    case 'bytes': {
      const [size, name] = BYTE_UNITS.find(([bytes]) => max >= bytes) ?? [1, 'bytes'];
      return { factor: 1 / size, unit: name };
    }
    case 'bits-per-sec': {
      const [size, name] = BIT_RATE_UNITS.find(([bits]) => max >= bits) ?? [1, 'bps'];
      return { factor: 1 / size, unit: name };
    }
    case 'fraction':
      return { factor: 100, unit: '%' };
    case 'number':
      return { factor: 1, unit: '' };
  }
}

const BIT_RATE_UNITS: [number, string][] = [
  [1e9, 'Gbps'],
  [1e6, 'Mbps'],
  [1e3, 'Kbps'],
];

/** `p99 latency (ms)`, or the label alone when the axis has no unit. */
export const axisName = (label: string, scale: AxisScale) => (scale.unit === '' ? label : `${label} (${scale.unit})`);

const largest = (values: readonly number[]) => values.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
