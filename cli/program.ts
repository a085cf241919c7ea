import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StoreError } from '../campaigns/store-error.js';
import { FleetRunFailed, RedisUnreachable } from '../campaigns/fleet-errors.js';
import { DeterminismError } from '../engine/determinism.js';
import { loadModelsOnDemand } from '../models/kit/registry.js';
import { HISTORY_FORMATS, MAX_NESTING, type HistoryFormat } from '../reports/consistency/history-formats.js';
import { SEQUENTIAL_SPECS, type SpecName } from '../reports/consistency/sequential-specs.js';
import { bundledScenariosDir, listBundledScenarios } from '../scenarios/harness/bundled-scenarios.js';
import { DEFAULT_MAX_EVENTS, RunBudgetExceeded, RunInterrupted } from '../scenarios/harness/run-limits.js';
import { printable, ScenarioError } from '../scenarios/harness/scenario-error.js';
import type { MergeOptions } from './commands/merge.js';
import type { ReplayOptions } from './commands/replay.js';
import type { RunOptions } from './commands/run.js';
import { DEFAULT_TRACE_LINES } from './trace-file.js';
import type { SearchOptions } from './commands/search.js';
import type { SweepCommandOptions } from './commands/sweep.js';
import type { WorkerOptions } from './commands/worker.js';
import {
  DeterminismFailed,
  EXIT_BAD_INPUT,
  EXIT_DIVERGED,
  EXIT_INTERNAL,
  EXIT_OK,
  OutputError,
  UsageError,
  type Outcome,
} from './exit-codes.js';
import type { CliIo } from './io.js';
import { exitCodeForSignal, type StopSignal } from './signals.js';

// Commands are imported when chosen: `list` or `check` need not load the charts.
// From dist/cli/ or, under the tests, from cli/: the package root is above either.
const { version, bugs } = createRequire(import.meta.url)(join(dirname(bundledScenariosDir()), 'package.json')) as {
  version: string;
  bugs?: { url?: string };
};

/** Decimal digits only: Number() would also take '' (0), 0x10, 1e3 and ' 7 '. */
function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(
      `a seed is a whole number from 0 to ${Number.MAX_SAFE_INTEGER} in decimal digits, like 42.`,
    );
  return n;
}

/** A whole number above 0 in decimal digits; `what` names the unit in the message. */
function parseCount(value: string, what: string, example: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`write a whole number of ${what} above 0, like ${example}.`);
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseIndex(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('write a whole number from 0, like 28897.');
  return n;
}

/** Examples under a command's help; each runs as written from a clone of the repository (test/cli-examples.test.ts). */
const examples = (lines: string[]) => `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;

export const EXIT_CODES_HELP = `Exit codes (every command):
  0    success
  1    an SLO failed, or the history is not linearizable (run --exit-zero ignores SLOs), or search found a counterexample
  2    bad input or usage
  3    internal error (a bug in faultline; --debug prints the stack)
  4    two runs of one seed differed (--check-determinism), a replay differs from its report (replay),
       or one campaign run gave two results (sweep, merge)
  5    an output could not be written: a full disk, a failed device or stdout
  130  interrupted by SIGINT (Ctrl-C); 143 by SIGTERM; nothing is written (a sweep keeps its finished runs)
  141  stdout was closed before everything was written to it (e.g. | head)
A last line on stderr says why, whenever the code is not 0.`;

/**
 * The whole command line: parses `argv` (without node and the script), runs
 * the command against `io`, and returns the exit code. Every exit code that is
 * not 0 ends with one line on stderr saying why.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let { code, reason } = await outcomeOf(argv, io);
  // A signal during the command's last synchronous step is seen only now; it still decides the exit code.
  await new Promise((resolve) => setImmediate(resolve));
  const signal = io.signal?.reason as StopSignal | undefined;
  if (signal !== undefined && code !== exitCodeForSignal(signal)) {
    code = exitCodeForSignal(signal);
    reason = `interrupted by ${signal} as the command finished; its output is complete`;
  }
  if (code !== EXIT_OK) io.stderr.write(`faultline: exit ${code}: ${reason ?? 'failed'}\n`);
  return code;
}

async function outcomeOf(argv: string[], io: CliIo): Promise<Outcome> {
  let outcome: Outcome = { code: EXIT_OK };
  const program = buildProgram(io, (result) => (outcome = result));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome;
  } catch (error) {
    return outcomeOfError(error, io, Boolean(program.opts().debug));
  }
}

function buildProgram(io: CliIo, done: (outcome: Outcome) => void): Command {
  const out = (text: string) => void io.stdout.write(`${text}\n`);
  /** Commands that cannot stop between steps: a signal before them ends the command; during them it acts as usual. */
  const uninterruptible = () => {
    if (io.signal?.aborted) throw new RunInterrupted();
    io.releaseSignals?.();
  };

  const program = new Command()
    .name('faultline')
    .description('A deterministic discrete-event simulator for distributed systems.')
    .version(version)
    .option('--debug', 'print stack traces for internal errors')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `${examples([
        'faultline list                                  # the bundled scenarios',
        'faultline run regional-partition --exit-zero    # run one; writes out/regional-partition-1/',
        'faultline run server-sizing --seed 7 --duration 10s --set components.api.workers=8',
        'faultline validate scenarios/*.yaml',
        'faultline check test/fixtures/jepsen/kv/c10-ok.txt --model kv',
      ])}\n\n${EXIT_CODES_HELP}`,
    );

  program
    .command('run')
    .description('Run a scenario (every variant, same seed) and write report.json, SVG charts and report.html.')
    .argument('<scenario>', 'a scenario file, or the name of a bundled scenario (see faultline list)')
    .option('--seed <n>', 'seed for every random stream (overrides the file)', parseSeed)
    .option('--duration <d>', 'simulated time to run, like 30s or 5m (overrides the file)')
    .option('--set <path=value>', 'override a scenario field by its path; repeatable', collect, [])
    .option('--variant <name>', 'run only this variant (default out/<scenario>-<seed>-<variant>)')
    .option('--out <dir>', 'output directory (default out/<scenario>-<seed>)')
    .option('--json', 'print the JSON report on stdout and nothing else; writes no files unless --out is given')
    .option('--quiet', 'print nothing but errors and, when the exit code is not 0, why')
    .option('--check-determinism', 'run everything twice and exit 4 unless the reports are identical')
    .option('--exit-zero', 'exit 0 even when an SLO fails (errors keep their codes)')
    .option(
      '--max-events <n>',
      `stop with exit 2 after this many events in one run, or refuse a run sure to need more (default ${DEFAULT_MAX_EVENTS})`,
      (value: string) => parseCount(value, 'events', '5000000000'),
    )
    .addOption(new Option('--queue <impl>', 'event queue implementation').choices(['typed', 'heap']).default('typed'))
    .option(
      '--trace <file>',
      'write every event, message sent and fault as JSON lines (README, "Event traces"); one file per variant: <file>-<variant>.jsonl',
    )
    .option(
      '--trace-filter <conditions>',
      'keep only matching lines: node=<node|group>, kind=<start|deliver|timer|call|send|fault|message>, type=<message type>, at=<from>..<to>; comma-separated',
    )
    .option(
      '--trace-limit <lines>',
      'stop the trace after this many lines, with a last line saying so',
      (value: string) => parseCount(value, 'lines', '100000'),
      DEFAULT_TRACE_LINES,
    )
    .option(
      '--cache-trace <component=file>',
      'write a cache\'s request stream in libCacheSim\'s oracleGeneral format (README, "Cache traces"); repeatable; one file per variant: <file>-<variant>.<ext>',
      collect,
      [],
    )
    .addHelpText(
      'after',
      examples([
        'faultline run regional-partition                 # the SLO fails by design: exit 1',
        'faultline run scenarios/server-sizing.yaml --seed 42 --duration 10s --out results/sizing',
        "faultline run mm1 --duration 30s --set workloads.users.rate=700/s --set 'slo.availability.target=99.9%'",
        'faultline run retry-storm --variant naive-retries --exit-zero',
        'faultline run distributed-rate-limit --json > report.json',
        'faultline run server-sizing --duration 5s --check-determinism',
        "faultline run failover --variant async --trace events.jsonl --trace-filter 'node=db-1,kind=message,at=11.9s..12.1s'",
      ]),
    )
    .action(async (scenario: string, opts: RunOptions) => {
      if (io.modelsOnDemand) loadModelsOnDemand();
      const { runCommand } = await import('./commands/run.js');
      done(await runCommand(scenario, opts, version, io));
    });

  program
    .command('sweep')
    .description(
      'Run a campaign: every variant at every point of the parameter grid over several seeds, on every core; ' +
        'write sweep.json, sweep.html and results.csv with 95% confidence intervals.',
    )
    .argument('<scenario>', 'a scenario file, or the name of a bundled scenario (its sweep: section, if any, is used)')
    .option(
      '--param <path=values>',
      "sweep a field over a YAML list or range, like components.api.workers=[4,6,8]; repeatable; replaces the file's",
      collect,
      [],
    )
    .option(
      '--seeds <n>',
      'runs per configuration, with seeds seed, seed+1, … (overrides sweep.seeds)',
      (value: string) => parseCount(value, 'seeds', '20'),
    )
    .option('--jobs <n>', 'worker threads (default: one per core)', (value: string) =>
      parseCount(value, 'threads', '2'),
    )
    .option(
      '--store <file>',
      'the SQLite result store; runs already in it are not run again (default <out>/results.db)',
    )
    .option('--out <dir>', 'where sweep.json, sweep.html and results.csv go (default out/<scenario>-sweep)')
    .option('--seed <n>', 'the first seed (overrides the file)', parseSeed)
    .option('--duration <d>', 'simulated time of each run, like 30s (overrides the file)')
    .option(
      '--set <path=value>',
      'override a scenario field by its path before the sweep applies; repeatable',
      collect,
      [],
    )
    .option('--yes', 'run a sweep of more than 10000 runs')
    .option('--shard <i/n>', 'run only the i-th of n slices (i from 0) into its own store; merge them after')
    .option('--redis <url>', 'send the runs to a fleet of `faultline worker` processes through Redis')
    .addOption(
      new Option(
        '--emit <kind>',
        'print a Kubernetes Indexed Job or a Slurm array script that runs the campaign in shards',
      ).choices(['k8s', 'slurm']),
    )
    .option(
      '--image <image>',
      'with --emit: the container image with faultline on its PATH (Slurm runs it with Apptainer)',
    )
    .option('--shards <n>', 'with --emit: how many shards (default 1)', (value: string) =>
      parseCount(value, 'shards', '8'),
    )
    .option('--quiet', 'print nothing but errors and, when the exit code is not 0, why')
    .addHelpText(
      'after',
      examples([
        'faultline sweep server-sizing --seeds 5 --duration 5s',
        "faultline sweep mm1 --param 'workloads.users.rate={from: 500/s, to: 900/s, step: 100/s}' --seeds 10 --duration 20s",
        'faultline sweep cap-partition --seeds 3 --jobs 2',
        'faultline sweep server-sizing --emit slurm --shards 4 > sweep.sbatch',
        'faultline sweep server-sizing --emit k8s --image ghcr.io/you/faultline:0.1.0 --shards 8 > sweep-job.yaml',
      ]),
    )
    .action(async (scenario: string, opts: SweepCommandOptions) => {
      const { sweepCommand } = await import('./commands/sweep.js');
      done(await sweepCommand(scenario, opts, version, io));
    });

  program
    .command('replay')
    .description(
      "Run a report's runs again from the scenario it embeds and confirm each trace hash; or stop one run at a time or event and show every node's state; or write a time-travel page stepping through a window of it.",
    )
    .argument('<report>', 'a report.json written by faultline run')
    .option('--variant <name>', 'replay only this run of the report')
    .option('--trace <file>', 'the trace the original run wrote (run --trace): the first event that differs is named')
    .option('--until <time>', 'stop at this simulated time and show the state there, like 12s')
    .option(
      '--event <n>',
      'stop after this event (numbered from 0, as traces number them) and show the state',
      (value: string) => parseIndex(value),
    )
    .option(
      '--node <name>',
      'with --until or --event: show only this node and its messages and timers; repeatable',
      collect,
      [],
    )
    .option('--json', 'with --until or --event: print the state as JSON')
    .option(
      '--html <file>',
      'write a time-travel page stepping through a window of one run (default: around its first fault)',
    )
    .option('--from <time>', 'with --html: the window starts here, like 11.9s')
    .option('--to <time>', 'with --html: the window ends here (at most about 5,000 events are kept)')
    .option('--quiet', 'print nothing unless the replay diverged')
    .addHelpText(
      'after',
      examples([
        'faultline run failover --variant async --out out/failover-async --exit-zero',
        'faultline replay out/failover-async/report.json                     # exit 0 when identical, 4 when it diverges',
        'faultline replay out/failover-async/report.json --until 12.5s --node db-2',
        'faultline replay out/failover-async/report.json --event 28897 --json',
        'faultline replay out/failover-async/report.json --html out/failover-async/crash.html --from 11.95s --to 12.4s',
      ]),
    )
    .action(async (report: string, opts: ReplayOptions) => {
      const { replayCommand } = await import('./commands/replay.js');
      done(await replayCommand(report, opts, version, io));
    });

  program
    .command('search')
    .description(
      'Search for fault schedules that break a property: draw crashes, pauses, partitions of every shape, clock jumps ' +
        'and link damage over the scenario, run each on every core, shrink the first failure to a minimal schedule and ' +
        'write it as a scenario with its report. Exit 1 when one is found, 0 when none is in the budget.',
    )
    .argument('<scenario>', 'a scenario file, or the name of a bundled scenario (see faultline list)')
    .requiredOption(
      '--property <p>',
      "what must hold in every run: linearizable, no-lost-writes, no-stale-reads, slo (the scenario's SLOs) or availability>=X (like availability>=99%)",
    )
    .option('--runs <n>', 'schedules to try before giving up (default 500)', (value: string) =>
      parseCount(value, 'schedules', '500'),
    )
    .option('--variant <name>', 'search only this variant (default: each variant in turn, each with the whole budget)')
    .option('--seed <n>', "seed of the search and of every run (default the scenario's)", parseSeed)
    .option('--duration <d>', 'simulated time of each run, like 10s (overrides the file)')
    .option('--set <path=value>', 'override a scenario field by its path; repeatable', collect, [])
    .option('--max-faults <n>', 'the most faults in one schedule (default 3)', (value: string) =>
      parseCount(value, 'faults', '3'),
    )
    .option(
      '--faults <kinds>',
      'the kinds to draw, comma-separated: crash, pause, partition, partition-majority, isolate, bridge, partition-ring, ' +
        'partition-one-way, clock-jump, clock-drift, degrade, or the groups process, network, clock, links (default: all)',
    )
    .option(
      '--nodes <selector>',
      "the nodes faults may touch, comma-separated nodes, groups or regions (default: the components' nodes)",
    )
    .option('--jobs <n>', 'worker threads (default: one per core)', (value: string) =>
      parseCount(value, 'threads', '2'),
    )
    .option(
      '--out <dir>',
      'where the counterexample goes (default out/<scenario>-search-<seed>[-<variant>]-<property>)',
    )
    .option('--json', 'print the search as JSON on stdout instead of the summary')
    .option('--quiet', 'print nothing but errors and, when the exit code is not 0, why')
    .addHelpText(
      'after',
      examples([
        'faultline search failover --variant async --property no-lost-writes --runs 20 --duration 8s   # finds one: exit 1',
        'faultline search split-brain --variant no-fencing --property no-lost-writes --faults partition --runs 10 --duration 6s   # two leaders: exit 1',
        'faultline search cap-partition --variant raft-read-index --property linearizable --runs 4 --duration 10s --max-faults 2',
        "faultline search mm1 --property 'availability>=99%' --faults crash,pause --runs 4 --duration 20s   # its one server: exit 1",
      ]),
    )
    .action(async (scenario: string, opts: SearchOptions) => {
      const { searchCommand, DEFAULT_SEARCH_RUNS, DEFAULT_MAX_FAULTS } = await import('./commands/search.js');
      done(
        await searchCommand(
          scenario,
          { ...opts, runs: opts.runs ?? DEFAULT_SEARCH_RUNS, maxFaults: opts.maxFaults ?? DEFAULT_MAX_FAULTS },
          version,
          io,
        ),
      );
    });

  program
    .command('validate')
    .description('Check scenario files and print every problem as file:line:col path: message.')
    .argument('<file...>', 'scenario files')
    .addHelpText(
      'after',
      examples(['faultline validate scenarios/*.yaml', 'faultline validate scenarios/cap-partition.yaml']),
    )
    .action(async (files: string[]) => {
      if (io.modelsOnDemand) loadModelsOnDemand();
      const { validateCommand } = await import('./commands/validate.js');
      uninterruptible();
      const result = await validateCommand(files);
      for (const line of result.lines) out(line);
      for (const warning of result.warnings) io.stderr.write(`${printable(warning)}\n`);
      for (const problem of result.problems) io.stderr.write(`${problem}\n`);
      const bad = result.count;
      done(
        result.ok ? { code: EXIT_OK } : { code: EXIT_BAD_INPUT, reason: `${bad} problem${bad === 1 ? '' : 's'} found` },
      );
    });

  program
    .command('list')
    .description('List the bundled scenarios with their one-line descriptions.')
    .addHelpText('after', examples(['faultline list', 'faultline list | grep -i partition']))
    .action(() => {
      const scenarios = listBundledScenarios();
      const width = scenarios.reduce((widest, s) => Math.max(widest, s.name.length), 0);
      for (const s of scenarios) out(`${s.name.padEnd(width)}  ${s.description}`);
    });

  program
    .command('schema')
    .description('Print the JSON Schema of scenario files (for editors: yaml-language-server).')
    .addHelpText(
      'after',
      examples([
        'faultline schema > scenario.schema.json',
        '# then start a scenario with: # yaml-language-server: $schema=./scenario.schema.json',
      ]),
    )
    .action(async () => {
      const { scenarioJsonSchema } = await import('../scenarios/harness/scenario-schema.js');
      out(JSON.stringify(scenarioJsonSchema(), null, 2));
    });

  program
    .command('report')
    .description('Render the charts and report.html again from a saved report.json.')
    .argument('<report.json>', 'a report written by faultline run')
    .option('--out <dir>', 'output directory (default: beside the report; with --variant, a folder named after it)')
    .option('--variant <name>', 'render only this variant, as if it had been run alone')
    .addHelpText(
      'after',
      examples([
        'faultline run bulkheads --quiet --exit-zero',
        'faultline report out/bulkheads-1/report.json --out view',
        'faultline report out/bulkheads-1/report.json --variant bulkhead   # writes out/bulkheads-1/bulkhead/',
      ]),
    )
    .action(async (file: string, opts: { out?: string; variant?: string }) => {
      const { reportCommand } = await import('./commands/report.js');
      const written = await reportCommand(file, opts, io);
      out(`wrote ${written.length} files; open ${written.find((f) => f.endsWith('report.html')) ?? written[0]}`);
    });

  program
    .command('check')
    .description(
      'Check a recorded history for linearizability; prints a JSON verdict, exit 0 if linearizable, 1 if not.',
    )
    .argument('<history>', 'a history: Jepsen log lines, EDN maps, or faultline JSON lines')
    .addOption(
      new Option('--model <model>', 'the object the history is of: one register, or a map of registers')
        .choices(Object.keys(SEQUENTIAL_SPECS))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--format <format>', 'the history format (default: told by the content)').choices([
        ...HISTORY_FORMATS,
      ]),
    )
    .option(
      '--max-steps <n>',
      'give up after this many search steps: the verdict is then unknown (linearizable: null) and the exit 1',
      (value: string) => parseCount(value, 'search steps', '100000000'),
    )
    .addHelpText(
      'after',
      `${examples([
        'faultline check test/fixtures/jepsen/etcd/etcd_000.log --model register    # not linearizable: exit 1',
        'faultline check test/fixtures/jepsen/kv/c10-ok.txt --model kv --format edn',
        'faultline run cap-partition --variant raft-lease --quiet --exit-zero',
        'faultline check out/cap-partition-1-raft-lease/history-raft-lease.jsonl --model register',
      ])}\n\nLimits: values nest at most ${MAX_NESTING} levels deep (deeper is refused with its line, exit 2); the file is
streamed (any size; a line or an EDN map at most 64 MiB); memory grows linearly with the history, but the
search's time can grow exponentially with the operations open at once on one key: --max-steps bounds it.`,
    )
    .action(async (file: string, opts: { model: SpecName; format?: HistoryFormat; maxSteps?: number }) => {
      const { checkCommand } = await import('./commands/check.js');
      uninterruptible();
      const result = checkCommand(file, opts);
      out(result.output);
      done(result);
    });

  program
    .command('merge')
    .description(
      'Combine result stores (the shards of a sweep run on many machines) into one; exit 4 if two hold one run with different results.',
    )
    .argument('<store...>', 'result stores written by faultline sweep --store (read, never changed)')
    .requiredOption('--into <store>', 'the store to merge into: created when missing, else added to')
    .option('--out <dir>', "write the merged campaign's results into this folder")
    .addHelpText(
      'after',
      examples([
        'faultline sweep server-sizing --seeds 4 --shard 0/2 --store shards/shard-0.db',
        'faultline sweep server-sizing --seeds 4 --shard 1/2 --store shards/shard-1.db',
        'faultline merge shards/shard-*.db --into shards/all.db --out sizing',
      ]),
    )
    .action(async (stores: string[], opts: MergeOptions) => {
      const { mergeCommand } = await import('./commands/merge.js');
      uninterruptible();
      const result = await mergeCommand(stores, opts, io);
      for (const line of result.lines) out(line);
      for (const error of result.errors) io.stderr.write(`${printable(error)}\n`);
      done(result);
    });

  program
    .command('worker')
    .description(
      "Take a sweep's runs from a Redis job queue and run them, until Ctrl-C; start one on each machine of the fleet.",
    )
    .requiredOption('--redis <url>', 'the Redis the sweep enqueues its runs on, like redis://queue.internal:6379')
    .option('--jobs <n>', 'runs at once, each on its own thread (default: one per core)', (value: string) =>
      parseCount(value, 'runs at once', '4'),
    )
    .option(
      '--lock-timeout <d>',
      'how long a run stays with a worker that went silent (a dead machine) before another takes it up',
      '30s',
    )
    .option('--quiet', 'print nothing but errors (not a line per run)')
    .addHelpText(
      'after',
      `
On each machine of the fleet (the sweep on any one of them enqueues the runs and stores the results):
  faultline worker --redis redis://queue.internal:6379
  faultline worker --redis redis://:password@queue.internal:6379/0 --jobs 8 --lock-timeout 2m

Ctrl-C or SIGTERM gives the runs in flight back to the queue at once and exits 130 or 143; a worker killed
outright (or a machine lost) has its runs taken up by another worker once their --lock-timeout has passed.`,
    )
    .action(async (opts: WorkerOptions) => {
      const { workerCommand } = await import('./commands/worker.js');
      done(await workerCommand(opts, version, io));
    });

  return program;
}

function outcomeOfError(error: unknown, io: CliIo, debug: boolean): Outcome {
  // Messages may quote the scenario (its name, a path): no control characters reach the terminal.
  const err = (text: string) => io.stderr.write(`${printable(text)}\n`);
  if (error instanceof CommanderError) {
    // Commander has printed its message already; help and version exit 0.
    return error.exitCode === 0 ? { code: EXIT_OK } : { code: EXIT_BAD_INPUT, reason: 'bad usage (see above)' };
  }
  if (error instanceof ScenarioError || error instanceof UsageError || error instanceof StoreError) {
    err(error.message);
    return { code: EXIT_BAD_INPUT, reason: 'bad input (see above)' };
  }
  if (error instanceof RedisUnreachable) {
    err(error.message);
    return { code: EXIT_BAD_INPUT, reason: 'the job queue could not be reached (see above)' };
  }
  // The worker's error crossed Redis as text: whether it was a budget or a bug, only its message says.
  if (error instanceof FleetRunFailed) {
    err(error.message);
    return { code: EXIT_BAD_INPUT, reason: 'a run of the campaign failed on a fleet worker (see above)' };
  }
  if (error instanceof RunBudgetExceeded) {
    err(error.message);
    return { code: EXIT_BAD_INPUT, reason: 'the run was over its budget (see above)' };
  }
  if (error instanceof RunInterrupted) {
    const signal = (io.signal?.reason as StopSignal | undefined) ?? 'SIGINT';
    return { code: exitCodeForSignal(signal), reason: `interrupted by ${signal}; nothing was written` };
  }
  if (error instanceof OutputError) {
    err(error.message);
    return {
      code: error.exitCode,
      reason:
        error.exitCode === EXIT_BAD_INPUT ? 'bad output folder (see above)' : 'could not write the output (see above)',
    };
  }
  if (error instanceof DeterminismError || error instanceof DeterminismFailed) {
    err(error.message);
    return { code: EXIT_DIVERGED, reason: 'two runs with the same seed differed (see above)' };
  }
  const where = bugs?.url ?? 'the faultline issue tracker';
  err(`faultline: internal error: ${(error as Error)?.message ?? String(error)}`);
  if (debug) err(String((error as Error)?.stack));
  else
    err(
      `This is a bug in faultline, not in your input. Please report it at ${where} with the command you ran (add --debug for the stack trace).`,
    );
  return { code: EXIT_INTERNAL, reason: 'internal error (a bug in faultline)' };
}
