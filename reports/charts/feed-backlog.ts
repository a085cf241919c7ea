import type { Report } from '../report-types.js';
import { FEED_CHART_PREFIX } from './degree-distribution.js';
import {
  hasVariants,
  overlayIntervals,
  overlaySubtitle,
  runsOf,
  slug,
  timeChart,
  valueAxis,
  type Chart,
} from './common.js';
import { SHARED_LINE_NOTE, variantLines } from './variant-lines.js';

/** The fan-out backlog chart's id for a feed-service component. */
export const feedBacklogChartId = (component: string) => `${FEED_CHART_PREFIX}backlog-${slug(component)}`;

/**
 * Per feed service, the most timeline writes waiting in its fan-out queues
 * at once in each window, faults shaded: fan-out that keeps up stays near
 * zero, a celebrity's post shows as a spike that drains, fan-out that falls
 * behind as a climb. Drawn only when some run queued a write (pull never
 * does). With variants, one line per variant, those that would lie on each
 * other sharing one.
 */
export function feedBacklogCharts(report: Report): Chart[] {
  const components: string[] = [];
  for (const run of runsOf(report))
    for (const service of run.feed?.services ?? [])
      if (!components.includes(service.component) && service.timeline.backlogPeak.some((n) => n > 0))
        components.push(service.component);
  const multi = hasVariants(report);
  return components.map((component) =>
    timeChart({
      id: feedBacklogChartId(component),
      title: `Fan-out backlog over time: ${component}`,
      subtitle: `most timeline writes queued at once in each window${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
      durationUs: report.scenario.durationUs,
      yAxes: [valueAxis('queued writes (peak)', 'y', { min: 0 })],
      panels: [
        {
          series: variantLines(
            report,
            (run) => run.feed?.services.find((s) => s.component === component)?.timeline.backlogPeak,
            'queued writes',
          ),
          intervals: overlayIntervals(report),
        },
      ],
    }),
  );
}
