import type { Report } from '../report-types.js';
import { availabilityOverTimeChart } from './availability-over-time.js';
import { cacheHitRatioCharts } from './cache-hit-ratio.js';
import { chatConnectAttemptsChart } from './chat-connect-attempts.js';
import { chatConnectedDevicesChart } from './chat-connected-devices.js';
import { chatDeliveryLatencyChart } from './chat-delivery-latency.js';
import { chatPresenceUpdatesChart } from './chat-presence-updates.js';
import { chatServerLoadChart } from './chat-server-load.js';
import type { Chart } from './common.js';
import { comparisonCharts } from './comparison.js';
import { consistencyCharts } from './consistency-charts.js';
import { consumerLagCharts } from './consumer-lag.js';
import { databaseLoadCharts } from './database-load.js';
import { degreeDistributionCharts } from './degree-distribution.js';
import { feedBacklogCharts } from './feed-backlog.js';
import { feedTimelineWritesCharts } from './feed-timeline-writes.js';
import { feedVisibilityCharts } from './feed-visibility-delay.js';
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
    ...feedTimelineWritesCharts(report),
    ...feedBacklogCharts(report),
    ...feedVisibilityCharts(report),
    ...degreeDistributionCharts(report),
    ...[
      chatConnectedDevicesChart(report),
      chatConnectAttemptsChart(report),
      chatDeliveryLatencyChart(report),
      chatServerLoadChart(report),
      chatPresenceUpdatesChart(report),
    ].filter((chart): chart is Chart => chart !== null),
    ...comparisonCharts(report),
  ];
}
