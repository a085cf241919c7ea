import { buildReport } from '../../reports/build-report.js';
import type { Report } from '../../reports/report-types.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText, type LoadedScenario } from '../../scenarios/harness/load-scenario.js';
import { runScenario } from '../../scenarios/harness/run-scenario.js';

/** Every variant of a bundled scenario run as `faultline run` runs them (same seed, in order), and the report they make. */
export async function bundledReport(name: string, overrides: string[] = []): Promise<Report> {
  return variantsReport(loadScenario(resolveScenarioArgument(name), { overrides }));
}

/** Every variant of a loaded scenario run in order, and the report they make. */
export async function variantsReport(loaded: LoadedScenario): Promise<Report> {
  const runs = [];
  for (const v of loaded.variants)
    runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
  return buildReport({ faultlineVersion: 'test', file: null, scenario: loaded.scenario, runs, wallSeconds: 1 });
}

/** A scenario written in the test, run once (no variants), and its report. */
export async function scenarioTextReport(text: string, file: string): Promise<Report> {
  const { scenario } = parseScenarioText(text, file);
  const run = await runScenario(scenario);
  return buildReport({
    faultlineVersion: 'test',
    file: null,
    scenario,
    runs: [{ name: 'base', overrides: {}, run }],
    wallSeconds: 1,
  });
}
