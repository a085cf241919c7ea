import type { BarSeriesOption } from 'echarts';
import { formatDurationUs } from '../format.js';
import type { Report } from '../report-types.js';
import { FEED_CHART_PREFIX } from './degree-distribution.js';
import {
  baseOption,
  legendBlock,
  runsOf,
  seriesStyle,
  slug,
  TEXT_COLOR,
  textWidthPx,
  usToMs,
  valueAxis,
  WIDE,
  type Chart,
} from './common.js';
import { decadeAbove, decadeBelow, logAxisLabel } from './feed-log-axis.js';
import { renderSvg } from './render-svg.js';

/** The visibility-delay chart's id for a feed-service component. */
export const feedVisibilityChartId = (component: string) => `${FEED_CHART_PREFIX}visibility-${slug(component)}`;

const PERCENTILES = [
  { label: 'p50', pick: (s: { p50Us: number }) => s.p50Us },
  { label: 'p90', pick: (s: { p90Us: number }) => s.p90Us },
  { label: 'p99', pick: (s: { p99Us: number }) => s.p99Us },
  { label: 'max', pick: (s: { maxUs: number }) => s.maxUs },
];

const LABEL_FONT_PX = 11;
const BAR_PX = 12;
const TOP_PX = 72;
/** Above this ratio of the longest delay to the shortest above 0, the axis is logarithmic. */
const LOG_AXIS_RATIO = 30;

/**
 * Per feed service, how long a post took to become visible in a follower's
 * feed — p50, p90, p99 and the maximum over every (post, follower) — one
 * bar per variant in each, coloured as in the charts over time, its value
 * at its end: pull shows a post at once (0), push after its fan-out write
 * lands, hybrid's celebrities like pull. The axis is logarithmic when the
 * delays span decades.
 */
export function feedVisibilityCharts(report: Report): Chart[] {
  const runs = runsOf(report);
  const components: string[] = [];
  for (const run of runs)
    for (const service of run.feed?.services ?? [])
      if (!components.includes(service.component) && service.visibility.count > 0) components.push(service.component);
  return components.map((component) => {
    const lines = runs
      .map((run, i) => ({
        name: run.name,
        i,
        summary: run.feed?.services.find((s) => s.component === component)?.visibility,
      }))
      .filter((l) => l.summary !== undefined && l.summary.count > 0);
    // A pulled post is visible once stored: "at once" says so where "0µs" would look unmeasured.
    const labels = lines.map((l) =>
      PERCENTILES.map((p) => (p.pick(l.summary!) === 0 ? 'at once' : formatDurationUs(p.pick(l.summary!)))),
    );
    // Delays spanning decades (a pushed write in ms, a returning reader's rebuild in s) go on a log axis, where 0
    // (pulled: visible once stored) is a bar of no length at the axis's start, labelled "at once".
    const valuesMs = lines.flatMap((l) => PERCENTILES.map((p) => usToMs(p.pick(l.summary!))));
    const positive = valuesMs.filter((v) => v > 0);
    const lowest = positive.reduce((low, v) => Math.min(low, v), Infinity);
    const highest = positive.reduce((high, v) => Math.max(high, v), 0);
    const log = positive.length > 0 && highest / lowest > LOG_AXIS_RATIO;
    const floorMs = log ? decadeBelow(lowest) : 0;
    const rightPx =
      labels.flat().reduce((widest, label) => Math.max(widest, textWidthPx(label, LABEL_FONT_PX)), 0) + 24;
    const series: BarSeriesOption[] = lines.map((line, l) => ({
      type: 'bar',
      name: runs.length > 1 ? line.name : 'post → visible',
      barWidth: BAR_PX,
      barGap: '15%',
      color: seriesStyle(line.i).color,
      data: PERCENTILES.map((p) => Math.max(usToMs(p.pick(line.summary!)), floorMs)),
      label: {
        show: true,
        position: 'right',
        fontSize: LABEL_FONT_PX,
        color: TEXT_COLOR,
        formatter: (params: { dataIndex: number }) => labels[l][params.dataIndex],
      },
    }));
    const plotHeightPx = PERCENTILES.length * (lines.length * (BAR_PX + 2) + 18);
    const legendTopPx = TOP_PX + plotHeightPx + 52;
    const { legend, heightPx } = legendBlock(
      series.map((s) => ({ name: String(s.name) })),
      WIDE.widthPx,
      legendTopPx,
    );
    const title = `Post to visible in a follower's feed: ${component}`;
    const option = {
      ...baseOption(
        title,
        'per (post, follower), posts after the warm-up; a pulled post is visible once stored (at once: no bar)',
      ),
      grid: { left: 64, right: rightPx, top: TOP_PX, height: plotHeightPx },
      legend,
      yAxis: {
        type: 'category' as const,
        data: PERCENTILES.map((p) => p.label),
        inverse: true,
        axisTick: { show: false },
        axisLine: { show: true, lineStyle: { color: '#9ca3af' } },
        axisLabel: { interval: 0, fontSize: 12, color: TEXT_COLOR },
      },
      xAxis: log
        ? valueAxis('delay (ms, log scale)', 'x', {
            type: 'log',
            min: floorMs,
            max: decadeAbove(highest),
            axisLabel: logAxisLabel,
          })
        : valueAxis('delay (ms)', 'x', { min: 0, splitNumber: 4 }),
      series,
    };
    const id = feedVisibilityChartId(component);
    return { id, title, svg: renderSvg(id, option, { widthPx: WIDE.widthPx, heightPx: legendTopPx + heightPx + 12 }) };
  });
}
