#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { DeterminismError, checkDeterminism } from '../engine/determinism.js';
import { formatDuration } from '../engine/time.js';
import type { RequestStats } from '../models/request-stats.js';
import { buildDemo, DEMO_DURATION_US } from './demo-scenario.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('the seed must be a whole number >= 0.');
  return n;
}

const program = new Command()
  .name('faultline')
  .description('A deterministic discrete-event simulator for distributed systems.')
  .version(version)
  .exitOverride();

program
  .command('demo')
  .description('Run the built-in scenario: clients and servers in two regions, a partition and a crash.')
  .option('--seed <n>', 'seed for every random stream', parseSeed, 1)
  .option('--queue <impl>', 'event queue: typed (fast) or heap (reference)', 'typed')
  .option('--check-determinism', 'run the seed twice and fail at the first divergent event')
  .addHelpText('after', '\nExamples:\n  faultline demo\n  faultline demo --seed 7 --check-determinism\n')
  .action((opts: { seed: number; queue: string; checkDeterminism?: boolean }) => {
    if (opts.queue !== 'typed' && opts.queue !== 'heap') {
      program.error(`error: --queue must be "typed" or "heap", got "${opts.queue}"`, { exitCode: 2 });
    }
    const queue = opts.queue as 'typed' | 'heap';
    let stats!: RequestStats;
    const build = () => {
      const demo = buildDemo(opts.seed, queue);
      stats = demo.stats;
      return demo.sim;
    };
    const started = performance.now();
    const run = { untilUs: DEMO_DURATION_US };
    const result = opts.checkDeterminism ? checkDeterminism(build, run) : build().run(run);
    const wallSeconds = (performance.now() - started) / 1000;
    const runs = opts.checkDeterminism ? 2 : 1;

    const rows: [string, string][] = [
      ['seed', String(result.seed)],
      ['trace hash', result.traceHash],
      ['events processed', result.events.toLocaleString('en-US')],
      ['simulated time', formatDuration(result.simulatedUs)],
      ['wall time', `${wallSeconds.toFixed(3)}s${runs > 1 ? ' (two runs)' : ''}`],
      ['events per second', Math.round((result.events * runs) / wallSeconds).toLocaleString('en-US')],
      ['requests sent', String(stats.sent)],
      ['  completed', String(stats.completed)],
      ['  timed out', String(stats.timedOut)],
      ['  rejected', String(stats.failed)],
      ['mean latency', formatDuration(Math.round(stats.meanLatencyUs))],
      ['messages dropped', `${result.messages.droppedByPartition} by partition, ${result.messages.droppedAtDownNode} at a down node`],
    ];
    if (opts.checkDeterminism) rows.push(['determinism', 'both runs identical']);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    console.log('\nfaults:');
    for (const f of result.faults) {
      console.log(`  ${formatDuration(f.timeUs).padStart(8)}  ${f.kind}${f.nodes.length && f.kind !== 'partition' ? ' ' + f.nodes.join(',') : ''}${f.detail ? ' ' + f.detail : ''}`);
    }
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed the message; usage errors exit 2.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  if (error instanceof DeterminismError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(`faultline: internal error: ${(error as Error).message}\nPlease report this with the command you ran.`);
  process.exit(3);
}
