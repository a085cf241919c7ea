#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createRequire } from 'node:module';
import { DeterminismError } from '../engine/determinism.js';
import { runCommand } from './commands/run.js';
import { reportCommand } from './commands/report.js';
import { checkCommand } from './commands/check.js';
import { HISTORY_FORMATS, type HistoryFormat } from '../reports/consistency/history-formats.js';
import { SEQUENTIAL_SPECS, type SpecName } from '../reports/consistency/sequential-specs.js';
import { validateCommand } from './commands/validate.js';
import {
  CheckFailed,
  EXIT_BAD_INPUT,
  EXIT_CHECK_FAILED,
  EXIT_INTERNAL,
  EXIT_INTERRUPTED,
  EXIT_OK,
  UsageError,
} from './exit-codes.js';
import { listBundledScenarios } from '../scenarios/harness/bundled-scenarios.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { RunInterrupted } from '../scenarios/harness/run-scenario.js';
import { scenarioJsonSchema } from '../scenarios/harness/scenario-schema.js';

const { version, bugs } = createRequire(import.meta.url)('../../package.json') as {
  version: string;
  bugs?: { url?: string };
};

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('the seed must be a whole number >= 0.');
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command()
  .name('faultline')
  .description('A deterministic discrete-event simulator for distributed systems.')
  .version(version)
  .option('--debug', 'print stack traces for internal errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addHelpText(
    'after',
    `
Examples:
  faultline list                                 the bundled scenarios
  faultline run regional-partition               run one; writes out/regional-partition-1/
  faultline run my.yaml --seed 7 --set components.api.workers=8
  faultline validate scenarios/*.yaml
  faultline report out/regional-partition-1/report.json

Exit codes: 0 success, 1 an SLO or check failed, 2 bad input or usage, 3 internal error.`,
  );

let exitCode = EXIT_OK;

program
  .command('run')
  .description('Run a scenario (every variant, same seed) and write report.json, SVG charts and report.html.')
  .argument('<scenario>', 'a scenario file, or the name of a bundled scenario (see faultline list)')
  .option('--seed <n>', 'seed for every random stream (overrides the file)', parseSeed)
  .option('--duration <d>', 'simulated time to run, like 30s or 5m (overrides the file)')
  .option('--set <path=value>', 'override a scenario field by its path; repeatable', collect, [])
  .option('--out <dir>', 'output directory (default out/<scenario>-<seed>)')
  .option('--json', 'print the JSON report on stdout and nothing else')
  .option('--quiet', 'print nothing but errors')
  .option('--check-determinism', 'run everything twice and fail unless the reports are identical')
  .option('--exit-zero', 'exit 0 even when an SLO fails (errors still exit 2 or 3)')
  .addOption(new Option('--queue <impl>', 'event queue implementation').choices(['typed', 'heap']).default('typed'))
  .addHelpText(
    'after',
    `
Examples:
  faultline run regional-partition
  faultline run scenarios/server-sizing.yaml --seed 42 --out results/sizing
  faultline run my.yaml --duration 5m --set components.api.workers=8 --set 'slo.availability.target=99.9%'
  faultline run my.yaml --json > report.json
  faultline run my.yaml --check-determinism`,
  )
  .action(async (scenario: string, opts) => {
    exitCode = await runCommand(scenario, opts, version);
  });

program
  .command('validate')
  .description('Check scenario files and print every problem as file:line:col path: message.')
  .argument('<file...>', 'scenario files')
  .addHelpText('after', '\nExamples:\n  faultline validate scenarios/*.yaml\n  faultline validate my.yaml')
  .action((files: string[]) => {
    const result = validateCommand(files);
    for (const line of result.lines) console.log(line);
    for (const problem of result.problems) console.error(problem);
    exitCode = result.ok ? EXIT_OK : EXIT_BAD_INPUT;
  });

program
  .command('list')
  .description('List the bundled scenarios with their one-line descriptions.')
  .addHelpText('after', '\nExamples:\n  faultline list\n  faultline run $(faultline list | head -1 | cut -d" " -f1)')
  .action(() => {
    const scenarios = listBundledScenarios();
    const width = Math.max(...scenarios.map((s) => s.name.length));
    for (const s of scenarios) console.log(`${s.name.padEnd(width)}  ${s.description}`);
  });

program
  .command('schema')
  .description('Print the JSON Schema of scenario files (for editors: yaml-language-server).')
  .addHelpText(
    'after',
    '\nExamples:\n  faultline schema > scenario.schema.json\n  # then start a scenario with: # yaml-language-server: $schema=./scenario.schema.json',
  )
  .action(() => {
    console.log(JSON.stringify(scenarioJsonSchema(), null, 2));
  });

program
  .command('report')
  .description('Render the charts and report.html again from a saved report.json.')
  .argument('<report.json>', 'a report written by faultline run')
  .option('--out <dir>', 'output directory (default: beside the report)')
  .addHelpText(
    'after',
    '\nExamples:\n  faultline report out/regional-partition-1/report.json\n  faultline report saved/report.json --out /tmp/view',
  )
  .action((file: string, opts: { out?: string }) => {
    const written = reportCommand(file, opts);
    console.log(`wrote ${written.length} files; open ${written.find((f) => f.endsWith('report.html')) ?? written[0]}`);
  });

program
  .command('check')
  .description('Check a recorded history for linearizability; prints a JSON verdict, exit 0 if linearizable, 1 if not.')
  .argument('<history>', 'a history: Jepsen log lines, EDN maps, or faultline JSON lines')
  .addOption(
    new Option('--model <model>', 'the object the history is of')
      .choices(Object.keys(SEQUENTIAL_SPECS))
      .makeOptionMandatory(),
  )
  .addOption(
    new Option('--format <format>', 'the history format (default: told by the content)').choices([...HISTORY_FORMATS]),
  )
  .addHelpText(
    'after',
    '\nExamples:\n  faultline check etcd_000.log --model register\n  faultline check c50-ok.txt --model kv --format edn\n  faultline check out/cap-partition-1/history.jsonl --model kv',
  )
  .action((file: string, opts: { model: SpecName; format?: HistoryFormat }) => {
    const result = checkCommand(file, opts);
    console.log(result.output);
    exitCode = result.exitCode;
  });

try {
  await program.parseAsync();
  process.exitCode = exitCode;
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message already; help and version exit 0.
    return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (error instanceof ScenarioError || error instanceof UsageError) {
    console.error(error.message);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof RunInterrupted) {
    console.error(`\nfaultline: ${error.message}`);
    return EXIT_INTERRUPTED;
  }
  if (error instanceof DeterminismError || error instanceof CheckFailed) {
    console.error(error.message);
    return EXIT_CHECK_FAILED;
  }
  const where = bugs?.url ?? 'the faultline issue tracker';
  console.error(`faultline: internal error: ${(error as Error)?.message ?? String(error)}`);
  if (program.opts().debug) console.error((error as Error)?.stack);
  else
    console.error(
      `This is a bug in faultline, not in your input. Please report it at ${where} with the command you ran (add --debug for the stack trace).`,
    );
  return EXIT_INTERNAL;
}
