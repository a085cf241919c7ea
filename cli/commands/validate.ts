import { loadScenarioWithModels } from '../../scenarios/harness/load-scenario.js';
import { DEFAULT_MAX_EVENTS, eventBudgetOverrun } from '../../scenarios/harness/run-limits.js';
import { ScenarioError } from '../../scenarios/harness/scenario-error.js';
import { MAX_SWEEP_RUNS } from '../../scenarios/harness/sweep-section.js';

/**
 * `faultline validate`: every problem in every file, then exit 2 if there was
 * any; `count` is how many in all. A valid file that `run` would still refuse
 * at the default event budget gets a warning, not a problem: `--max-events`
 * can allow it.
 */
export async function validateCommand(files: string[]): Promise<{
  ok: boolean;
  lines: string[];
  problems: string[];
  warnings: string[];
  count: number;
}> {
  const lines: string[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  let count = 0;
  for (const file of files) {
    try {
      // Every configuration of a sweep is checked too, however many: `sweep` asks for --yes, not validate.
      const loaded = await loadScenarioWithModels(file, { sweep: { yes: true } });
      const variants = loaded.variants.length;
      const sweep = loaded.scenario.sweep === undefined ? undefined : loaded.sweep;
      const sweepRuns = sweep === undefined ? 0 : sweep.configurations.length * sweep.seeds;
      lines.push(
        `${file}: ok (${loaded.scenario.name}${variants > 0 ? `, ${variants} variant${variants === 1 ? '' : 's'}` : ''}` +
          `${sweep === undefined ? '' : `, a sweep of ${sweep.configurations.length} configurations × ${sweep.seeds} seeds`})`,
      );
      if (sweepRuns > MAX_SWEEP_RUNS)
        warnings.push(
          `${file}: warning: its sweep plans ${sweepRuns} runs, more than ${MAX_SWEEP_RUNS}: faultline sweep asks for --yes`,
        );
      const runs =
        variants > 0
          ? loaded.variants.map((v) => ({ scenario: v.scenario, what: `variant ${v.name}` }))
          : [{ scenario: loaded.scenario, what: 'it' }];
      for (const { scenario, what } of runs) {
        const overrun = eventBudgetOverrun(scenario, DEFAULT_MAX_EVENTS);
        if (overrun !== undefined) warnings.push(`${file}: warning: faultline run would refuse ${what}: ${overrun}`);
      }
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      problems.push(error.message);
      count += error.count;
    }
  }
  return { ok: problems.length === 0, lines, problems, warnings, count };
}
