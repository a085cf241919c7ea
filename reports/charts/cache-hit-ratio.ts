import type { Report } from '../report-types.js';
import { slug, type Chart } from './common.js';
import { componentsOf, variantLineChart } from './variant-lines.js';

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
  const looked = componentsOf(report, (run) =>
    (run.caches?.caches ?? []).filter((c) => c.timeline.lookups.some((n) => n > 0)).map((c) => c.component),
  );
  return looked.map((component) =>
    variantLineChart(report, {
      id: cacheHitRatioChartId(component),
      title: `Hit ratio over time: ${component}`,
      subtitle: 'hits / lookups per window, warm-up included',
      axis: 'hit ratio (%)',
      axisOptions: { min: 0, max: 100 },
      values: (run) =>
        run.caches?.caches
          .find((c) => c.component === component)
          ?.timeline.hitRatio.map((r) => (r === null ? null : r * 100)),
      single: 'hit ratio',
    }),
  );
}
