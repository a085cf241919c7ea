import type { Report } from '../report-types.js';
import { availabilityOverTimeChart } from './availability-over-time.js';
import { cacheHitRatioCharts } from './cache-hit-ratio.js';
import type { Chart } from './common.js';
import { comparisonCharts } from './comparison.js';
import { consistencyCharts } from './consistency-charts.js';
import { consumerLagCharts } from './consumer-lag.js';
import { databaseLoadCharts } from './database-load.js';
import { latencyCdfChart } from './latency-cdf.js';
import { latencyOverTimeCharts } from './latency-over-time.js';
import { replicaLagChart } from './replica-lag.js';
import { throughputOverTimeChart } from './throughput-over-time.js';
import { tVisibilityChart } from './t-visibility.js';
import { utilizationChart } from './utilization.js';

export type { Chart } from './common.js';

/**
 * Every chart the report's data supports, in reading order. A chart whose
 * data is empty (no successful request, no component) is left out rather
 * than drawn blank. Deterministic: equal reports give byte-identical SVG.
 */
export function renderCharts(report: Report): Chart[] {
  const single = [
    latencyCdfChart(report),
    ...latencyOverTimeCharts(report),
    throughputOverTimeChart(report),
    availabilityOverTimeChart(report),
    utilizationChart(report),
    replicaLagChart(report),
    tVisibilityChart(report),
  ].filter((chart): chart is Chart => chart !== null);
  return [
    ...single,
    ...consistencyCharts(report),
    ...consumerLagCharts(report),
    ...cacheHitRatioCharts(report),
    ...databaseLoadCharts(report),
    ...comparisonCharts(report),
  ];
}
