import { performance } from 'node:perf_hooks';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';
import type { RunRecord, RunSpec } from './campaign-types.js';
import { runMetricValues } from './run-metrics.js';

/** Runs one planned run to its end and keeps its figures; the same spec gives the same record, `wallMs` and `worker` apart. */
export async function runOne(spec: RunSpec, worker: string): Promise<RunRecord> {
  const started = performance.now();
  const scenario = { ...spec.scenario, seed: spec.seed };
  const run = await runScenario(scenario);
  const report = buildReport({
    faultlineVersion: spec.faultlineVersion,
    file: null,
    scenario,
    runs: [{ name: 'base', overrides: {}, run }],
    wallSeconds: 0,
  });
  return {
    key: spec.key,
    configuration: spec.configuration,
    seed: spec.seed,
    traceHash: report.traceHash,
    events: report.events,
    sloPassed: report.slo.passed,
    metrics: runMetricValues(report),
    wallMs: Math.round(performance.now() - started),
    worker,
  };
}
