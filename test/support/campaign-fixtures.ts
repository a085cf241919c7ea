import { createHash } from 'node:crypto';
import type { CampaignPlan, PlannedRun, RunRecord } from '../../campaigns/campaign-types.js';
import type { Scenario } from '../../scenarios/harness/scenario-schema.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A small campaign made by hand: `configurations` × `seeds` runs, keys hashed from the name. No simulation. */
export function makePlan(name: string, configurations: number, seeds: number): CampaignPlan {
  const seedList = Array.from({ length: seeds }, (_, i) => i + 1);
  const runs: PlannedRun[] = [];
  for (let c = 0; c < configurations; c++)
    for (const seed of seedList)
      runs.push({ index: runs.length, configuration: c, seed, key: sha256(`${name}/${c}/${seed}`) });
  return {
    faultlineVersion: '0.1.0',
    scenarioName: name,
    description: `${name}, made by hand`,
    file: `${name}.yaml`,
    parameters: [
      {
        path: 'components.api.workers',
        label: 'workers',
        values: Array.from({ length: configurations }, (_, c) => c + 1),
        numeric: { values: Array.from({ length: configurations }, (_, c) => c + 1), unit: 'number' },
      },
    ],
    variants: [],
    baseline: null,
    seeds: seedList,
    configurations: Array.from({ length: configurations }, (_, c) => ({
      index: c,
      name: `workers=${c + 1}`,
      variant: null,
      values: [c + 1],
      scenario: { name, components: { api: { workers: c + 1 } } } as unknown as Scenario,
    })),
    runs,
    campaignKey: sha256(runs.map((run) => run.key).join('\n')),
  };
}

/** The record a run would give: figures that follow from its key, so two machines agree unless `traceHash` says otherwise. */
export function makeRecord(run: PlannedRun, worker = 'local', traceHash = sha256(`trace/${run.key}`)): RunRecord {
  const n = parseInt(run.key.slice(0, 8), 16);
  return {
    key: run.key,
    configuration: run.configuration,
    seed: run.seed,
    traceHash,
    events: 1000 + (n % 5000),
    sloPassed: n % 3 !== 0,
    metrics: {
      availability: (n % 1000) / 1000,
      'latency.meanUs': 1234.5678 + (n % 97),
      'latency.p99Us': n % 7 === 0 ? null : 98765.4321,
      'consistency.staleReadRate': 0.1 + 0.2,
    },
    wallMs: 10 + (n % 50),
    worker,
  };
}
