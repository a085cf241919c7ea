import type { Report, WindowRow } from '../report-types.js';
import {
  hasVariants,
  overlayIntervals,
  overlaySubtitle,
  runsOf,
  seriesStyle,
  timeChart,
  usToMs,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

const LATENCY_OVER_TIME_ID = 'latency-over-time';
const LATENCY_P50_OVER_TIME_ID = 'latency-p50-over-time';

/** Windows without a success stay gaps; a log axis cannot place 0. */
const latencyPoints = (rows: WindowRow[], pick: (row: WindowRow) => number | null): [number, number | null][] =>
  rows.map((row) => {
    const us = pick(row);
    return [windowMidSeconds(row.startUs, row.endUs), us === null || us <= 0 ? null : usToMs(us)];
  });

const logAxis = () => valueAxis('latency (ms, log scale)', 'y', { type: 'log' });

/**
 * Latency per window on a log axis (fault tails are orders of magnitude above
 * the median), faults shaded. One run: p50 and p99 together. Variants: one
 * chart per percentile, p99 first, with a line per variant, since two
 * percentiles times many variants would be a tangle.
 */
export function latencyOverTimeCharts(report: Report): Chart[] {
  const runs = runsOf(report);
  if (!runs.some((run) => run.metrics.timeline.some((row) => row.p50Us !== null || row.p99Us !== null))) return [];
  const durationUs = report.scenario.durationUs;
  if (!hasVariants(report)) {
    const rows = report.metrics.timeline;
    return [
      timeChart({
        id: LATENCY_OVER_TIME_ID,
        title: 'Latency over time (p50, p99)',
        durationUs,
        yAxes: [logAxis()],
        panels: [
          {
            series: [
              windowLine(
                'p50',
                latencyPoints(rows, (row) => row.p50Us),
                seriesStyle(0),
              ),
              windowLine(
                'p99',
                latencyPoints(rows, (row) => row.p99Us),
                seriesStyle(1),
              ),
            ],
            intervals: report.faultIntervals,
          },
        ],
      }),
    ];
  }
  const percentileChart = (id: string, percentile: string, pick: (row: WindowRow) => number | null) =>
    timeChart({
      id,
      title: `${percentile} latency over time`,
      subtitle: `one line per variant${overlaySubtitle(report)}`,
      durationUs,
      yAxes: [logAxis()],
      panels: [
        {
          series: runs.map((run, i) => windowLine(run.name, latencyPoints(run.metrics.timeline, pick), seriesStyle(i))),
          intervals: overlayIntervals(report),
        },
      ],
    });
  return [
    percentileChart(LATENCY_OVER_TIME_ID, 'p99', (row) => row.p99Us),
    percentileChart(LATENCY_P50_OVER_TIME_ID, 'p50', (row) => row.p50Us),
  ];
}
