import type { Chart } from '../../reports/charts/common.js';
import type { SweepMetric, SweepReport } from '../sweep-report.js';
import { heatMapCharts } from './heat-map.js';
import { metricVsParameterChart } from './metric-vs-parameter.js';
import { variantComparisonCharts } from './variant-comparison.js';

/** The metrics sweep.html charts, in this order, among those the campaign has figures for. */
export const KEY_METRICS = [
  'availability',
  'latency.p99Us',
  'latency.meanUs',
  'throughputPerSec',
  'errorRate',
  'consistency.staleReadRate',
  'consistency.lostWrites',
  'slo.passed',
] as const;

/** Which metric a two-parameter grid's heat map shows, first choice first. */
const HEAT_MAP_PREFERENCE = [
  'latency.p99Us',
  'availability',
  'consistency.staleReadRate',
  'errorRate',
  'throughputPerSec',
  'latency.meanUs',
  'consistency.lostWrites',
  'slo.passed',
];

export const keyMetrics = (report: SweepReport): SweepMetric[] =>
  KEY_METRICS.flatMap((name) => report.metrics.filter((m) => m.name === name));

export interface SweepChartOptions {
  /** The metric of the heat maps; by default the first in HEAT_MAP_PREFERENCE whose mean varies over the grid. */
  heatMapMetric?: string;
}

/**
 * Every chart sweep.html shows, in reading order: each key metric against
 * the first parameter (with bands), the heat maps of a two-parameter grid,
 * and the variants' means with error bars (also the only chart of a
 * campaign without parameters). None when no run has completed.
 * Deterministic: equal reports give byte-identical SVG.
 */
export function sweepCharts(report: SweepReport, options: SweepChartOptions = {}): Chart[] {
  const metrics = keyMetrics(report);
  if (report.runs.completed === 0 || metrics.length === 0) return [];
  const charts: Chart[] = [];
  for (const metric of metrics) {
    const chart = metricVsParameterChart(report, metric);
    if (chart !== null) charts.push(chart);
  }
  const heatMetric = heatMapMetric(report, options.heatMapMetric);
  if (heatMetric !== null) charts.push(...heatMapCharts(report, heatMetric));
  if (report.variants.length > 1 || report.parameters.length === 0)
    charts.push(...variantComparisonCharts(report, metrics));
  return charts;
}

function heatMapMetric(report: SweepReport, chosen: string | undefined): SweepMetric | null {
  if (report.parameters.length !== 2) return null;
  if (chosen !== undefined) {
    const metric = report.metrics.find((m) => m.name === chosen);
    if (metric === undefined)
      throw new Error(
        `no run has a figure for "${chosen}", so no heat map can show it; choose one of: ${report.metrics.map((m) => m.name).join(', ')}`,
      );
    return metric;
  }
  const candidates = HEAT_MAP_PREFERENCE.flatMap((name) => report.metrics.filter((m) => m.name === name));
  const varies = (metric: SweepMetric) =>
    new Set(report.configurations.map((c) => c.metrics[metric.name]?.mean ?? null).filter((m) => m !== null)).size > 1;
  return candidates.find(varies) ?? candidates[0] ?? null;
}
