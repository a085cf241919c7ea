/**
 * The shapes shared by every part of a campaign: the plan (configurations ×
 * seeds, each run named by a content hash), what one run returns, and what
 * the store keeps. Everything here is plain JSON so that it crosses worker
 * threads, processes, SQLite and Redis unchanged.
 */

import type { Scenario } from '../scenarios/harness/scenario-schema.js';

/** A scalar as a sweep parameter takes it: `6`, `'750/s'`, `true`. */
export type ParameterValue = number | string | boolean | null;

/** One swept path with the values it takes, in order (ranges already expanded). */
export interface SweepParameter {
  /** As written: `components.api.workers`. */
  path: string;
  /** A short label for charts and tables: the last path segment, or more where two would be equal. */
  label: string;
  values: ParameterValue[];
  /**
   * The same values as plain numbers on one axis (durations in µs, rates per
   * second, sizes in bytes, percentages as fractions, numbers as they are),
   * with that axis's unit; null when some value is not a number or a unit.
   */
  numeric: { values: number[]; unit: 'us' | 'per-sec' | 'bytes' | 'bits-per-sec' | 'fraction' | 'number' } | null;
}

/** One point of the grid under one variant: everything but the seed. */
export interface Configuration {
  /** Position in the plan: variants outermost (file order), then the grid with the last parameter fastest. */
  index: number;
  /** Readable and unique within the campaign: `workers-6 · workers=6 · rate=750/s`. */
  name: string;
  /** The variant's name; null when the scenario has no variants. */
  variant: string | null;
  /** One value per sweep parameter, aligned with `CampaignPlan.parameters`. */
  values: ParameterValue[];
  /** The validated scenario for this configuration (seed not yet set). */
  scenario: Scenario;
}

/** One run of the campaign: a configuration with a seed. */
export interface PlannedRun {
  /** Position in the plan: configuration-major, seed-minor. Shards split on it. */
  index: number;
  configuration: number;
  seed: number;
  /** sha256 (hex) of (faultline version, resolved scenario with its seed, variant, parameters, seed): the store's key. */
  key: string;
}

export interface CampaignPlan {
  faultlineVersion: string;
  scenarioName: string;
  description: string;
  /** The scenario file as given on the command line (a bundled name stays a name). */
  file: string;
  parameters: SweepParameter[];
  /** Variant names in file order; empty when the scenario has none. */
  variants: string[];
  /** Whose paired differences the others are compared with: a variant name, or null (compare neighbours along each parameter). */
  baseline: string | null;
  seeds: number[];
  configurations: Configuration[];
  runs: PlannedRun[];
  /** sha256 (hex) over every run key in plan order: equal plans, equal key. */
  campaignKey: string;
}

/**
 * A run's figures, flat: `availability`, `latency.p99Us`, `consistency.staleReadRate`, …
 * (see campaigns/run-metrics.ts for the list). null: the run had no data for it.
 */
export type RunMetricValues = Record<string, number | null>;

/** What one run yields, as stored; the same whichever machine or worker ran it, apart from `wallMs` and `worker`. */
export interface RunRecord {
  key: string;
  configuration: number;
  seed: number;
  traceHash: string;
  events: number;
  sloPassed: boolean;
  metrics: RunMetricValues;
  /** Wall-clock milliseconds the run took; never in sweep.json or results.csv. */
  wallMs: number;
  /** Who ran it: `local`, or a fleet worker's host and process id. Not in sweep.json or results.csv. */
  worker: string;
}

/** What a worker needs to run one planned run; plain JSON. */
export interface RunSpec {
  key: string;
  configuration: number;
  seed: number;
  /** The configuration's scenario; the worker sets its seed. */
  scenario: Scenario;
  faultlineVersion: string;
}
