import type { Report } from '../report-types.js';
import {
  hasVariants,
  niceMax,
  runsOf,
  seriesStyle,
  timeChart,
  usToMs,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

const REPLICA_LAG_ID = 'replica-lag';

/**
 * How far the furthest-behind replica of each replicated component was, per
 * window: the age of the oldest entry it had not acknowledged (in ms), and
 * how many entries it was missing (dashed, right axis); faults shaded. With
 * variants, a panel each on shared scales.
 */
export function replicaLagChart(report: Report): Chart | null {
  const runs = runsOf(report).map((run) => ({
    run,
    components: run.metrics.components.filter(
      (component) =>
        component.timeline.details?.maxLagVersions !== undefined && component.timeline.details.maxLagUs !== undefined,
    ),
  }));
  if (!runs.some(({ components }) => components.length > 0)) return null;
  const multi = hasVariants(report);
  const names = [...new Set(runs.flatMap(({ components }) => components.map((c) => c.name)))];
  let peakMs = 0;
  let peakVersions = 0;
  const panels = runs.map(({ run, components }) => {
    const rows = run.metrics.timeline;
    const at = (i: number) => windowMidSeconds(rows[i].startUs, rows[i].endUs);
    const series = components.flatMap((component) => {
      const { maxLagUs, maxLagVersions } = component.timeline.details!;
      const { color } = seriesStyle(names.indexOf(component.name));
      for (const us of maxLagUs) peakMs = Math.max(peakMs, us === null ? 0 : usToMs(us));
      for (const v of maxLagVersions) peakVersions = Math.max(peakVersions, v ?? 0);
      const versions = {
        ...windowLine(
          `${component.name}: entries behind (right axis)`,
          maxLagVersions.map((v, i) => [at(i), v]),
          { color, dashed: true },
        ),
        yAxisIndex: 1,
      };
      const time = windowLine(
        `${component.name}: time behind (ms)`,
        maxLagUs.map((us, i) => [at(i), us === null ? null : usToMs(us)]),
        { color },
      );
      return [time, versions];
    });
    return { ...(multi ? { title: run.name } : {}), series, intervals: run.faultIntervals };
  });
  const shared = (peak: number) => (multi ? { max: niceMax(peak) } : {});
  return timeChart({
    id: REPLICA_LAG_ID,
    title: 'Replica lag per window (furthest-behind replica)',
    subtitle: multi ? 'one panel per variant, same scales' : undefined,
    durationUs: report.scenario.durationUs,
    yAxes: [
      valueAxis('time behind (ms)', 'y', { min: 0, ...shared(peakMs) }),
      valueAxis('entries behind', 'y', {
        min: 0,
        ...shared(peakVersions),
        position: 'right',
        splitLine: { show: false },
      }),
    ],
    panels,
  });
}
