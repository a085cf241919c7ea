import { createHash } from 'node:crypto';
import type {
  CampaignPlan,
  Configuration,
  ParameterValue,
  PlannedRun,
  RunMetricValues,
  RunRecord,
  SweepParameter,
} from '../../campaigns/campaign-types.js';
import type { Scenario } from '../../scenarios/harness/scenario-schema.js';

/**
 * Campaign plans and records without a simulation: a grid of made-up
 * parameters and the figures a test chooses for each run. The reports must
 * never read a configuration's scenario, so it is an empty object here.
 */

export interface SyntheticParameter {
  path: string;
  values: ParameterValue[];
  /** Numeric values on one axis; omitted: the values as they are when all are numbers, else null. */
  numeric?: SweepParameter['numeric'];
}

export interface SyntheticPlanOptions {
  parameters?: SyntheticParameter[];
  variants?: string[];
  baseline?: string | null;
  seeds?: number;
  firstSeed?: number;
  description?: string;
  name?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const valueText = (value: ParameterValue) => (typeof value === 'string' ? value : JSON.stringify(value));

export function syntheticPlan(options: SyntheticPlanOptions = {}): CampaignPlan {
  const variants = options.variants ?? [];
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => (options.firstSeed ?? 1) + i);
  const parameters: SweepParameter[] = (options.parameters ?? []).map((p) => ({
    path: p.path,
    label: p.path.split('.').at(-1)!,
    values: p.values,
    numeric:
      p.numeric !== undefined
        ? p.numeric
        : p.values.every((v) => typeof v === 'number')
          ? { values: p.values as number[], unit: 'number' }
          : null,
  }));
  // The grid with the last parameter fastest.
  let grid: ParameterValue[][] = [[]];
  for (const p of parameters) grid = grid.flatMap((point) => p.values.map((v) => [...point, v]));
  const configurations: Configuration[] = [];
  for (const variant of variants.length > 0 ? variants : [null])
    for (const values of grid) {
      const parts = [
        ...(variant === null ? [] : [variant]),
        ...values.map((v, i) => `${parameters[i].label}=${valueText(v)}`),
      ];
      configurations.push({
        index: configurations.length,
        name: parts.length > 0 ? parts.join(' · ') : 'base',
        variant,
        values,
        scenario: {} as Scenario,
      });
    }
  const runs: PlannedRun[] = configurations.flatMap((c) =>
    seeds.map((seed) => ({ index: 0, configuration: c.index, seed, key: sha256(`${c.name}|${seed}`) })),
  );
  runs.forEach((run, i) => (run.index = i));
  return {
    faultlineVersion: '0.1.0-test',
    scenarioName: options.name ?? 'synthetic',
    description: options.description ?? 'A made-up campaign.',
    file: 'synthetic.yaml',
    parameters,
    variants,
    baseline: options.baseline ?? null,
    seeds,
    configurations,
    runs,
    campaignKey: sha256(runs.map((r) => r.key).join('\n')),
  };
}

/** The figures of one run, chosen by the test. */
export type MetricsOf = (configuration: Configuration, seed: number) => RunMetricValues;

/** A record for every planned run that `keep` keeps (all by default), in plan order. */
export function syntheticRecords(
  plan: CampaignPlan,
  metricsOf: MetricsOf,
  keep: (run: PlannedRun) => boolean = () => true,
): Map<string, RunRecord> {
  const records = new Map<string, RunRecord>();
  for (const run of plan.runs) {
    if (!keep(run)) continue;
    const configuration = plan.configurations[run.configuration];
    const metrics = metricsOf(configuration, run.seed);
    records.set(run.key, {
      key: run.key,
      configuration: run.configuration,
      seed: run.seed,
      traceHash: sha256(`trace ${run.key}`),
      events: 1000 + run.index,
      sloPassed: (metrics['slo.passed'] ?? 1) === 1,
      metrics,
      wallMs: 10 + (run.index % 7),
      worker: 'local',
    });
  }
  return records;
}

/** The same records in another order, as another store or a merge of shards might return them. */
export function reordered(records: ReadonlyMap<string, RunRecord>, order: (keys: string[]) => string[]) {
  return new Map(order([...records.keys()]).map((key) => [key, records.get(key)!]));
}

/** A deterministic pseudo-random number in [0, 1) per (seed, salt): the noise seeds add to a figure. */
export function noise(seed: number, salt: string): number {
  return parseInt(sha256(`${salt}|${seed}`).slice(0, 8), 16) / 2 ** 32;
}

/**
 * Plausible figures for a server-sizing sweep: a latency knee as the arrival
 * rate nears capacity, availability falling past it, each variant a little
 * faster than the one before, and per-seed noise shared across
 * configurations (common random numbers).
 */
export function serverSizingMetrics(configuration: Configuration, seed: number, plan: CampaignPlan): RunMetricValues {
  const numberAt = (path: string, fallback: number) => {
    const i = plan.parameters.findIndex((p) => p.path === path);
    // '1,000/s' reads as 1000: the leading number, separators dropped.
    return i < 0 ? fallback : parseFloat(String(configuration.values[i]).replaceAll(',', ''));
  };
  const workers = numberAt('components.api.workers', 6);
  const rate = numberAt('workloads.users.rate', 800);
  const variantBoost = 1 + 0.12 * Math.max(0, plan.variants.indexOf(configuration.variant ?? ''));
  const capacity = workers * 160 * variantBoost;
  const load = Math.min(rate / capacity, 0.95);
  const overload = Math.max(0, rate / capacity - 1);
  // Noise shared by every configuration on a seed (common random numbers), plus a little of each configuration's own.
  const jitter = noise(seed, 'latency') - 0.5 + 0.4 * (noise(seed, configuration.name) - 0.5);
  const meanUs = (4000 / (1 - load)) * (1 + 3 * overload) * (1 + 0.4 * jitter * (0.2 + load));
  const availability = Math.max(0, Math.min(1, 1 - 0.3 * Math.max(0, rate / capacity - 0.85) + 0.03 * load * jitter));
  return {
    availability,
    'latency.meanUs': meanUs,
    'latency.p50Us': meanUs * 0.7,
    'latency.p99Us': meanUs * 4.6,
    throughputPerSec: Math.min(rate, capacity) * (1 + 0.01 * jitter),
    errorRate: 1 - availability,
    'slo.passed': availability > 0.99 ? 1 : 0,
    'consistency.staleReadRate': null,
  };
}
