import type { Report, WindowRow } from '../report-types.js';
import { timeSeriesOption, usToSeconds, valueAxis, WIDE, windowLine, windowMidSeconds, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const THROUGHPUT_OVER_TIME_ID = 'throughput-over-time';

/** Offered load against throughput and goodput per window, faults shaded: the gap is what the faults cost. */
export function throughputOverTimeChart(report: Report): Chart | null {
  const rows = report.metrics.timeline;
  if (!rows.some((row) => row.sent > 0)) return null;
  const title = 'Throughput and goodput over time';
  const line = (name: string, ratePerSec: (row: WindowRow) => number, style?: { color: string; dashed: boolean }) =>
    windowLine(
      name,
      rows.map((row) => [windowMidSeconds(row.startUs, row.endUs), ratePerSec(row)]),
      style,
    );
  // Offered load last and dashed grey: outside faults goodput matches it and would hide it.
  const option = timeSeriesOption(report, title, valueAxis('requests/s', 'y', { min: 0 }), [
    line('throughput (succeeded)', (row) => row.throughputPerSec),
    line('goodput (within threshold)', (row) => row.goodputPerSec),
    line('sent (offered load)', (row) => row.sent / usToSeconds(row.endUs - row.startUs), {
      color: '#4b5563',
      dashed: true,
    }),
  ]);
  return { id: THROUGHPUT_OVER_TIME_ID, title, svg: renderSvg(THROUGHPUT_OVER_TIME_ID, option, WIDE) };
}
