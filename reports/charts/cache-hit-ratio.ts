import type { CacheComponentReport, Report, WindowRow } from '../report-types.js';
import {
  hasVariants,
  overlayIntervals,
  overlaySubtitle,
  runsOf,
  seriesStyle,
  slug,
  timeChart,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

/** Chart ids of the cache section start with this, so the HTML report can place them there. */
export const CACHE_CHART_PREFIX = 'caches-';

/** The hit-ratio chart's id for a cache component. */
export const cacheHitRatioChartId = (component: string) => `${CACHE_CHART_PREFIX}hit-ratio-${slug(component)}`;

/**
 * Per cache, its hit ratio in each window (hits / lookups, the warm-up's
 * windows included so the fill from cold shows), faults shaded: a crashed
 * cache node or a purge shows as a dip and the climb back. With variants,
 * one line per variant on one plot; variants with the very same ratios
 * share a line named after all of them, which would otherwise hide each other.
 */
export function cacheHitRatioCharts(report: Report): Chart[] {
  const runs = runsOf(report);
  const components: string[] = [];
  for (const run of runs)
    for (const cache of run.caches?.caches ?? [])
      if (!components.includes(cache.component) && cache.timeline.lookups.some((n) => n > 0))
        components.push(cache.component);
  const multi = hasVariants(report);
  return components.map((component) => {
    const groups = new Map<
      string,
      { names: string[]; index: number; cache: CacheComponentReport; rows: WindowRow[] }
    >();
    runs.forEach((run, i) => {
      const cache = run.caches?.caches.find((c) => c.component === component);
      if (cache === undefined) return;
      const key = cache.timeline.hitRatio.join(',');
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { names: [run.name], index: i, cache, rows: run.metrics.timeline });
      else group.names.push(run.name);
    });
    const lines = [...groups.values()].map((group) =>
      windowLine(
        multi ? group.names.join(' = ') : 'hit ratio',
        group.cache.timeline.hitRatio.map((r, w) => [
          windowMidSeconds(group.rows[w].startUs, group.rows[w].endUs),
          r === null ? null : r * 100,
        ]),
        seriesStyle(group.index),
      ),
    );
    return timeChart({
      id: cacheHitRatioChartId(component),
      title: `Hit ratio over time: ${component}`,
      subtitle: `hits / lookups per window, the warm-up included; gaps: no lookup${multi ? '; one line per variant, variants with the same ratios named together' : ''}${overlaySubtitle(report)}`,
      durationUs: report.scenario.durationUs,
      yAxes: [valueAxis('hit ratio (%)', 'y', { min: 0, max: 100 })],
      panels: [{ series: lines, intervals: overlayIntervals(report) }],
    });
  });
}
