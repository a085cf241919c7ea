import type { Report } from '../report-types.js';
import { CACHE_CHART_PREFIX } from './cache-hit-ratio.js';
import { slug, type Chart } from './common.js';
import { componentsOf, variantLineChart } from './variant-lines.js';

/** The database-load chart's id for a database component. */
export const databaseLoadChartId = (component: string) => `${CACHE_CHART_PREFIX}database-load-${slug(component)}`;

/**
 * Per database, the reads and writes it served per second in each window,
 * faults shaded: what the caches in front of it let through, so a cache
 * crash, a hot key's expiry or a resharding's miss storm shows as a spike.
 * With variants, one line per variant on one plot, those that would lie on
 * each other sharing one (charts/variant-lines.ts).
 */
export function databaseLoadCharts(report: Report): Chart[] {
  const databases = componentsOf(report, (run) => (run.caches?.databases ?? []).map((d) => d.component));
  return databases.map((component) =>
    variantLineChart(report, {
      id: databaseLoadChartId(component),
      title: `Database load over time: ${component}`,
      subtitle: 'reads + writes per second in each window',
      axis: 'requests/s',
      axisOptions: { min: 0 },
      values: (run) => run.caches?.databases.find((d) => d.component === component)?.timeline.perSec,
      single: 'reads + writes',
    }),
  );
}
