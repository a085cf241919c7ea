import { statSync } from 'node:fs';
import type { CampaignPlan } from './campaign-types.js';
import { ResultStore, StoreError, type RunConflict } from './result-store.js';

/** A run two stores hold with different results: the same run gave two answers on two machines. */
export interface MergeConflict extends RunConflict {
  /** The run's configuration as the first stored campaign that plans it names it; null when none does. */
  configurationName: string | null;
  /** The store whose result was refused (`refused`); `kept` is the one stored first. */
  input: string;
}

/** What one input store gave. */
export interface MergeInputSummary {
  path: string;
  /** Its runs, whether copied or not. */
  runs: number;
  campaignsAdded: number;
  runsAdded: number;
  duplicates: number;
  conflicts: number;
}

export interface MergeSummary {
  into: string;
  inputs: MergeInputSummary[];
  /** Every campaign in the merged store, first saved first: the caller writes their outputs. */
  campaigns: CampaignPlan[];
  campaignsAdded: number;
  runsAdded: number;
  /** Runs the merged store held already with the same result (from an earlier input or merge). */
  duplicates: number;
  conflicts: MergeConflict[];
  /** Runs in the merged store now. */
  runCount: number;
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

function configurationNames(campaigns: CampaignPlan[], keys: Set<string>): Map<string, string> {
  const names = new Map<string, string>();
  if (keys.size === 0) return names;
  for (const plan of campaigns)
    for (const run of plan.runs)
      if (keys.has(run.key) && !names.has(run.key)) names.set(run.key, plan.configurations[run.configuration].name);
  return names;
}

/**
 * Copies the campaigns and runs of every input store into `into` (created
 * when missing, else added to), one transaction per input. The inputs are
 * opened read-only and every one is checked before anything is written. A
 * run already stored with the same result counts as a duplicate; one stored
 * with a different result is a conflict: the first result stays, and the
 * conflict names both workers.
 */
export function mergeStores(inputs: string[], into: string): MergeSummary {
  if (inputs.length === 0)
    throw new StoreError(
      into,
      'no stores given to merge into it; name them, like faultline merge a.db b.db --into all.db',
    );
  for (const input of inputs) {
    if (sameFile(input, into))
      throw new StoreError(
        input,
        `it is also the store merged into (--into ${into}); merge into a new file, or leave it out of the inputs`,
      );
    ResultStore.open(input, { readOnly: true }).close();
  }

  const target = ResultStore.open(into);
  try {
    const summary: MergeSummary = {
      into,
      inputs: [],
      campaigns: [],
      campaignsAdded: 0,
      runsAdded: 0,
      duplicates: 0,
      conflicts: [],
      runCount: 0,
    };
    const conflicts: Array<RunConflict & { input: string }> = [];
    for (const path of inputs) {
      const source = ResultStore.open(path, { readOnly: true });
      try {
        const counts = target.absorb(source);
        summary.inputs.push({
          path,
          runs: counts.runs,
          campaignsAdded: counts.campaignsAdded,
          runsAdded: counts.added,
          duplicates: counts.duplicates,
          conflicts: counts.conflicts.length,
        });
        summary.campaignsAdded += counts.campaignsAdded;
        summary.runsAdded += counts.added;
        summary.duplicates += counts.duplicates;
        for (const conflict of counts.conflicts) conflicts.push({ ...conflict, input: path });
      } finally {
        source.close();
      }
    }
    summary.campaigns = target.campaigns();
    summary.runCount = target.runCount();
    const names = configurationNames(summary.campaigns, new Set(conflicts.map((c) => c.key)));
    summary.conflicts = conflicts.map((c) => ({ ...c, configurationName: names.get(c.key) ?? null }));
    return summary;
  } finally {
    target.close();
  }
}
