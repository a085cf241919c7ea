import { createHash } from 'node:crypto';
import { parseUnitQuantity, type UnitQuantity } from '../models/kit/unit-text.js';
import type { LoadedScenario, LoadedSweep } from '../scenarios/harness/load-scenario.js';
import type {
  CampaignPlan,
  Configuration,
  ParameterValue,
  PlannedRun,
  RunSpec,
  SweepParameter,
} from './campaign-types.js';

const AXIS_UNITS: Record<UnitQuantity['kind'], NonNullable<SweepParameter['numeric']>['unit']> = {
  duration: 'us',
  rate: 'per-sec',
  size: 'bytes',
  bandwidth: 'bits-per-sec',
  percent: 'fraction',
};

/**
 * The campaign a sweep stands for: every configuration (variants × grid)
 * run with the same seeds, the scenario's seed and the ones after it, so
 * that configurations see the same random draws and can be compared seed by
 * seed. Each run is keyed by a content hash, so a store knows it whoever ran it.
 */
export function planCampaign(loaded: LoadedScenario, file: string, faultlineVersion: string): CampaignPlan {
  const sweep = loaded.sweep as LoadedSweep;
  const labels = parameterLabels(sweep.parameters.map((p) => p.path));
  const parameters: SweepParameter[] = sweep.parameters.map((p, i) => ({
    path: p.path,
    label: labels[i],
    values: p.values,
    numeric: numericAxis(p.values),
  }));
  const seeds = Array.from({ length: sweep.seeds }, (_, i) => loaded.scenario.seed + i);
  const configurations: Configuration[] = sweep.configurations.map((c, index) => ({
    index,
    name: configurationName(c.variant, parameters, c.values),
    variant: c.variant,
    values: c.values,
    scenario: c.scenario,
  }));
  const runs: PlannedRun[] = [];
  for (const configuration of configurations)
    for (const seed of seeds)
      runs.push({
        index: runs.length,
        configuration: configuration.index,
        seed,
        key: runKey(faultlineVersion, configuration, parameters, seed),
      });
  const campaignKey = createHash('sha256')
    .update(runs.map((r) => r.key).join('\n'))
    .digest('hex');
  return {
    faultlineVersion,
    scenarioName: loaded.scenario.name,
    description: loaded.scenario.description,
    file,
    parameters,
    variants: loaded.variants.map((v) => v.name),
    baseline: sweep.baseline,
    seeds,
    configurations,
    runs,
    campaignKey,
  };
}

/** What a worker needs for one run of the plan. */
export function runSpec(plan: CampaignPlan, run: PlannedRun): RunSpec {
  return {
    key: run.key,
    configuration: run.configuration,
    seed: run.seed,
    scenario: plan.configurations[run.configuration].scenario,
    faultlineVersion: plan.faultlineVersion,
  };
}

/** The store's key: everything that decides the run's result, hashed. */
function runKey(version: string, configuration: Configuration, parameters: SweepParameter[], seed: number): string {
  const content = {
    faultline: version,
    scenario: { ...configuration.scenario, seed },
    variant: configuration.variant,
    parameters: Object.fromEntries(parameters.map((p, i) => [p.path, configuration.values[i]])),
    seed,
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** The last segment of each path, or as many more as it takes to tell two apart. */
function parameterLabels(paths: readonly string[]): string[] {
  const segments = paths.map((p) => p.split('.'));
  const take = segments.map(() => 1);
  for (let changed = true; changed;) {
    changed = false;
    const labels = segments.map((s, i) => s.slice(-take[i]).join('.'));
    labels.forEach((label, i) => {
      if (labels.indexOf(label) !== labels.lastIndexOf(label) && take[i] < segments[i].length) {
        take[i]++;
        changed = true;
      }
    });
  }
  return segments.map((s, i) => s.slice(-take[i]).join('.'));
}

function configurationName(variant: string | null, parameters: SweepParameter[], values: ParameterValue[]): string {
  const parts = parameters.map((p, i) => `${p.label}=${String(values[i])}`);
  return [...(variant === null ? [] : [variant]), ...parts].join(' · ') || 'base';
}

/** The values on one numeric axis in base units, when they are all plain numbers or all quantities of one kind. */
function numericAxis(values: readonly ParameterValue[]): SweepParameter['numeric'] {
  if (values.every((v) => typeof v === 'number')) return { values: values as number[], unit: 'number' };
  if (!values.every((v) => typeof v === 'string')) return null;
  const quantities = (values as string[]).map(parseUnitQuantity);
  const kind = quantities[0]?.kind;
  if (kind === undefined || !quantities.every((q) => q !== null && q.kind === kind)) return null;
  return { values: quantities.map((q) => (q as UnitQuantity).base), unit: AXIS_UNITS[kind] };
}
