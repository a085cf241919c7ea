import type { ConsistencyReport, Report } from '../report-types.js';
import { seriesStyle, timeChart, valueAxis, windowLine, windowMidSeconds, type Chart } from './common.js';

/**
 * Per window, the share of store operations answered for the clients on
 * each side of the first partition (grouped as they were cut), over the
 * whole run with the partition shaded: a CP store's minority side drops to
 * zero while its majority carries on; an AP store keeps both up.
 */
export function availabilityBySideChart(
  report: Report,
  consistency: ConsistencyReport,
  id: string,
  subtitle?: string,
): Chart | null {
  const { sides } = consistency.timeline;
  if (sides.length === 0) return null;
  const rows = report.metrics.timeline;
  const title = 'Availability per partition side';
  const series = sides.map((side, s) =>
    windowLine(
      `${side.name} (${side.clients.length} client node${side.clients.length === 1 ? '' : 's'})`,
      rows.map((row, i) => [
        windowMidSeconds(row.startUs, row.endUs),
        side.availability[i] === null || side.availability[i] === undefined ? null : side.availability[i]! * 100,
      ]),
      seriesStyle(s),
    ),
  );
  return timeChart({
    id,
    title,
    subtitle,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis('operations answered (%)', 'y', { min: 0, max: 100 })],
    panels: [{ series, intervals: report.faultIntervals }],
  });
}
