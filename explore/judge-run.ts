import { buildReport } from '../reports/build-report.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { judge, type SearchProperty, type Verdict } from './search-property.js';

/** One schedule to judge: the scenario file search would write for it, and where it would be written. */
export interface JudgeTask {
  /** The scenario text: `extends` the original, with the schedule as its fault timeline and at most one variant. */
  text: string;
  /** The path it stands at, which its `extends` is relative to. */
  file: string;
  property: SearchProperty;
  faultlineVersion: string;
}

export interface JudgedRun {
  verdict: Verdict;
  traceHash: string;
}

/** Loads, runs and judges one schedule; the same task gives the same answer on any thread. */
export async function judgeRun(task: JudgeTask, signal?: AbortSignal): Promise<JudgedRun> {
  const loaded = parseScenarioText(task.text, task.file);
  const variant = loaded.variants[0];
  const scenario = variant?.scenario ?? loaded.scenario;
  const run = await runScenario(scenario, { signal });
  const report = buildReport({
    faultlineVersion: task.faultlineVersion,
    file: null,
    scenario,
    runs: [{ name: variant?.name ?? 'base', overrides: variant?.overrides ?? {}, run }],
    wallSeconds: 0,
  });
  return { verdict: judge(task.property, report), traceHash: report.traceHash };
}
