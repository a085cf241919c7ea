import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../../scenarios/harness/load-scenario.js';
import type { Scenario } from '../../scenarios/harness/scenario-schema.js';

/** failover (async) made short: db-1 crashes at 1 s for 100 ms, and db-2 pauses for 30 ms at 1.05 s. */
export function shortFailover(): Scenario {
  const loaded = loadScenario(resolveScenarioArgument('failover'), {
    overrides: [
      'duration=3s',
      'warmup=0s',
      'faults.timeline=[{at: 1s, action: crash, nodes: db-1, for: 100ms}, {at: 1.05s, action: pause, nodes: db-2, for: 30ms}]',
    ],
  });
  return loaded.variants[0].scenario;
}

export const SHORT_WINDOW = { fromUs: 990_000, toUs: 1_120_000 };
