/**
 * Campaign throughput: a sweep of short runs on one pool thread and on two,
 * measured side by side, so the parallel efficiency is a ratio of the same
 * machine state; and what the pool adds per run over calling runOne directly.
 */
import { performance } from 'node:perf_hooks';
import { planCampaign, runSpec } from '../campaigns/campaign-plan.js';
import type { RunSpec } from '../campaigns/campaign-types.js';
import { runOne } from '../campaigns/run-one.js';
import { RunPool } from '../campaigns/run-pool.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';

export interface CampaignFigures {
  runs: number;
  /** Simulated events of one run, on average. */
  eventsPerRun: number;
  inProcessRunsPerSec: number;
  oneThreadRunsPerSec: number;
  twoThreadsRunsPerSec: number;
  /** Two threads' rate over twice one thread's. */
  efficiency: number;
  /** Wall time one pool thread adds to a run over runOne in this thread. */
  poolOverheadMs: number;
}

/** mm1 for 2 simulated seconds (no warm-up) at five arrival rates: short runs, where the per-run cost shows most. */
export function shortCampaign(seeds: number): RunSpec[] {
  const loaded = loadScenario(resolveScenarioArgument('mm1'), {
    overrides: [{ flag: '--duration', set: 'duration=2s' }, 'warmup=0s'],
    sweep: { seeds, parameters: ['workloads.users.rate=[500/s, 600/s, 700/s, 800/s, 900/s]'] },
  });
  const plan = planCampaign(loaded, 'mm1', 'bench');
  return plan.runs.map((run) => runSpec(plan, run));
}

async function onPool(specs: readonly RunSpec[], threads: number): Promise<number> {
  const pool = new RunPool(threads);
  try {
    // Threads start and load the code first: a campaign pays that once.
    await Promise.all(specs.slice(0, threads).map((spec) => pool.run(spec)));
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < specs.length) await pool.run(specs[next++]);
    };
    await Promise.all(Array.from({ length: threads }, lane));
    return specs.length / ((performance.now() - started) / 1000);
  } finally {
    await pool.close();
  }
}

export async function campaignBenchmarks(): Promise<CampaignFigures> {
  const specs = shortCampaign(12);
  await runOne(specs[0], 'bench');
  let events = 0;
  const started = performance.now();
  for (const spec of specs) events += (await runOne(spec, 'bench')).events;
  const inProcessRunsPerSec = specs.length / ((performance.now() - started) / 1000);
  const oneThreadRunsPerSec = await onPool(specs, 1);
  const twoThreadsRunsPerSec = await onPool(specs, 2);
  return {
    runs: specs.length,
    eventsPerRun: events / specs.length,
    inProcessRunsPerSec,
    oneThreadRunsPerSec,
    twoThreadsRunsPerSec,
    efficiency: twoThreadsRunsPerSec / (2 * oneThreadRunsPerSec),
    poolOverheadMs: 1000 / oneThreadRunsPerSec - 1000 / inProcessRunsPerSec,
  };
}
