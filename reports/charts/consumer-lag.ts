import type { DeliveryStreamReport, DeliveryTopicReport, Report } from '../report-types.js';
import { streamLabel } from '../delivery/stream-label.js';
import {
  hasVariants,
  overlayIntervals,
  overlaySubtitle,
  runsOf,
  seriesStyle,
  slug,
  timeChart,
  valueAxis,
  usToSeconds,
  windowLine,
  type Chart,
} from './common.js';

/** Chart ids of the delivery section start with this, so the HTML report can place them there. */
export const DELIVERY_CHART_PREFIX = 'delivery-';

/** The lag chart's id for a stream of a topic. */
export const consumerLagChartId = (topic: string, subscription: string) =>
  `${DELIVERY_CHART_PREFIX}lag-${slug(`${topic}/${subscription}`)}`;

/**
 * Per stream, its backlog at the end of each window (messages stored and not
 * yet processed, dead-lettered or removed); faults shaded. With variants, one
 * line per variant on one plot: how high each backlog climbs and how fast it
 * drains is the comparison.
 */
export function consumerLagCharts(report: Report): Chart[] {
  const runs = runsOf(report);
  const streams = new Map<string, { topic: DeliveryTopicReport; stream: DeliveryStreamReport }>();
  for (const run of runs)
    for (const topic of run.delivery?.topics ?? [])
      for (const stream of topic.streams) {
        const key = `${topic.name}/${stream.subscription}`;
        if (!streams.has(key)) streams.set(key, { topic, stream });
      }
  const multi = hasVariants(report);
  const charts: Chart[] = [];
  for (const { topic, stream } of streams.values()) {
    const lines = runs.flatMap((run, i) => {
      const of = run.delivery?.topics
        .find((t) => t.name === topic.name)
        ?.streams.find((s) => s.subscription === stream.subscription);
      if (of === undefined) return [];
      const rows = run.metrics.timeline;
      return [
        windowLine(
          multi ? run.name : 'messages waiting',
          // Each sample is taken at its window's end, and drawn there.
          of.lag.timeline.map((lag, w) => [usToSeconds(rows[w].endUs), lag]),
          seriesStyle(i),
        ),
      ];
    });
    charts.push(
      timeChart({
        id: consumerLagChartId(topic.name, stream.subscription),
        title: `Consumer lag: ${streamLabel(topic, stream)}`,
        subtitle: `messages stored, not yet processed, dead-lettered or removed, at the end of each window${multi ? '; one line per variant' : ''}${overlaySubtitle(report)}`,
        durationUs: report.scenario.durationUs,
        yAxes: [valueAxis('messages waiting', 'y', { min: 0 })],
        panels: [{ series: lines, intervals: overlayIntervals(report) }],
      }),
    );
  }
  return charts;
}
