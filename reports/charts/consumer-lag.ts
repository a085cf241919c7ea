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
    // Variants with the very same backlog share one line (named after all of them), which would otherwise hide each other.
    const groups = new Map<string, { names: string[]; index: number; timeline: number[]; rows: { endUs: number }[] }>();
    runs.forEach((run, i) => {
      const of = run.delivery?.topics
        .find((t) => t.name === topic.name)
        ?.streams.find((s) => s.subscription === stream.subscription);
      if (of === undefined) return;
      const key = of.lag.timeline.join(',');
      const group = groups.get(key);
      if (group === undefined)
        groups.set(key, { names: [run.name], index: i, timeline: of.lag.timeline, rows: run.metrics.timeline });
      else group.names.push(run.name);
    });
    const lines = [...groups.values()].map((group) =>
      windowLine(
        multi ? group.names.join(' = ') : 'messages waiting',
        // Each sample is taken at its window's end, and drawn there.
        group.timeline.map((lag, w) => [usToSeconds(group.rows[w].endUs), lag]),
        seriesStyle(group.index),
      ),
    );
    charts.push(
      timeChart({
        id: consumerLagChartId(topic.name, stream.subscription),
        title: `Consumer lag: ${streamLabel(topic, stream)}`,
        subtitle: `messages stored and not yet processed, dead-lettered or removed, per window${multi ? '; variants with the same backlog share a line' : ''}${overlaySubtitle(report)}`,
        durationUs: report.scenario.durationUs,
        yAxes: [valueAxis('messages waiting', 'y', { min: 0 })],
        panels: [{ series: lines, intervals: overlayIntervals(report) }],
      }),
    );
  }
  return charts;
}
