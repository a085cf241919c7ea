import { join } from 'node:path';
import type { CampaignPlan, RunRecord } from './campaign-types.js';
import { sweepCharts } from './charts/sweep-charts.js';
import { resultsCsv } from './results-csv.js';
import { buildSweepReport, type SweepReport } from './sweep-report.js';
import { renderSweepHtml } from './sweep-html.js';

export interface CampaignFile {
  path: string;
  content: string;
}

/**
 * What a campaign writes from its stored runs: sweep.json, sweep.html and
 * results.csv, in `dir`. Built from the plan and the records alone, in plan
 * order and without wall-clock figures, so a campaign run on one machine and
 * one merged from shards give byte-identical files.
 */
export function campaignOutputs(
  plan: CampaignPlan,
  records: ReadonlyMap<string, RunRecord>,
  dir: string,
): { report: SweepReport; files: CampaignFile[] } {
  const report = buildSweepReport(plan, records);
  return {
    report,
    files: [
      { path: join(dir, 'sweep.json'), content: `${JSON.stringify(report, null, 2)}\n` },
      { path: join(dir, 'sweep.html'), content: renderSweepHtml(report, sweepCharts(report)) },
      { path: join(dir, 'results.csv'), content: resultsCsv(plan, records) },
    ],
  };
}
