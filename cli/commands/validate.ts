import { loadScenario } from '../../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../../scenarios/harness/scenario-error.js';

/** `faultline validate`: every problem in every file, then exit 2 if there was any; `count` is how many in all. */
export function validateCommand(files: string[]): { ok: boolean; lines: string[]; problems: string[]; count: number } {
  const lines: string[] = [];
  const problems: string[] = [];
  let count = 0;
  for (const file of files) {
    try {
      const loaded = loadScenario(file);
      const variants = loaded.variants.length;
      lines.push(
        `${file}: ok (${loaded.scenario.name}${variants > 0 ? `, ${variants} variant${variants === 1 ? '' : 's'}` : ''})`,
      );
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      problems.push(error.message);
      count += error.count;
    }
  }
  return { ok: problems.length === 0, lines, problems, count };
}
