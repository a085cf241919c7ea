import { formatDurationUs, formatPercent } from '../format.js';
import type { Report } from '../report-types.js';
import { TEXT_COLOR, timeSeriesOption, valueAxis, WIDE, windowLine, windowMidSeconds, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const AVAILABILITY_OVER_TIME_ID = 'availability-over-time';

/** The share of finished requests that were good, per window, against the SLO target; faults shaded. */
export function availabilityOverTimeChart(report: Report): Chart | null {
  const rows = report.metrics.timeline;
  if (!rows.some((row) => row.availability !== null)) return null;
  const title = 'Availability over time';
  const { target, thresholdUs } = report.metrics.availability;
  // Windows where nothing finished stay gaps.
  const availability = windowLine(
    `availability (success within ${formatDurationUs(thresholdUs)})`,
    rows.map((row) => [
      windowMidSeconds(row.startUs, row.endUs),
      row.availability === null ? null : row.availability * 100,
    ]),
  );
  if (target !== null) {
    availability.markLine = {
      silent: true,
      symbol: 'none',
      lineStyle: { type: 'dashed', color: '#6b7280', width: 1 },
      label: { position: 'insideEndBottom', formatter: '{b}', fontSize: 11, color: TEXT_COLOR },
      data: [{ name: `SLO target ${formatPercent(target)}`, yAxis: target * 100 }],
    };
  }
  const option = timeSeriesOption(report, title, valueAxis('availability (%)', 'y', { min: 0, max: 100 }), [
    availability,
  ]);
  return { id: AVAILABILITY_OVER_TIME_ID, title, svg: renderSvg(AVAILABILITY_OVER_TIME_ID, option, WIDE) };
}
