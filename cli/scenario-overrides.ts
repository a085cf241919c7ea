import { parseDurationUs } from '../models/kit/unit-text.js';
import type { OverrideArgument } from '../scenarios/harness/load-scenario.js';
import { UsageError } from './exit-codes.js';

/** The options `run` and `sweep` share for changing the scenario before it is validated. */
export interface ScenarioOverrideOptions {
  seed?: number;
  duration?: string;
  set: string[];
}

/** --seed, --duration and every --set, in that order, as the loader takes them. */
export function commandLineOverrides(options: ScenarioOverrideOptions): OverrideArgument[] {
  const overrides: OverrideArgument[] = [];
  if (options.seed !== undefined) overrides.push(`seed=${options.seed}`);
  if (options.duration !== undefined) {
    if (parseDurationUs(options.duration) === null) {
      throw new UsageError(
        `--duration: "${options.duration}" is not a duration; write a number and a unit, like 30s or 5m`,
      );
    }
    overrides.push({ flag: '--duration', set: `duration=${options.duration}` });
  }
  for (const set of options.set) overrides.push(set);
  return overrides;
}
