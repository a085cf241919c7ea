import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { stringify } from 'yaml';
import type { CampaignPlan, RunRecord, RunSpec } from '../../campaigns/campaign-types.js';
import { planCampaign, runSpec } from '../../campaigns/campaign-plan.js';
import { campaignOutputs } from '../../campaigns/campaign-outputs.js';
import { redisUrlProblem } from '../../campaigns/redis-url.js';
import { ResultStore } from '../../campaigns/result-store.js';
import { RunPool } from '../../campaigns/run-pool.js';
import { kubernetesJob, slurmScript } from '../../campaigns/emit-manifest.js';
import { parseShard, shardFromEnvironment, shardRuns } from '../../campaigns/shards.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../../scenarios/harness/load-scenario.js';
import { RunBudgetExceeded } from '../../scenarios/harness/run-limits.js';
import { printable } from '../../scenarios/harness/scenario-error.js';
import { prepareSharedFolder, writeFilesAtomically } from '../atomic-write.js';
import { CampaignProgress } from '../campaign-progress.js';
import { testPause } from '../checkpoint.js';
import { DeterminismFailed, EXIT_OK, UsageError, type Outcome } from '../exit-codes.js';
import { outputWidth, type CliIo } from '../io.js';
import { sweepSummary } from '../sweep-summary.js';
import { commandLineOverrides, type ScenarioOverrideOptions } from '../scenario-overrides.js';
import { exitCodeForSignal, type StopSignal } from '../signals.js';

export interface SweepCommandOptions extends ScenarioOverrideOptions {
  param: string[];
  seeds?: number;
  jobs?: number;
  store?: string;
  out?: string;
  yes?: boolean;
  shard?: string;
  redis?: string;
  quiet?: boolean;
  emit?: 'k8s' | 'slurm';
  image?: string;
  shards?: number;
}

/**
 * `faultline sweep`: plans the campaign (variants × grid × seeds), runs what
 * the store does not hold yet on every core (or a slice of it, or on a Redis
 * fleet), and writes sweep.json, sweep.html and results.csv from the store.
 */
export async function sweepCommand(
  argument: string,
  options: SweepCommandOptions,
  version: string,
  io: CliIo,
): Promise<Outcome> {
  const redisProblem = options.redis === undefined ? null : redisUrlProblem(options.redis);
  if (redisProblem !== null) throw new UsageError(`--redis: ${redisProblem}`);
  const file = resolveScenarioArgument(argument);
  const loaded = loadScenario(file, {
    overrides: commandLineOverrides(options),
    sweep: { seeds: options.seeds, parameters: options.param, yes: options.yes },
  });
  const plan = planCampaign(loaded, argument, version);
  if (options.emit !== undefined) {
    io.stdout.write(emitManifest(options.emit, file, loaded.document, plan, options));
    return { code: EXIT_OK };
  }
  const shard = selectShard(options.shard, io.env);
  const dir = options.out ?? join('out', `${plan.scenarioName}-sweep`);
  const storePath =
    options.store ?? join(dir, shard === null ? 'results.db' : `results-shard-${shard.index}-of-${shard.count}.db`);
  // A shard writes only its store; the outputs come from the merged one.
  for (const folder of shard === null ? [dirname(storePath), dir] : [dirname(storePath)]) prepareSharedFolder(folder);
  const store = ResultStore.open(storePath);
  try {
    store.saveCampaign(plan);
    const mine = shard === null ? plan.runs : shardRuns(plan.runs, shard);
    const stored = store.storedKeys(mine.map((r) => r.key));
    const missing = mine.filter((r) => !stored.has(r.key)).map((r) => runSpec(plan, r));
    const label = shard === null ? plan.scenarioName : `${plan.scenarioName} shard ${shard.index}/${shard.count}`;
    const say = (line: string) => void (options.quiet ? undefined : io.stderr.write(`${printable(line)}\n`));
    say(
      `${label}: ${plan.configurations.length} configurations × ${plan.seeds.length} seeds = ${plan.runs.length} runs` +
        (shard === null ? '' : `, ${mine.length} in this shard`) +
        (stored.size > 0 ? `; ${stored.size} already in ${storePath}, ${missing.length} to run` : ''),
    );

    const started = performance.now();
    const result = await execute(plan, missing, options, store, label, io);
    const seconds = (performance.now() - started) / 1000;
    if (missing.length > 0 && result.finished > 0)
      say(
        `${result.finished} runs in ${seconds.toFixed(1)}s (${(result.finished / seconds).toFixed(1)} runs/s` +
          `${options.redis === undefined ? ` on ${result.threads} thread${result.threads === 1 ? '' : 's'}` : ' on the fleet'})`,
      );
    if (result.conflicts.length > 0)
      throw new DeterminismFailed(
        `${result.conflicts.length} run${result.conflicts.length === 1 ? '' : 's'} gave a different trace hash than the one stored for the same key:\n` +
          result.conflicts.map((c) => `  ${c}`).join('\n') +
          '\n  the same run on two machines or workers must give the same trace; compare their faultline and Node.js versions',
      );
    if (result.interrupted !== null) {
      const held = store.storedKeys(mine.map((r) => r.key)).size;
      return {
        code: exitCodeForSignal(result.interrupted),
        reason: `interrupted by ${result.interrupted}; ${held} of ${mine.length} runs are in ${storePath}: run the same command again to finish the rest`,
      };
    }
    if (shard !== null) {
      say(
        `shard ${shard.index}/${shard.count} complete: ${mine.length} runs in ${storePath}; when every shard is done, combine them with ` +
          `faultline merge <shard stores…> --into all.db --out <dir>`,
      );
      return { code: EXIT_OK };
    }
    const records = store.records(plan.runs.map((r) => r.key));
    const { report, files } = campaignOutputs(plan, records, dir);
    await writeFilesAtomically(files, io);
    if (!options.quiet) {
      const lines = [...sweepSummary(report, outputWidth(io)), `report: ${join(dir, 'sweep.html')}`];
      io.stdout.write(`${lines.map(printable).join('\n')}\n`);
    }
    return { code: EXIT_OK };
  } finally {
    store.close();
  }
}

interface Execution {
  finished: number;
  threads: number;
  conflicts: string[];
  /** The signal that stopped the campaign early, or null when every run finished. */
  interrupted: StopSignal | null;
}

async function execute(
  plan: CampaignPlan,
  specs: RunSpec[],
  options: SweepCommandOptions,
  store: ResultStore,
  label: string,
  io: CliIo,
): Promise<Execution> {
  const signal = io.signal ?? new AbortController().signal;
  const threads = Math.max(1, Math.min(options.jobs ?? availableParallelism(), specs.length));
  const progress = new CampaignProgress(label, specs.length, io.stderr, !options.quiet);
  const execution: Execution = { finished: 0, threads, conflicts: [], interrupted: null };
  const keep = (record: RunRecord) => {
    const { conflict } = store.put(record);
    if (conflict !== null) {
      const configuration = plan.configurations[record.configuration].name;
      execution.conflicts.push(
        `${configuration}, seed ${record.seed}: ${record.traceHash} from ${record.worker}, ${conflict.traceHash} stored from ${conflict.worker}`,
      );
    }
    execution.finished++;
    progress.runFinished();
  };
  try {
    if (specs.length === 0) return execution;
    if (options.redis !== undefined) {
      const { runOnFleet } = await import('../../campaigns/fleet-coordinator.js');
      await runOnFleet(specs, { redisUrl: options.redis, onRecord: keep, signal });
    } else {
      await runOnThreads(plan, specs, threads, signal, async (record) => {
        keep(record);
        await testPause(io, 'stored');
      });
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    progress.stop();
  }
  if (signal.aborted) execution.interrupted = (signal.reason as StopSignal | undefined) ?? 'SIGINT';
  return execution;
}

/** Keeps every thread busy until the specs run out or the signal stops it; runs in flight then are lost, finished ones kept. */
async function runOnThreads(
  plan: CampaignPlan,
  specs: readonly RunSpec[],
  threads: number,
  signal: AbortSignal,
  keep: (record: RunRecord) => Promise<void>,
): Promise<void> {
  const pool = new RunPool(threads);
  // One failed run stops the others: the campaign cannot be complete.
  const stop = new AbortController();
  const onSignal = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onSignal);
  let next = 0;
  const lane = async () => {
    while (next < specs.length && !stop.signal.aborted) {
      const spec = specs[next++];
      let record: RunRecord;
      try {
        record = await pool.run(spec, stop.signal);
      } catch (error) {
        if (stop.signal.aborted) return;
        stop.abort();
        const what = `${plan.configurations[spec.configuration].name}, seed ${spec.seed}`;
        if (error instanceof RunBudgetExceeded)
          throw new RunBudgetExceeded(`the run ${what} stopped: ${error.message}`);
        throw new Error(`the run ${what} failed: ${(error as Error).message}`, { cause: error });
      }
      await keep(record);
    }
  };
  try {
    // Two runs in hand per thread: a thread starts its next run while this thread stores the last one.
    await Promise.all(Array.from({ length: 2 * threads }, lane));
  } finally {
    signal.removeEventListener('abort', onSignal);
    await pool.close();
  }
}

/**
 * The Kubernetes Indexed Job or Slurm array script for this campaign: each
 * shard runs `faultline sweep` with the options given here (but those that
 * say where and how to run) on its slice, into a store of its own.
 */
function emitManifest(
  kind: 'k8s' | 'slurm',
  file: string,
  document: Record<string, unknown>,
  plan: CampaignPlan,
  options: SweepCommandOptions,
): string {
  for (const flag of ['shard', 'redis', 'store', 'out'] as const)
    if (options[flag] !== undefined)
      throw new UsageError(
        `--emit ${kind} writes a job for every shard; leave --${flag} out (each shard gets its own store)`,
      );
  if (kind === 'k8s' && options.image === undefined)
    throw new UsageError('--emit k8s needs --image <image>: a container image with faultline on its PATH');
  const extraArgs = [
    ...(options.seed === undefined ? [] : ['--seed', String(options.seed)]),
    ...(options.duration === undefined ? [] : ['--duration', options.duration]),
    ...options.set.flatMap((set) => ['--set', set]),
    ...options.param.flatMap((param) => ['--param', param]),
    ...(options.yes ? ['--yes'] : []),
    ...(options.jobs === undefined ? [] : ['--jobs', String(options.jobs)]),
  ];
  const manifest = {
    scenarioName: plan.scenarioName,
    scenarioYaml: stringify(document, { lineWidth: 0 }),
    scenarioPath: file,
    image: options.image,
    shards: options.shards ?? 1,
    seeds: plan.seeds.length,
    extraArgs,
  };
  return kind === 'k8s' ? kubernetesJob({ ...manifest, image: options.image as string }) : slurmScript(manifest);
}

function selectShard(option: string | undefined, env: CliIo['env']): { index: number; count: number } | null {
  if (option !== undefined) {
    const shard = parseShard(option);
    if (typeof shard === 'string') throw new UsageError(shard);
    return shard;
  }
  const fromEnvironment = shardFromEnvironment(env);
  if (typeof fromEnvironment === 'string') throw new UsageError(fromEnvironment);
  return fromEnvironment;
}
