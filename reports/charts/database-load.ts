import type { DatabaseLoadReport, Report, WindowRow } from '../report-types.js';
import { CACHE_CHART_PREFIX } from './cache-hit-ratio.js';
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

/** The database-load chart's id for a database component. */
export const databaseLoadChartId = (component: string) => `${CACHE_CHART_PREFIX}database-load-${slug(component)}`;

/**
 * Per database, the reads and writes it served per second in each window,
 * faults shaded: what the caches in front of it let through, so a cache
 * crash, a hot key's expiry or a resharding's miss storm shows as a spike.
 * With variants, one line per variant on one plot; variants with the very
 * same load share a line named after all of them.
 */
export function databaseLoadCharts(report: Report): Chart[] {
  const runs = runsOf(report);
  const components: string[] = [];
  for (const run of runs)
    for (const database of run.caches?.databases ?? [])
      if (!components.includes(database.component)) components.push(database.component);
  const multi = hasVariants(report);
  return components.map((component) => {
    const groups = new Map<
      string,
      { names: string[]; index: number; database: DatabaseLoadReport; rows: WindowRow[] }
    >();
    runs.forEach((run, i) => {
      const database = run.caches?.databases.find((d) => d.component === component);
      if (database === undefined) return;
      const key = database.timeline.perSec.join(',');
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { names: [run.name], index: i, database, rows: run.metrics.timeline });
      else group.names.push(run.name);
    });
    const lines = [...groups.values()].map((group) =>
      windowLine(
        multi ? group.names.join(' = ') : 'reads + writes',
        group.database.timeline.perSec.map((rate, w) => [
          windowMidSeconds(group.rows[w].startUs, group.rows[w].endUs),
          rate,
        ]),
        seriesStyle(group.index),
      ),
    );
    return timeChart({
      id: databaseLoadChartId(component),
      title: `Database load over time: ${component}`,
      subtitle: `reads + writes served per second in each window${multi ? '; one line per variant, variants with the same load named together' : ''}${overlaySubtitle(report)}`,
      durationUs: report.scenario.durationUs,
      yAxes: [valueAxis('requests/s', 'y', { min: 0 })],
      panels: [{ series: lines, intervals: overlayIntervals(report) }],
    });
  });
}
