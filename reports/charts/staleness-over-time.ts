import type { ConsistencyReport, Report } from '../report-types.js';
import { seriesStyle, timeChart, usToMs, valueAxis, windowLine, windowMidSeconds, type Chart } from './common.js';

/** Per window, the share of register reads that were stale and how far behind they were on average, faults shaded. */
export function stalenessOverTimeChart(
  report: Report,
  consistency: ConsistencyReport,
  id: string,
  subtitle?: string,
): Chart | null {
  const { staleReadRate, meanStalenessUs } = consistency.timeline;
  if (!staleReadRate.some((rate) => rate !== null)) return null;
  const rows = report.metrics.timeline;
  const title = 'Stale reads over time';
  const at = (i: number) => windowMidSeconds(rows[i].startUs, rows[i].endUs);
  const rate = windowLine(
    'stale reads (% of reads)',
    staleReadRate.map((r, i) => [at(i), r === null ? null : r * 100]),
    seriesStyle(0),
  );
  const behind = {
    ...windowLine(
      'mean staleness (ms, right axis)',
      meanStalenessUs.map((us, i) => [at(i), us === null ? null : usToMs(us)]),
      { ...seriesStyle(1), dashed: true },
    ),
    yAxisIndex: 1,
  };
  return timeChart({
    id,
    title,
    subtitle,
    durationUs: report.scenario.durationUs,
    yAxes: [
      valueAxis('stale reads (%)', 'y', { min: 0, max: 100 }),
      valueAxis('staleness (ms)', 'y', { min: 0, position: 'right', splitLine: { show: false } }),
    ],
    panels: [{ series: [rate, behind], intervals: report.faultIntervals }],
  });
}
