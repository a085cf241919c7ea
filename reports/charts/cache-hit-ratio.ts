import type { Report } from '../report-types.js';
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

/** Chart ids of the cache section start with this, so the HTML report can place them there. */
export const CACHE_CHART_PREFIX = 'caches-';

/** The hit-ratio chart's id for a cache component. */
export const cacheHitRatioChartId = (component: string) => `${CACHE_CHART_PREFIX}hit-ratio-${slug(component)}`;

/**
 * Per cache, its hit ratio in each window (hits / lookups, the warm-up's
 * windows included so the fill from cold shows), faults shaded: a crashed
 * cache node or a purge shows as a dip and the climb back. With variants,
 * one line per variant on one plot, those that would lie on each other
 * sharing one (charts/variant-lines.ts).
 */
export function cacheHitRatioCharts(report: Report): Chart[] {
  const components: string[] = [];
  for (const run of runsOf(report))
    for (const cache of run.caches?.caches ?? [])
      if (!components.includes(cache.component) && cache.timeline.lookups.some((n) => n > 0))
        components.push(cache.component);
  const multi = hasVariants(report);
  return components.map((component) =>
    timeChart({
      id: cacheHitRatioChartId(component),
      title: `Hit ratio over time: ${component}`,
      subtitle: `hits / lookups per window, warm-up included${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
      durationUs: report.scenario.durationUs,
      yAxes: [valueAxis('hit ratio (%)', 'y', { min: 0, max: 100 })],
      panels: [
        {
          series: variantLines(
            report,
            (run) =>
              run.caches?.caches
                .find((c) => c.component === component)
                ?.timeline.hitRatio.map((r) => (r === null ? null : r * 100)),
            'hit ratio',
          ),
          intervals: overlayIntervals(report),
        },
      ],
    }),
  );
}
