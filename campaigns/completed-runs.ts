import type { CampaignPlan, PlannedRun, RunRecord } from './campaign-types.js';
import { METRICS, type MetricDefinition } from './run-metrics.js';

/** A planned run with its stored record. */
export interface CompletedRun {
  run: PlannedRun;
  record: RunRecord;
}

/**
 * The plan's runs that have a record, in plan order: whatever order the
 * store returned them in, what is built from them comes out the same.
 * Records the plan does not name are ignored.
 */
export function completedRuns(plan: CampaignPlan, records: ReadonlyMap<string, RunRecord>): CompletedRun[] {
  const completed: CompletedRun[] = [];
  for (const run of plan.runs) {
    const record = records.get(run.key);
    if (record === undefined) continue;
    if (record.configuration !== run.configuration || record.seed !== run.seed)
      throw new Error(
        `the stored run ${run.key} is configuration ${record.configuration} seed ${record.seed}, but the plan has configuration ${run.configuration} seed ${run.seed} under that key: the store does not belong to this campaign`,
      );
    completed.push({ run, record });
  }
  return completed;
}

/** The metrics, in METRICS order, that at least one completed run has a figure for. */
export function metricsWithData(completed: readonly CompletedRun[]): MetricDefinition[] {
  return METRICS.filter((metric) => completed.some(({ record }) => (record.metrics[metric.name] ?? null) !== null));
}
