import type { LineSeriesOption } from 'echarts';
import { formatDurationUs } from '../format.js';
import type { CdfPoint, Report } from '../report-types.js';
import { baseOption, TEXT_COLOR, usToMs, valueAxis, WIDE, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const LATENCY_CDF_ID = 'latency-cdf';

/** A log axis cannot place 0; the simulator never answers in 0µs anyway. */
const toPoints = (cdf: CdfPoint[]) =>
  cdf.filter(([latencyUs]) => latencyUs > 0).map(([latencyUs, fraction]) => [usToMs(latencyUs), fraction * 100]);

/** The share of successful requests at or under each latency, on a log latency axis; one line per variant. */
export function latencyCdfChart(report: Report): Chart | null {
  const runs = report.variants ?? [{ name: report.variant, metrics: report.metrics }];
  const lines = runs
    .map((run) => ({ name: run.name, points: toPoints(run.metrics.latencyCdf) }))
    .filter((line) => line.points.length > 0);
  if (lines.length === 0) return null;
  const title = 'Latency CDF';
  const { latency } = report.metrics;
  // Percentile markers only for a single run: with several lines they would be ambiguous.
  const markers: LineSeriesOption['markLine'] | undefined =
    lines.length === 1 && latency.count > 0
      ? {
          silent: true,
          symbol: 'none',
          lineStyle: { type: 'dashed', color: '#6b7280', width: 1 },
          label: { position: 'insideEndTop', formatter: '{b}', fontSize: 11, color: TEXT_COLOR },
          data: (
            [
              ['p50', latency.p50Us],
              ['p99', latency.p99Us],
              ['p99.9', latency.p999Us],
            ] as const
          )
            .filter(([, us]) => us > 0)
            .map(([name, us]) => ({ name: `${name} ${formatDurationUs(us)}`, xAxis: usToMs(us) })),
        }
      : undefined;
  const series: LineSeriesOption[] = lines.map((line, i) => ({
    type: 'line',
    name: lines.length === 1 ? 'successful requests' : line.name,
    data: line.points,
    symbol: 'none',
    lineStyle: { width: 2 },
    ...(i === 0 && markers ? { markLine: markers } : {}),
  }));
  const option = {
    ...baseOption(title, lines.length > 1 ? 'one line per variant' : undefined),
    xAxis: valueAxis('latency (ms, log scale)', 'x', { type: 'log' }),
    yAxis: valueAxis('requests at or under latency (%)', 'y', { min: 0, max: 100 }),
    series,
  };
  return { id: LATENCY_CDF_ID, title, svg: renderSvg(LATENCY_CDF_ID, option, WIDE) };
}
