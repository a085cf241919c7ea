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
  const components: string[] = [];
  for (const run of runsOf(report))
    for (const service of run.feed?.services ?? [])
      if (!components.includes(service.component)) components.push(service.component);
  const multi = hasVariants(report);
  return components.map((component) =>
    timeChart({
      id: feedTimelineWritesChartId(component),
      title: `Timeline writes over time: ${component}`,
      subtitle: `fan-out writes per second in each window${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
      durationUs: report.scenario.durationUs,
      yAxes: [valueAxis('timeline writes/s', 'y', { min: 0 })],
      panels: [
        {
          series: variantLines(
            report,
            (run) => run.feed?.services.find((s) => s.component === component)?.timeline.timelineWritesPerSec,
            'timeline writes',
          ),
          intervals: overlayIntervals(report),
        },
      ],
    }),
  );
}
