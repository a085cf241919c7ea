/**
 * sweep.json: a campaign's figures per configuration, with confidence
 * intervals over seeds, and the paired comparisons between configurations.
 * A pure function of the plan and the stored records: the order the store
 * returns them in, and which machine or worker ran them, change nothing (no
 * wall-clock figure is in it), so a merged multi-machine campaign gives the
 * same bytes as a single-machine one.
 */

import { createHash } from 'node:crypto';
import type { CampaignPlan, Configuration, ParameterValue, RunRecord, SweepParameter } from './campaign-types.js';
import { completedRuns, metricsWithData, type CompletedRun } from './completed-runs.js';
import type { MetricDefinition } from './run-metrics.js';
import { meanInterval, pairedDifference, type MeanInterval } from './statistics.js';

export const SWEEP_FORMAT_VERSION = 1;

export type SweepMetric = Pick<MetricDefinition, 'name' | 'unit' | 'better' | 'description'>;

export interface SweepConfiguration {
  index: number;
  name: string;
  variant: string | null;
  /** One value per parameter, aligned with `SweepReport.parameters`. */
  values: ParameterValue[];
  /** Completed runs (seeds) of this configuration. */
  runs: number;
  /** Of those, the runs that passed every SLO. */
  sloPassed: number;
  /** Metric name → mean over seeds with its 95% interval, for every metric in `SweepReport.metrics`. */
  metrics: Record<string, MeanInterval>;
}

/** `to` − `from` for one metric, paired by seed, with its 95% interval. */
export interface SweepComparison {
  metric: string;
  from: string;
  to: string;
  difference: { n: number; mean: number | null; low: number | null; high: number | null; significant: boolean };
}

export interface SweepReport {
  format: typeof SWEEP_FORMAT_VERSION;
  kind: 'faultline-sweep';
  faultlineVersion: string;
  /** The file is left out: shards run it from other paths, and their merge must give this same report. */
  scenario: { name: string; description: string };
  /** sha256 (hex) over the planned runs' keys: two reports of one campaign share it. */
  campaignKey: string;
  seeds: number[];
  parameters: SweepParameter[];
  variants: string[];
  /** The variant the others are compared with; null without variants (neighbours along each axis are compared). */
  baseline: string | null;
  /** The metrics some completed run has a figure for, in METRICS order. */
  metrics: SweepMetric[];
  runs: { planned: number; completed: number; missing: number };
  /** sha256 (hex) over the completed runs' trace hashes in plan order: equal digests, equal simulations. */
  traceDigest: string;
  configurations: SweepConfiguration[];
  comparisons: SweepComparison[];
}

export function buildSweepReport(plan: CampaignPlan, records: ReadonlyMap<string, RunRecord>): SweepReport {
  const completed = completedRuns(plan, records);
  const metrics = metricsWithData(completed);
  const samples = sampleTable(plan, completed);
  const baseline = baselineVariant(plan);
  const sample = (configuration: number, metric: string) =>
    samples[configuration].map((record) => (record === null ? null : (record.metrics[metric] ?? null)));
  const configurations = plan.configurations.map((configuration): SweepConfiguration => {
    const runs = samples[configuration.index].filter((record) => record !== null);
    return {
      index: configuration.index,
      name: configuration.name,
      variant: configuration.variant,
      values: [...configuration.values],
      runs: runs.length,
      sloPassed: runs.filter((record) => record.sloPassed).length,
      metrics: Object.fromEntries(metrics.map(({ name }) => [name, meanInterval(sample(configuration.index, name))])),
    };
  });
  const comparisons: SweepComparison[] = [];
  for (const [from, to] of comparedPairs(plan, baseline))
    for (const { name } of metrics) {
      const { n, mean, low, high, significant } = pairedDifference(sample(from.index, name), sample(to.index, name));
      if (n > 0)
        comparisons.push({
          metric: name,
          from: from.name,
          to: to.name,
          difference: { n, mean, low, high, significant },
        });
    }
  return {
    format: SWEEP_FORMAT_VERSION,
    kind: 'faultline-sweep',
    faultlineVersion: plan.faultlineVersion,
    scenario: { name: plan.scenarioName, description: plan.description },
    campaignKey: plan.campaignKey,
    seeds: [...plan.seeds],
    parameters: plan.parameters.map(({ path, label, values, numeric }) => ({
      path,
      label,
      values: [...values],
      numeric: numeric === null ? null : { values: [...numeric.values], unit: numeric.unit },
    })),
    variants: [...plan.variants],
    baseline,
    metrics: metrics.map(({ name, unit, better, description }) => ({ name, unit, better, description })),
    runs: { planned: plan.runs.length, completed: completed.length, missing: plan.runs.length - completed.length },
    traceDigest: sha256(completed.map(({ record }) => record.traceHash).join('\n')),
    configurations,
    comparisons,
  };
}

/** The baseline variant: the plan's, else the first; null without variants. */
function baselineVariant(plan: CampaignPlan): string | null {
  if (plan.variants.length === 0) return null;
  if (plan.baseline === null) return plan.variants[0];
  if (!plan.variants.includes(plan.baseline))
    throw new Error(
      `the baseline "${plan.baseline}" is not one of the variants (${plan.variants.join(', ')}): name one of them`,
    );
  return plan.baseline;
}

/** Per configuration, its record for each of the plan's seeds, in seed order; null where the run is missing. */
function sampleTable(plan: CampaignPlan, completed: readonly CompletedRun[]): (RunRecord | null)[][] {
  const seedIndex = new Map(plan.seeds.map((seed, i) => [seed, i]));
  const table = plan.configurations.map(() => plan.seeds.map((): RunRecord | null => null));
  for (const { run, record } of completed) {
    const i = seedIndex.get(run.seed);
    if (i === undefined) throw new Error(`run ${run.key} has seed ${run.seed}, which is not among the plan's seeds`);
    table[run.configuration][i] = record;
  }
  return table;
}

/**
 * The configurations compared, as (from, to): with two or more variants,
 * each other variant against the baseline at the same grid point; otherwise
 * each grid point against its neighbour one step up along each parameter
 * (the other parameters equal).
 */
function comparedPairs(plan: CampaignPlan, baseline: string | null): [Configuration, Configuration][] {
  const gridKey = (variant: string | null, values: readonly ParameterValue[]) => JSON.stringify([variant, values]);
  const byPoint = new Map(plan.configurations.map((c) => [gridKey(c.variant, c.values), c]));
  const pairs: [Configuration, Configuration][] = [];
  if (plan.variants.length >= 2) {
    for (const to of plan.configurations) {
      if (to.variant === baseline) continue;
      const from = byPoint.get(gridKey(baseline, to.values));
      if (from !== undefined) pairs.push([from, to]);
    }
    return pairs;
  }
  plan.parameters.forEach((parameter, axis) => {
    for (const from of plan.configurations) {
      const step = parameter.values.indexOf(from.values[axis]);
      if (step < 0 || step + 1 >= parameter.values.length) continue;
      const values = from.values.map((value, i) => (i === axis ? parameter.values[step + 1] : value));
      const to = byPoint.get(gridKey(from.variant, values));
      if (to !== undefined) pairs.push([from, to]);
    }
  });
  return pairs;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
