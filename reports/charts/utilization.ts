import type { Report } from '../report-types.js';
import { timeSeriesOption, valueAxis, WIDE, windowLine, windowMidSeconds, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

const UTILIZATION_ID = 'utilization';

/** Busy share of each component's workers per window, one line each, faults shaded. */
export function utilizationChart(report: Report): Chart | null {
  const components = report.metrics.components.filter(
    (component) => component.workers > 0 && component.timeline.utilization.length > 0,
  );
  if (components.length === 0) return null;
  const title = 'Utilization per component';
  const { windowUs, durationUs } = report.scenario;
  const lines = components.map((component) =>
    windowLine(
      `${component.name} (${component.type})`,
      component.timeline.utilization.map((utilization, i) => [
        // The last window may be shorter than the others.
        windowMidSeconds(i * windowUs, Math.min((i + 1) * windowUs, durationUs)),
        utilization * 100,
      ]),
    ),
  );
  const option = timeSeriesOption(report, title, valueAxis('utilization (%)', 'y', { min: 0, max: 100 }), lines);
  return { id: UTILIZATION_ID, title, svg: renderSvg(UTILIZATION_ID, option, WIDE) };
}
