import type { LineSeriesOption } from 'echarts';
import { formatDurationUs, formatPercent } from '../format.js';
import type { Report } from '../report-types.js';
import {
  hasVariants,
  overlayIntervals,
  overlaySubtitle,
  runsOf,
  seriesStyle,
  timeChart,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

const AVAILABILITY_OVER_TIME_ID = 'availability-over-time';

/** A dashed horizontal line at the SLO target, named in the legend rather than over the plot. */
function targetLine(target: number): LineSeriesOption {
  const name = `SLO target ${formatPercent(target)}`;
  return {
    ...windowLine(name, [], { color: '#6b7280', dashed: true }),
    lineStyle: { width: 1, type: 'dashed' },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { type: 'dashed', color: '#6b7280', width: 1 },
      label: { show: false },
      data: [{ name, yAxis: target * 100 }],
    },
  };
}

/**
 * The share of finished requests that were good, per window, against the SLO
 * target; faults shaded. With variants, one line per variant on one plot:
 * whether and when each recovers is the comparison the report is for.
 */
export function availabilityOverTimeChart(report: Report): Chart | null {
  const runs = runsOf(report);
  if (!runs.some((run) => run.metrics.timeline.some((row) => row.availability !== null))) return null;
  const title = 'Availability over time';
  const multi = hasVariants(report);
  // Windows where nothing finished stay gaps.
  const lines = runs.map((run, i) =>
    windowLine(
      multi ? run.name : `availability (success within ${formatDurationUs(run.metrics.availability.thresholdUs)})`,
      run.metrics.timeline.map((row) => [
        windowMidSeconds(row.startUs, row.endUs),
        row.availability === null ? null : row.availability * 100,
      ]),
      seriesStyle(i),
    ),
  );
  const targets = [...new Set(runs.map((run) => run.metrics.availability.target).filter((t) => t !== null))];
  return timeChart({
    id: AVAILABILITY_OVER_TIME_ID,
    title,
    subtitle: multi
      ? `one line per variant; success within ${formatDurationUs(report.metrics.availability.thresholdUs)}${overlaySubtitle(report)}`
      : undefined,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis('availability (%)', 'y', { min: 0, max: 100 })],
    panels: [{ series: [...lines, ...targets.map(targetLine)], intervals: overlayIntervals(report) }],
  });
}
