import type { Report } from '../report-types.js';
import { slug, type Chart } from './common.js';
import { FEED_CHART_PREFIX } from './degree-distribution.js';
import { componentsOf, variantLineChart } from './variant-lines.js';

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
  const queued = componentsOf(report, (run) =>
    (run.feed?.services ?? []).filter((s) => s.timeline.backlogPeak.some((n) => n > 0)).map((s) => s.component),
  );
  return queued.map((component) =>
    variantLineChart(report, {
      id: feedBacklogChartId(component),
      title: `Fan-out backlog over time: ${component}`,
      subtitle:
        'most timeline writes queued at once in each window (active-push: followers queued for its activity check)',
      axis: 'queued writes (peak)',
      axisOptions: { min: 0 },
      values: (run) => run.feed?.services.find((s) => s.component === component)?.timeline.backlogPeak,
      single: 'queued writes',
    }),
  );
}
