/**
 * results.csv: one row per completed run, for pandas and R. RFC 4180 (CRLF
 * line ends, fields quoted where they hold a comma, quote or line break),
 * numbers as JavaScript prints them so they read back to the same double,
 * an empty cell where a run has no figure, true/false for booleans (both
 * read them as logicals). No wall-clock column: a merged multi-machine
 * campaign gives the same bytes as a single-machine one.
 */

import type { CampaignPlan, ParameterValue, RunRecord } from './campaign-types.js';
import { completedRuns, metricsWithData } from './completed-runs.js';

/**
 * Columns: configuration, variant (when the scenario has variants), one per
 * parameter (headed by its path), seed, key, traceHash, events, sloPassed,
 * then one per metric some run has a figure for (headed by its name), in
 * the order sweep.json lists them.
 */
export function resultsCsv(plan: CampaignPlan, records: ReadonlyMap<string, RunRecord>): string {
  const completed = completedRuns(plan, records);
  const metrics = metricsWithData(completed);
  const withVariant = plan.variants.length > 0;
  const header = [
    'configuration',
    ...(withVariant ? ['variant'] : []),
    ...plan.parameters.map((p) => p.path),
    'seed',
    'key',
    'traceHash',
    'events',
    'sloPassed',
    ...metrics.map((m) => m.name),
  ];
  const rows = completed.map(({ run, record }) => {
    const configuration = plan.configurations[run.configuration];
    return [
      configuration.name,
      ...(withVariant ? [configuration.variant] : []),
      ...configuration.values,
      run.seed,
      run.key,
      record.traceHash,
      record.events,
      record.sloPassed,
      ...metrics.map((m) => record.metrics[m.name] ?? null),
    ];
  });
  return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('');
}

function csvField(value: ParameterValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
