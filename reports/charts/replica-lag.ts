import type { Report } from '../report-types.js';
import { timeSeriesOption, usToMs, valueAxis, WIDE, windowLine, windowMidSeconds, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const REPLICA_LAG_ID = 'replica-lag';

/**
 * How far the furthest-behind replica of each replicated component was, per
 * window: the age of the oldest entry it had not acknowledged (in ms), and
 * how many entries it was missing (dashed, right axis); faults shaded.
 */
export function replicaLagChart(report: Report): Chart | null {
  const components = report.metrics.components.filter(
    (component) =>
      component.timeline.details?.maxLagVersions !== undefined && component.timeline.details.maxLagUs !== undefined,
  );
  if (components.length === 0) return null;
  const title = 'Replica lag per window (furthest-behind replica)';
  const rows = report.metrics.timeline;
  const at = (i: number) => windowMidSeconds(rows[i].startUs, rows[i].endUs);
  const lines = components.flatMap((component) => {
    const { maxLagUs, maxLagVersions } = component.timeline.details!;
    const versions = {
      ...windowLine(
        `${component.name}: entries behind (right axis)`,
        maxLagVersions.map((v, i) => [at(i), v]),
        { dashed: true },
      ),
      yAxisIndex: 1,
    };
    const time = windowLine(
      `${component.name}: time behind (ms)`,
      maxLagUs.map((us, i) => [at(i), us === null ? null : usToMs(us)]),
    );
    return [time, versions];
  });
  const option = timeSeriesOption(
    report,
    title,
    [
      valueAxis('time behind (ms)', 'y', { min: 0 }),
      valueAxis('entries behind', 'y', { min: 0, position: 'right', splitLine: { show: false } }),
    ],
    lines,
  );
  return {
    id: REPLICA_LAG_ID,
    title,
    svg: renderSvg(REPLICA_LAG_ID, { ...option, grid: { ...(option.grid as object), right: 76 } }, WIDE),
  };
}
