import type { Report, WindowRow } from '../report-types.js';
import { timeSeriesOption, usToMs, valueAxis, WIDE, windowLine, windowMidSeconds, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const LATENCY_OVER_TIME_ID = 'latency-over-time';

/** p50 and p99 per window on a log axis (fault tails are orders of magnitude above the median), faults shaded. */
export function latencyOverTimeChart(report: Report): Chart | null {
  const rows = report.metrics.timeline;
  if (!rows.some((row) => row.p50Us !== null || row.p99Us !== null)) return null;
  const title = 'Latency over time (p50, p99)';
  // Windows without a success stay gaps; a log axis cannot place 0.
  const line = (name: string, pick: (row: WindowRow) => number | null) =>
    windowLine(
      name,
      rows.map((row) => {
        const us = pick(row);
        return [windowMidSeconds(row.startUs, row.endUs), us === null || us <= 0 ? null : usToMs(us)];
      }),
    );
  const option = timeSeriesOption(report, title, valueAxis('latency (ms, log scale)', 'y', { type: 'log' }), [
    line('p50', (row) => row.p50Us),
    line('p99', (row) => row.p99Us),
  ]);
  return { id: LATENCY_OVER_TIME_ID, title, svg: renderSvg(LATENCY_OVER_TIME_ID, option, WIDE) };
}
