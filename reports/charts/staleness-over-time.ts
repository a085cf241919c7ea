import type { ConsistencyReport, Report } from '../report-types.js';
import { timeSeriesOption, usToMs, valueAxis, WIDE, windowLine, windowMidSeconds, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

/** Per window, the share of register reads that were stale and how far behind they were on average, faults shaded. */
export function stalenessOverTimeChart(report: Report, consistency: ConsistencyReport, id: string): Chart | null {
  const { staleReadRate, meanStalenessUs } = consistency.timeline;
  if (!staleReadRate.some((rate) => rate !== null)) return null;
  const rows = report.metrics.timeline;
  const title = 'Stale reads over time';
  const at = (i: number) => windowMidSeconds(rows[i].startUs, rows[i].endUs);
  const rate = windowLine(
    'stale reads (% of reads)',
    staleReadRate.map((r, i) => [at(i), r === null ? null : r * 100]),
  );
  const behind = {
    ...windowLine(
      'mean staleness (ms, right axis)',
      meanStalenessUs.map((us, i) => [at(i), us === null ? null : usToMs(us)]),
      { dashed: true },
    ),
    yAxisIndex: 1,
  };
  const option = timeSeriesOption(
    report,
    title,
    [
      valueAxis('stale reads (%)', 'y', { min: 0, max: 100 }),
      valueAxis('staleness (ms)', 'y', { min: 0, position: 'right', splitLine: { show: false } }),
    ],
    [rate, behind],
  );
  return { id, title, svg: renderSvg(id, { ...option, grid: { ...(option.grid as object), right: 76 } }, WIDE) };
}
