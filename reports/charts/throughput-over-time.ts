import type { Report, WindowRow } from '../report-types.js';
import {
  hasVariants,
  niceMax,
  runsOf,
  seriesStyle,
  timeChart,
  usToSeconds,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

const THROUGHPUT_OVER_TIME_ID = 'throughput-over-time';

const sentPerSec = (row: WindowRow) => row.sent / usToSeconds(row.endUs - row.startUs);

/**
 * Offered load against throughput and goodput per window, faults shaded: the
 * gap is what the faults cost. With variants, one panel each on a shared
 * scale (small multiples): three lines per variant would not read overlaid.
 */
export function throughputOverTimeChart(report: Report): Chart | null {
  const runs = runsOf(report);
  if (!runs.some((run) => run.metrics.timeline.some((row) => row.sent > 0))) return null;
  const multi = hasVariants(report);
  const line = (rows: WindowRow[], name: string, ratePerSec: (row: WindowRow) => number, index: number) =>
    windowLine(
      name,
      rows.map((row) => [windowMidSeconds(row.startUs, row.endUs), ratePerSec(row)]),
      seriesStyle(index),
    );
  // Offered load last and dashed grey: outside faults goodput matches it and would hide it.
  const panels = runs.map((run) => ({
    ...(multi ? { title: run.name } : {}),
    series: [
      line(run.metrics.timeline, 'throughput (succeeded)', (row) => row.throughputPerSec, 0),
      line(run.metrics.timeline, 'goodput (within threshold)', (row) => row.goodputPerSec, 2),
      {
        ...windowLine(
          'sent (offered load)',
          run.metrics.timeline.map((row) => [windowMidSeconds(row.startUs, row.endUs), sentPerSec(row)]),
          { color: '#4b5563', dashed: true },
        ),
      },
    ],
    intervals: run.faultIntervals,
  }));
  let peak = -Infinity;
  for (const run of runs)
    for (const row of run.metrics.timeline) peak = Math.max(peak, row.throughputPerSec, sentPerSec(row));
  return timeChart({
    id: THROUGHPUT_OVER_TIME_ID,
    title: 'Throughput and goodput over time',
    subtitle: multi ? 'one panel per variant, same scale' : undefined,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis('requests/s', 'y', { min: 0, ...(multi ? { max: niceMax(peak) } : {}) })],
    panels,
  });
}
