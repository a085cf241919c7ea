import type { Report } from '../report-types.js';
import { availabilityBySideChart } from './availability-by-side.js';
import { slug, type Chart } from './common.js';
import { messageDiagramChart } from './message-diagram.js';
import { stalenessOverTimeChart } from './staleness-over-time.js';

/** Chart ids of the consistency section start with this, so the HTML report can place them there. */
export const CONSISTENCY_CHART_PREFIX = 'consistency-';

/**
 * The consistency charts of every run that has a consistency section:
 * availability per partition side, stale reads over time and the message
 * diagram. Unlike the other per-window charts they are drawn for each
 * variant, since comparing them (CP against AP) is the point; ids then end
 * in the variant's name.
 */
export function consistencyCharts(report: Report): Chart[] {
  const runs = report.variants ?? [{ ...report, name: report.variant }];
  const charts: Chart[] = [];
  for (const run of runs) {
    const c = run.consistency;
    if (c === undefined) continue;
    const suffix = report.variants ? `-${slug(run.name)}` : '';
    // The run's own timeline and faults, with the variant named in the subtitle.
    const view: Report = {
      ...report,
      variant: run.name,
      metrics: run.metrics,
      faultIntervals: run.faultIntervals,
      faults: run.faults,
    };
    const subtitle = report.variants ? `variant: ${run.name}` : undefined;
    const sides = availabilityBySideChart(
      view,
      c,
      `${CONSISTENCY_CHART_PREFIX}availability-by-side${suffix}`,
      subtitle,
    );
    const staleness = stalenessOverTimeChart(view, c, `${CONSISTENCY_CHART_PREFIX}staleness${suffix}`, subtitle);
    if (sides !== null) charts.push(sides);
    if (staleness !== null) charts.push(staleness);
    if (c.messageDiagram !== null) {
      charts.push(
        messageDiagramChart(
          c.messageDiagram,
          run.faults,
          `${CONSISTENCY_CHART_PREFIX}message-diagram${suffix}`,
          report.variants ? `variant: ${run.name}` : undefined,
        ),
      );
    }
  }
  return charts;
}
