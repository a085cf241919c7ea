import {
  firstDivergentWindow,
  NotReplayable,
  replayRuns,
  TraceComparison,
  type ReplayRun,
} from '../../explore/replay.js';
import { runState, type RunState } from '../../explore/run-state.js';
import { timeTravelPage } from '../../explore/time-travel-page.js';
import { recordWindow } from '../../explore/time-travel-recording.js';
import { parseDurationUs } from '../../models/kit/unit-text.js';
import { formatCount as count, formatDurationUs } from '../../reports/format.js';
import type { TraceLine } from '../../engine/trace.js';
import type { Report } from '../../reports/report-types.js';
import { buildScenario } from '../../scenarios/harness/build-scenario.js';
import { runScenario, type CompletedRun } from '../../scenarios/harness/run-scenario.js';
import { didYouMean } from '../../scenarios/harness/did-you-mean.js';
import { EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_OK, UsageError, type Outcome } from '../exit-codes.js';
import { fileLines, FileLinesError } from '../file-lines.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { readReportFile } from '../read-report.js';
import { writeFilesAtomically } from '../atomic-write.js';

export interface ReplayOptions {
  variant?: string;
  trace?: string;
  until?: string;
  event?: number;
  node: string[];
  json?: boolean;
  quiet?: boolean;
  html?: string;
  from?: string;
  to?: string;
}

/** The viewer's default window: from just before the first fault to this long after it. */
const VIEW_BEFORE_US = 50_000;
const VIEW_AFTER_US = 450_000;

/** Nodes, messages and timers listed in the terminal at most; --json and --node show everything. */
const MAX_LISTED = 200;

/**
 * `faultline replay <report.json>`: runs the report's runs again from the
 * scenario it embeds and confirms each trace hash (exit 4 naming the first
 * divergent window, or event with the original's --trace); with --until or
 * --event, stops one run there and shows every node's state, the messages in
 * flight and the pending timers.
 */
export async function replayCommand(
  file: string,
  options: ReplayOptions,
  version: string,
  io: CliIo,
): Promise<Outcome> {
  const report = readReportFile(file, 'replay');
  let runs: ReplayRun[];
  try {
    runs = replayRuns(report, `${file} (scenario.resolved)`, options.variant);
  } catch (error) {
    if (error instanceof NotReplayable) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
  if (options.html !== undefined) return writeViewer(report, runs, options, version, io);
  if (options.from !== undefined || options.to !== undefined)
    throw new UsageError('--from and --to set the window of the page --html <file> writes; give --html too');
  if (options.until !== undefined || options.event !== undefined) return stopAndShow(report, runs, options, io);
  if (options.node.length > 0) throw new UsageError('--node narrows what --until or --event show; give one of them');

  const otherVersion = report.faultline !== version;
  const lines: string[] = [];
  let diverged = 0;
  for (const run of runs) {
    if (options.trace !== undefined && runs.length > 1)
      throw new UsageError(
        `--trace compares one run with its trace, and ${file} holds ${runs.length} runs; pick one with --variant (${runs.map((r) => r.name).join(', ')})`,
      );
    const { completed, comparison } = await replayOne(run, options, io);
    const { traceHash, events } = completed.result;
    const label = runs.length > 1 ? `${run.name}: ` : '';
    if (traceHash === run.expected.traceHash && events === run.expected.events) {
      lines.push(`${label}identical: trace hash ${traceHash}, ${count(events)} events`);
      continue;
    }
    diverged++;
    lines.push(`${label}${describeDivergence(run, completed)}`);
    const d = comparison?.divergence;
    if (comparison !== undefined) {
      if (d == null)
        lines.push(
          `  the trace's ${count(comparison.compared)} event lines all match: the runs differ where the trace kept no line (it was filtered or cut short), or in the results folded into the hash at the end`,
        );
      else
        lines.push(
          `  first divergent event: #${d.index}`,
          `    original: ${describeLine(d.original)}`,
          `    replay:   ${d.replay === null ? '(no such event: the replay had ended)' : describeLine(d.replay)}`,
        );
    } else if (!otherVersion) {
      lines.push(
        `  to name the event: run it with --trace events.jsonl where the report was written (the same seed gives the same run), then faultline replay ${file} --trace events.jsonl`,
      );
    }
  }
  if (diverged > 0 && otherVersion) {
    lines.push(
      `${file} was written by faultline ${report.faultline}; this is faultline ${version}. A different version may simulate differently, so this is not a determinism failure: replay it with faultline ${report.faultline}.`,
    );
    if (!options.quiet) io.stdout.write(`${lines.join('\n')}\n`);
    return { code: EXIT_BAD_INPUT, reason: `the report is from faultline ${report.faultline}, not ${version}` };
  }
  if (otherVersion) lines.push(`written by faultline ${report.faultline}, replayed by ${version}: the same runs`);
  if (!options.quiet || diverged > 0) io.stdout.write(`${lines.join('\n')}\n`);
  if (diverged === 0) return { code: EXIT_OK };
  return {
    code: EXIT_DIVERGED,
    reason: `${diverged} of ${runs.length} run${runs.length === 1 ? '' : 's'} diverged from the report`,
  };
}

async function replayOne(
  run: ReplayRun,
  options: ReplayOptions,
  io: CliIo,
): Promise<{ completed: CompletedRun; comparison?: TraceComparison }> {
  const progress = new Progress(run.name, io.stderr, !options.quiet && !options.json);
  let comparison: TraceComparison | undefined;
  const traceLabel = options.trace;
  try {
    const completed = await runScenario(run.scenario, {
      signal: io.signal,
      onProgress: (t, d, e) => progress.update(t, d, e),
      onBuilt: ({ sim }) => {
        if (traceLabel !== undefined) comparison = new TraceComparison(sim, fileLines(traceLabel), traceLabel);
      },
    });
    comparison?.finish();
    return { completed, comparison };
  } catch (error) {
    if (error instanceof FileLinesError) throw new UsageError(`--trace ${traceLabel}: ${error.message}`);
    if (error instanceof NotReplayable) throw new UsageError(`--trace ${error.message}`);
    throw error;
  } finally {
    progress.stop();
  }
}

function describeDivergence(run: ReplayRun, completed: CompletedRun): string {
  const { expected } = run;
  const { result, checkpoints } = completed;
  const head = `DIVERGED: trace hash ${result.traceHash}, ${count(result.events)} events; the report says ${expected.traceHash}, ${count(expected.events)} events`;
  const window = firstDivergentWindow(expected.checkpoints, checkpoints, expected.events, result.events);
  if (window === null)
    return `${head}\n  every event matches the report's checkpoints: the runs differ in what they measured (the results folded into the hash at the end)`;
  if (window.toEvents === null)
    return `${head}\n  first difference after event ${count(window.fromEvents)}, the last checkpoint both runs have`;
  return `${head}\n  first difference between events ${count(window.fromEvents)} and ${count(window.toEvents)} (the first checkpoint that differs)`;
}

function describeLine(line: TraceLine): string {
  const { index: _index, ...rest } = line;
  return Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** Runs one run to --until or --event and prints its state there. */
async function stopAndShow(report: Report, runs: ReplayRun[], options: ReplayOptions, io: CliIo): Promise<Outcome> {
  if (options.until !== undefined && options.event !== undefined)
    throw new UsageError('--until and --event both say where to stop; give one');
  if (options.trace !== undefined)
    throw new UsageError('--trace compares a whole replay; leave out --until and --event');
  const run = runs[0];
  const built = buildScenario(run.scenario);
  const { sim } = built;
  const nodeNames = Array.from({ length: sim.nodeCount }, (_, id) => sim.nodeName(id));
  for (const node of options.node)
    if (!nodeNames.includes(node))
      throw new UsageError(
        `--node ${node}: no such node${didYouMean(node, nodeNames)}; the nodes are ${listed(nodeNames)}`,
      );
  const durationUs = run.scenario.duration;
  let where: string;
  if (options.until !== undefined) {
    const untilUs = parseDurationUs(options.until);
    if (untilUs === null)
      throw new UsageError(`--until ${options.until}: not a time; write a number and a unit, like 14s or 1500ms`);
    if (untilUs > durationUs)
      throw new UsageError(
        `--until ${options.until}: the run ends at ${formatDurationUs(durationUs)}; give a time before that`,
      );
    sim.run({ untilUs });
    where = `at ${seconds(untilUs)} (after every event up to and including it)`;
  } else {
    const event = options.event!;
    if (event >= run.expected.events)
      throw new UsageError(
        `--event ${event}: the run has ${count(run.expected.events)} events, numbered 0 to ${count(run.expected.events - 1)}`,
      );
    sim.run({ untilUs: durationUs, maxEvents: event + 1 });
    where = `after event #${event}, at ${seconds(sim.nowUs)}`;
  }
  const state = runState(built, options.node.length > 0 ? new Set(options.node) : undefined);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ run: run.name, seed: run.scenario.seed, ...state }, null, 2)}\n`);
    return { code: EXIT_OK };
  }
  const title = `${run.scenario.name}${report.variants ? ` · ${run.name}` : ''} · seed ${run.scenario.seed}`;
  io.stdout.write(`${[`${title}: stopped ${where}`, ...describeState(state, options.node.length > 0)].join('\n')}\n`);
  if (runs.length > 1 && options.variant === undefined)
    io.stdout.write(`(the report's first run; --variant picks another: ${runs.map((r) => r.name).join(', ')})\n`);
  return { code: EXIT_OK };
}

const seconds = (us: number) => `${(us / 1e6).toFixed(6)}s`;

function listed(names: readonly string[]): string {
  return names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')} and ${names.length - 12} more`;
}

function describeState(state: RunState, narrowed: boolean): string[] {
  const lines = [`${count(state.events)} events handled; trace hash so far ${state.traceHash}`];
  lines.push(`network: ${state.partition === null ? 'whole' : `partitioned, ${state.partition}`}`);
  const cap = <T>(items: T[]) => (narrowed ? items : items.slice(0, MAX_LISTED));
  const more = (total: number, shown: number) => {
    if (total > shown) lines.push(`  … and ${count(total - shown)} more (--node narrows, --json lists all)`);
  };

  lines.push('', `nodes (${state.nodes.length})`);
  const width = state.nodes.reduce((w, n) => Math.max(w, n.name.length), 4);
  const shownNodes = cap(state.nodes);
  for (const n of shownNodes) {
    const clock =
      n.clockOffsetUs === 0 ? '' : ` clock ${n.clockOffsetUs > 0 ? '+' : ''}${formatDurationUs(n.clockOffsetUs)}`;
    const fields =
      n.state === null
        ? ''
        : Object.entries(n.state)
            .filter(([, v]) => v !== null)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
    lines.push(
      `  ${n.name.padEnd(width)}  ${n.instance} (${n.type})  ${n.status.toUpperCase()}${clock}${fields ? `  ${fields}` : ''}`,
    );
  }
  more(state.nodes.length, shownNodes.length);

  lines.push('', `messages in flight (${state.messages.length})`);
  const shownMessages = cap(state.messages);
  for (const m of shownMessages)
    lines.push(
      `  ${m.from} → ${m.to}  ${m.type ?? 'message'}  ${m.sizeBytes} B  ${m.held ? 'held at the paused receiver' : `arrives ${seconds(m.arrivalUs)}${m.receiverDown ? ' at a node that is down' : ''}`}`,
    );
  more(state.messages.length, shownMessages.length);

  lines.push('', `timers pending (${state.timers.length})`);
  const shownTimers = cap(state.timers);
  for (const t of shownTimers)
    lines.push(
      `  ${t.node}  ${t.held ? 'held (node paused)' : `due ${seconds(t.dueUs)}`}  tag ${t.tag}${t.type === null ? '' : ` (${t.type})`}`,
    );
  more(state.timers.length, shownTimers.length);

  lines.push('', `faults so far (${state.faults.length})`);
  for (const f of cap(state.faults))
    lines.push(
      `  ${seconds(f.timeUs)}  ${f.kind}${f.nodes.length > 0 ? ` ${listed(f.nodes)}` : ''}${f.detail ? ` (${f.detail})` : ''}`,
    );
  more(state.faults.length, cap(state.faults).length);
  return lines;
}

/** `--html`: the time-travel page for a window of one run, written atomically. */
async function writeViewer(
  report: Report,
  runs: ReplayRun[],
  options: ReplayOptions,
  version: string,
  io: CliIo,
): Promise<Outcome> {
  if (options.until !== undefined || options.event !== undefined || options.trace !== undefined)
    throw new UsageError('--html writes a page for a window (--from, --to); leave out --until, --event and --trace');
  const run = runs[0];
  const durationUs = run.scenario.duration;
  const time = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const us = parseDurationUs(text);
    if (us === null) throw new UsageError(`${flag} ${text}: not a time; write a number and a unit, like 12s or 1500ms`);
    if (us > durationUs)
      throw new UsageError(`${flag} ${text}: the run ends at ${formatDurationUs(durationUs)}; give a time before that`);
    return us;
  };
  const outcome = report.variants?.find((v) => v.name === run.name) ?? report;
  const firstFault = outcome.faults.find((f) => f.timeUs > 0)?.timeUs;
  const centre = firstFault ?? run.scenario.warmup;
  const fromUs = time('--from', options.from) ?? Math.max(1, centre - VIEW_BEFORE_US);
  const toUs = Math.min(durationUs, time('--to', options.to) ?? fromUs + VIEW_BEFORE_US + VIEW_AFTER_US);
  if (fromUs < 1) throw new UsageError('--from: the window starts after the run does; give a time above 0, like 1us');
  if (toUs <= fromUs)
    throw new UsageError(
      `the window ${formatDurationUs(fromUs)} to ${formatDurationUs(toUs)} is empty: --to must come after --from`,
    );
  const recording = recordWindow(buildScenario(run.scenario), { fromUs, toUs });
  const page = timeTravelPage(recording, {
    scenario: run.scenario.name,
    variant: report.variants ? run.name : null,
    seed: run.scenario.seed,
    version,
    traceHash: run.expected.traceHash,
  });
  await writeFilesAtomically([{ path: options.html!, content: page }], io);
  if (!options.quiet) {
    const cut =
      recording.cut === null
        ? ''
        : `; cut at its ${count(recording.steps.length)}-event limit at ${seconds(recording.cut.timeUs)}`;
    io.stdout.write(
      `${options.html}: ${count(recording.steps.length)} events from ${seconds(fromUs)} to ${seconds(toUs)}${cut}\n`,
    );
    if (runs.length > 1 && options.variant === undefined)
      io.stdout.write(`(the report's first run; --variant picks another: ${runs.map((r) => r.name).join(', ')})\n`);
  }
  return { code: EXIT_OK };
}
