import { existsSync } from 'node:fs';
import { campaignOutputs, type CampaignFile } from '../../campaigns/campaign-outputs.js';
import type { CampaignPlan } from '../../campaigns/campaign-types.js';
import { mergeStores, type MergeConflict, type MergeSummary } from '../../campaigns/merge-stores.js';
import { ResultStore } from '../../campaigns/result-store.js';
import { prepareSharedFolder, writeFilesAtomically } from '../atomic-write.js';
import { EXIT_DIVERGED, EXIT_OK, UsageError, type Outcome } from '../exit-codes.js';
import type { CliIo } from '../io.js';

export interface MergeOptions {
  into: string;
  /** Write the merged campaign's results here. */
  out?: string;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const short = (hash: string) => hash.slice(0, 12);
const campaignName = (plan: CampaignPlan) => `${plan.scenarioName} (${short(plan.campaignKey)})`;

/** The campaigns `paths` hold between them, each once, for refusing --out before anything is merged. */
function campaignsIn(paths: string[]): CampaignPlan[] {
  const found = new Map<string, CampaignPlan>();
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const store = ResultStore.open(path, { readOnly: true });
    try {
      for (const plan of store.campaigns()) if (!found.has(plan.campaignKey)) found.set(plan.campaignKey, plan);
    } finally {
      store.close();
    }
  }
  return [...found.values()];
}

function conflictLine(into: string, c: MergeConflict): string {
  const configuration = c.configurationName === null ? `configuration ${c.configuration}` : `"${c.configurationName}"`;
  return (
    `${into}: run ${short(c.key)} (${configuration}, seed ${c.seed}) gave two results: trace hash ${short(c.kept.traceHash)} ` +
    `by ${c.kept.worker} is kept, and ${short(c.refused.traceHash)} by ${c.refused.worker} in ${c.input} is not. ` +
    'One run must give one result on every machine: check that the machines run the same faultline version, ' +
    'and report it as a faultline bug if they do.'
  );
}

function summaryLines(inputs: string[], summary: MergeSummary, into: string): string[] {
  const lines = [
    `merged ${count(inputs.length, 'store')} into ${into}: ${count(summary.campaignsAdded, 'campaign')} and ` +
      `${count(summary.runsAdded, 'run')} added, ${count(summary.duplicates, 'duplicate')}` +
      (summary.conflicts.length > 0 ? `, ${count(summary.conflicts.length, 'conflict')}` : '') +
      `; it holds ${count(summary.runCount, 'run')}`,
  ];
  const width = summary.inputs.reduce((widest, input) => Math.max(widest, input.path.length), 0);
  for (const input of summary.inputs)
    lines.push(
      `  ${input.path.padEnd(width)}  ${count(input.runs, 'run')}: ${input.runsAdded.toLocaleString('en-US')} added, ` +
        `${count(input.duplicates, 'duplicate')}` +
        (input.conflicts > 0 ? `, ${count(input.conflicts, 'conflict')}` : ''),
    );
  return lines;
}

function campaignLines(summary: MergeSummary, into: string): string[] {
  if (summary.campaigns.length === 0) return [];
  const store = ResultStore.open(into, { readOnly: true });
  try {
    return summary.campaigns.map((plan) => {
      const stored = store.storedKeys(plan.runs.map((run) => run.key)).size;
      const missing = plan.runs.length - stored;
      return (
        `campaign ${campaignName(plan)}: ${stored.toLocaleString('en-US')} of ${count(plan.runs.length, 'planned run')} stored` +
        (missing > 0 ? `; ${missing.toLocaleString('en-US')} missing (a shard not merged, or not finished?)` : '')
      );
    });
  } finally {
    store.close();
  }
}

/** sweep.json, sweep.html and results.csv of the merged campaign, as `faultline sweep` writes them on one machine. */
async function writeOutputs(plan: CampaignPlan, into: string, dir: string, io: CliIo): Promise<string[]> {
  const store = ResultStore.open(into, { readOnly: true });
  let files: CampaignFile[];
  try {
    files = campaignOutputs(plan, store.records(plan.runs.map((run) => run.key)), dir).files;
  } finally {
    store.close();
  }
  prepareSharedFolder(dir);
  await writeFilesAtomically(files, io);
  return files.map((file) => file.path);
}

/**
 * `faultline merge a.db b.db … --into all.db [--out dir]`: combines shards'
 * stores. Exit 4 when two stores hold one run with different results.
 */
export async function mergeCommand(
  inputs: string[],
  options: MergeOptions,
  io: CliIo,
): Promise<Outcome & { lines: string[]; errors: string[] }> {
  if (options.out !== undefined) {
    const campaigns = campaignsIn([options.into, ...inputs]);
    if (campaigns.length === 0)
      throw new UsageError(`--out ${options.out}: the stores hold no campaign, so there are no results to write.`);
    if (campaigns.length > 1)
      throw new UsageError(
        `--out ${options.out}: the stores hold ${count(campaigns.length, 'campaign')} (${campaigns.map(campaignName).join(', ')}), ` +
          'and --out writes the results of one; merge without --out, or merge the shards of one campaign into a store of its own. Nothing was merged.',
      );
  }

  const summary = mergeStores(inputs, options.into);
  const lines = [...summaryLines(inputs, summary, options.into), ...campaignLines(summary, options.into)];
  if (options.out !== undefined)
    for (const path of await writeOutputs(summary.campaigns[0], options.into, options.out, io))
      lines.push(`wrote ${path}`);

  const errors = summary.conflicts.map((c) => conflictLine(options.into, c));
  const conflicts = summary.conflicts.length;
  return conflicts === 0
    ? { code: EXIT_OK, lines, errors }
    : {
        code: EXIT_DIVERGED,
        reason: `${count(conflicts, 'run')} gave different results in different stores (see above); the first result of each was kept`,
        lines,
        errors,
      };
}
