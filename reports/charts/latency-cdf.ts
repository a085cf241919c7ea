import type { LineSeriesOption } from 'echarts';
import { formatDurationUs } from '../format.js';
import type { Report } from '../report-types.js';
import {
  baseOption,
  latencyCdfPoints,
  legendBlock,
  runsOf,
  seriesStyle,
  usToMs,
  valueAxis,
  verticalMarker,
  WIDE,
  windowLine,
  type Chart,
} from './common.js';
import { renderSvg } from './render-svg.js';

const LATENCY_CDF_ID = 'latency-cdf';

/** Percentile markers: named in the legend, since p99 and p99.9 are often too close to label on the plot. */
const PERCENTILE_STYLES = [
  { name: 'p50', color: '#6b7280', type: 'dotted' as const },
  { name: 'p99', color: '#b45309', type: 'dashed' as const },
  { name: 'p99.9', color: '#7a0c2e', type: 'dashed' as const },
];

const PLOT_TOP_PX = 52;
const PLOT_HEIGHT_PX = 240;

/** The share of successful requests at or under each latency, on a log latency axis; one line per variant. */
export function latencyCdfChart(report: Report): Chart | null {
  const lines = runsOf(report)
    .map((run, i) => ({ name: run.name, points: latencyCdfPoints(run.metrics.latencyCdf), style: seriesStyle(i) }))
    .filter((line) => line.points.length > 0);
  if (lines.length === 0) return null;
  const title = 'Latency CDF';
  const { latency } = report.metrics;
  const single = lines.length === 1 && !report.variants;
  const series: LineSeriesOption[] = lines.map((line) =>
    windowLine(single ? 'successful requests' : line.name, line.points, line.style),
  );
  // Percentile markers only for a single run: with several lines they would be ambiguous.
  if (single && latency.count > 0) {
    const values = [latency.p50Us, latency.p99Us, latency.p999Us];
    PERCENTILE_STYLES.forEach(({ name, color, type }, i) => {
      if (values[i] > 0)
        series.push(verticalMarker(`${name} ${formatDurationUs(values[i])}`, usToMs(values[i]), color, type));
    });
  }
  const topPx = single ? PLOT_TOP_PX : PLOT_TOP_PX + 20;
  const legendTopPx = topPx + PLOT_HEIGHT_PX + 56;
  const { legend, heightPx } = legendBlock(
    series.map((s) => ({ name: String(s.name) })),
    WIDE.widthPx,
    legendTopPx,
  );
  const option = {
    ...baseOption(title, single ? undefined : 'one line per variant'),
    grid: { left: 76, right: 28, top: topPx, height: PLOT_HEIGHT_PX },
    legend,
    xAxis: valueAxis('latency (ms, log scale)', 'x', { type: 'log' }),
    yAxis: valueAxis('requests at or under latency (%)', 'y', { min: 0, max: 100 }),
    series,
  };
  return {
    id: LATENCY_CDF_ID,
    title,
    svg: renderSvg(LATENCY_CDF_ID, option, { widthPx: WIDE.widthPx, heightPx: legendTopPx + heightPx + 12 }),
  };
}
