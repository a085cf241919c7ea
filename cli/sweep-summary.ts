import { formatInterval, metricLabel } from '../campaigns/metric-format.js';
import type { SweepMetric, SweepReport } from '../campaigns/sweep-report.js';

/** Rows shown in the terminal; a larger campaign is read in sweep.html. */
const MAX_ROWS = 30;
/** The columns a summary tries, in order; those the campaign has no figures for are skipped. */
const PREFERRED = [
  'availability',
  'latency.p99Us',
  'consistency.staleReadRate',
  'consistency.lostWrites',
  'errorRate',
  'throughputPerSec',
];

/**
 * The headline of a finished campaign for the terminal: each configuration's
 * key figures as `mean [low, high]`, as many columns as fit `width`, then how
 * many paired comparisons showed a difference beyond noise.
 */
export function sweepSummary(report: SweepReport, width: number): string[] {
  const configurations = report.configurations.slice(0, MAX_ROWS);
  const nameWidth = configurations.reduce((widest, c) => Math.max(widest, c.name.length), 13);
  const columns: { metric: SweepMetric; cells: string[]; width: number }[] = [];
  let used = nameWidth + 6;
  for (const name of PREFERRED) {
    const metric = report.metrics.find((m) => m.name === name);
    if (metric === undefined) continue;
    const cells = configurations.map((c) => formatInterval(c.metrics[name], metric.unit));
    const columnWidth = cells.reduce((widest, cell) => Math.max(widest, cell.length), metricLabel(name).length);
    if (used + columnWidth + 2 > width) break;
    used += columnWidth + 2;
    columns.push({ metric, cells, width: columnWidth });
  }
  const row = (name: string, cells: string[]) =>
    [name.padEnd(nameWidth), ...cells.map((cell, i) => cell.padStart(columns[i].width))].join('  ').trimEnd();
  const seeds = report.seeds.length;
  const lines = [
    `${report.scenario.name}: ${report.configurations.length} configuration${report.configurations.length === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'}; mean [95% confidence interval] over the seeds`,
    row(
      'configuration',
      columns.map((c) => metricLabel(c.metric.name)),
    ),
    ...configurations.map((c, i) =>
      row(
        `${c.name}${c.runs < seeds ? '*' : ''}`,
        columns.map((column) => column.cells[i]),
      ),
    ),
  ];
  if (report.configurations.length > MAX_ROWS)
    lines.push(`… and ${report.configurations.length - MAX_ROWS} more configurations in sweep.html`);
  if (configurations.some((c) => c.runs < seeds)) lines.push('* some seeds have no result yet');
  const significant = report.comparisons.filter((c) => c.difference.significant).length;
  if (report.comparisons.length > 0) {
    const against =
      report.baseline !== null && report.variants.length > 1
        ? `each variant against ${report.baseline}`
        : 'neighbouring grid points';
    lines.push(
      `paired by seed (${against}): ${significant} of ${report.comparisons.length} differences lie beyond noise (their 95% interval excludes zero)`,
    );
  }
  return lines;
}
