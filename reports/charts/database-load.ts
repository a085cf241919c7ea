import type { Report } from '../report-types.js';
import { CACHE_CHART_PREFIX } from './cache-hit-ratio.js';
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
  const components: string[] = [];
  for (const run of runsOf(report))
    for (const database of run.caches?.databases ?? [])
      if (!components.includes(database.component)) components.push(database.component);
  const multi = hasVariants(report);
  return components.map((component) =>
    timeChart({
      id: databaseLoadChartId(component),
      title: `Database load over time: ${component}`,
      subtitle: `reads + writes per second in each window${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
      durationUs: report.scenario.durationUs,
      yAxes: [valueAxis('requests/s', 'y', { min: 0 })],
      panels: [
        {
          series: variantLines(
            report,
            (run) => run.caches?.databases.find((d) => d.component === component)?.timeline.perSec,
            'reads + writes',
          ),
          intervals: overlayIntervals(report),
        },
      ],
    }),
  );
}
