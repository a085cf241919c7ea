import type { Report } from '../report-types.js';
import { slug, type Chart } from './common.js';
import { FEED_CHART_PREFIX } from './degree-distribution.js';
import { componentsOf, variantLineChart } from './variant-lines.js';

/** The timeline-writes chart's id for a feed-service component. */
export const feedTimelineWritesChartId = (component: string) =>
  `${FEED_CHART_PREFIX}timeline-writes-${slug(component)}`;

/**
 * Per feed service, the timeline writes its fan-out made per second in each
 * window (the warm-up included), faults shaded: push's write amplification
 * against pull's none, a celebrity's post as a spike, a crashed node's
 * fan-out stopping. With variants, one line per variant on one plot, those
 * that would lie on each other sharing one (charts/variant-lines.ts).
 */
export function feedTimelineWritesCharts(report: Report): Chart[] {
  const services = componentsOf(report, (run) => (run.feed?.services ?? []).map((s) => s.component));
  return services.map((component) =>
    variantLineChart(report, {
      id: feedTimelineWritesChartId(component),
      title: `Timeline writes over time: ${component}`,
      subtitle: 'fan-out writes per second in each window',
      axis: 'timeline writes/s',
      axisOptions: { min: 0 },
      values: (run) => run.feed?.services.find((s) => s.component === component)?.timeline.timelineWritesPerSec,
      single: 'timeline writes',
    }),
  );
}
