import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CampaignPlan, RunRecord } from './campaign-types.js';

/** A record as outputs show it: what any machine would have computed, without who ran it and how long it took. */
export type RunResult = Omit<RunRecord, 'wallMs' | 'worker'>;

/** The stored runs of `plan`, in plan order, without `wallMs` and `worker`. */
export function campaignResults(plan: CampaignPlan, records: ReadonlyMap<string, RunRecord>): RunResult[] {
  const results: RunResult[] = [];
  for (const run of plan.runs) {
    const record = records.get(run.key);
    if (record === undefined) continue;
    const { wallMs: _wallMs, worker: _worker, ...result } = record;
    results.push(result);
  }
  return results;
}

/**
 * Writes a campaign's results into `dir` (created when missing): `runs.json`,
 * the stored runs in plan order. Each file goes to a temporary name first and
 * is renamed into place, so a reader never sees half a file. Returns the
 * paths written.
 */
export function writeCampaignOutputs(
  plan: CampaignPlan,
  records: ReadonlyMap<string, RunRecord>,
  dir: string,
): string[] {
  const files = [
    { path: join(dir, 'runs.json'), content: `${JSON.stringify(campaignResults(plan, records), null, 2)}\n` },
  ];
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const temp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.tmp`);
    try {
      writeFileSync(temp, file.content);
      renameSync(temp, file.path);
    } finally {
      rmSync(temp, { force: true });
    }
  }
  return files.map((file) => file.path);
}
