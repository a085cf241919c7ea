import type { Report } from '../report-types.js';
import {
  hasVariants,
  runsOf,
  seriesStyle,
  timeChart,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

const UTILIZATION_ID = 'utilization';

/** Busy share of each component's workers per window, one line each, faults shaded; with variants, a panel each. */
export function utilizationChart(report: Report): Chart | null {
  const runs = runsOf(report);
  const busy = (run: (typeof runs)[number]) =>
    run.metrics.components.filter((component) => component.workers > 0 && component.timeline.utilization.length > 0);
  if (!runs.some((run) => busy(run).length > 0)) return null;
  const multi = hasVariants(report);
  const { windowUs, durationUs } = report.scenario;
  // A component keeps its colour in every panel.
  const names = [...new Set(runs.flatMap((run) => busy(run).map((c) => `${c.name} (${c.type})`)))];
  const panels = runs.map((run) => ({
    ...(multi ? { title: run.name } : {}),
    series: busy(run).map((component) => {
      const name = `${component.name} (${component.type})`;
      return windowLine(
        name,
        component.timeline.utilization.map((utilization, i) => [
          // The last window may be shorter than the others.
          windowMidSeconds(i * windowUs, Math.min((i + 1) * windowUs, durationUs)),
          utilization * 100,
        ]),
        seriesStyle(names.indexOf(name)),
      );
    }),
    intervals: run.faultIntervals,
  }));
  return timeChart({
    id: UTILIZATION_ID,
    title: 'Utilization per component',
    subtitle: multi ? 'one panel per variant' : undefined,
    durationUs,
    yAxes: [valueAxis('utilization (%)', 'y', { min: 0, max: 100 })],
    panels,
  });
}
