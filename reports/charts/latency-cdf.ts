import type { LineSeriesOption } from 'echarts';
import { formatDurationUs } from '../format.js';
import type { CdfPoint, Report } from '../report-types.js';
import { baseOption, legendBlock, runsOf, seriesStyle, usToMs, valueAxis, WIDE, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const LATENCY_CDF_ID = 'latency-cdf';

/** A log axis cannot place 0; the simulator never answers in 0µs anyway. */
const toPoints = (cdf: CdfPoint[]) =>
  cdf.filter(([latencyUs]) => latencyUs > 0).map(([latencyUs, fraction]) => [usToMs(latencyUs), fraction * 100]);

/** Percentile markers: named in the legend, since p99 and p99.9 are often too close to label on the plot. */
const PERCENTILE_STYLES = [
  { name: 'p50', color: '#6b7280', type: 'dotted' as const },
  { name: 'p99', color: '#b45309', type: 'dashed' as const },
  { name: 'p99.9', color: '#7a0c2e', type: 'dashed' as const },
];

function percentileMarker(name: string, us: number, color: string, type: 'dotted' | 'dashed'): LineSeriesOption {
  const label = `${name} ${formatDurationUs(us)}`;
  return {
    type: 'line',
    name: label,
    data: [],
    symbol: 'none',
    color,
    lineStyle: { width: 1, type, color },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { type, color, width: 1.5 },
      label: { show: false },
      data: [{ name: label, xAxis: usToMs(us) }],
    },
  };
}

const PLOT_TOP_PX = 52;
const PLOT_HEIGHT_PX = 240;

/** The share of successful requests at or under each latency, on a log latency axis; one line per variant. */
export function latencyCdfChart(report: Report): Chart | null {
  const lines = runsOf(report)
    .map((run, i) => ({ name: run.name, points: toPoints(run.metrics.latencyCdf), style: seriesStyle(i) }))
    .filter((line) => line.points.length > 0);
  if (lines.length === 0) return null;
  const title = 'Latency CDF';
  const { latency } = report.metrics;
  const single = lines.length === 1 && !report.variants;
  const series: LineSeriesOption[] = lines.map((line) => ({
    type: 'line',
    name: single ? 'successful requests' : line.name,
    data: line.points,
    symbol: 'none',
    color: line.style.color,
    lineStyle: { width: 2, ...(line.style.dashed ? { type: 'dashed' as const } : {}) },
  }));
  // Percentile markers only for a single run: with several lines they would be ambiguous.
  if (single && latency.count > 0) {
    const values = [latency.p50Us, latency.p99Us, latency.p999Us];
    PERCENTILE_STYLES.forEach(({ name, color, type }, i) => {
      if (values[i] > 0) series.push(percentileMarker(name, values[i], color, type));
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
