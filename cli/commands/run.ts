import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkDeterminism } from '../../engine/determinism.js';
import { buildScenario } from '../../scenarios/harness/build-scenario.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario, type OverrideArgument } from '../../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../../scenarios/harness/run-scenario.js';
import type { Scenario } from '../../scenarios/harness/scenario-schema.js';
import { parseDurationUs } from '../../models/kit/units.js';
import { buildReport, deterministicPart } from '../../reports/build-report.js';
import type { Report } from '../../reports/report-types.js';
import { CheckFailed, EXIT_CHECK_FAILED, EXIT_OK, UsageError } from '../exit-codes.js';
import { Progress } from '../progress.js';
import { summaryTable, terminalColors } from '../summary-table.js';
import { writeFilesAtomically } from '../atomic-write.js';
import { reportFiles } from '../write-report.js';

export interface RunOptions {
  seed?: number;
  duration?: string;
  set: string[];
  out?: string;
  json?: boolean;
  quiet?: boolean;
  checkDeterminism?: boolean;
  exitZero?: boolean;
  queue: 'typed' | 'heap';
}

interface PlannedRun {
  name: string;
  overrides: Record<string, unknown>;
  scenario: Scenario;
}

/** `faultline run`: every variant with the same seed, then report.json, charts and report.html. */
export async function runCommand(argument: string, options: RunOptions, version: string): Promise<number> {
  const file = resolveScenarioArgument(argument);
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
  overrides.push(...options.set);
  const loaded = loadScenario(file, { overrides });
  const planned: PlannedRun[] =
    loaded.variants.length > 0
      ? loaded.variants.map((v) => ({ name: v.name, overrides: v.overrides, scenario: v.scenario }))
      : [{ name: 'base', overrides: {}, scenario: loaded.scenario }];

  const abort = new AbortController();
  const onInterrupt = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const started = performance.now();
    const runs = await runAll(planned, options, abort.signal, true);
    const wallSeconds = (performance.now() - started) / 1000;
    const report = buildReport({
      faultlineVersion: version,
      file: argument === file ? file : null,
      scenario: loaded.scenario,
      runs: runs.map((run, i) => ({ name: planned[i].name, overrides: planned[i].overrides, run })),
      wallSeconds,
    });
    if (options.checkDeterminism) await checkReportDeterminism(report, planned, options, abort.signal, version);

    const dir =
      options.out ?? loaded.scenario.outputs.dir ?? join('out', `${loaded.scenario.name}-${loaded.scenario.seed}`);
    const files = reportFiles(report, dir, loaded.scenario.outputs);
    // Store operations in Jepsen's shape, one file per run, for `faultline check` and other tools.
    runs.forEach((run, i) => {
      if (run.built.history.events.length === 0) return;
      const name = loaded.variants.length > 0 ? `history-${planned[i].name}.jsonl` : 'history.jsonl';
      files.push({ path: join(dir, name), content: run.built.history.toJsonl() });
    });
    writeFilesAtomically(files);

    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else if (!options.quiet) {
      const colors = terminalColors(process.stdout);
      const lines = [
        colors.bold(`${report.scenario.name}`) +
          (report.scenario.description ? ` — ${firstLine(report.scenario.description)}` : ''),
        summaryTable(report, colors),
      ];
      if (options.checkDeterminism) lines.push(colors.green('determinism: a second run gave an identical report'));
      const html = files.find((f) => f.path.endsWith('report.html'));
      lines.push(`report: ${html?.path ?? files[0].path}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    const failed = (report.variants ?? [report]).some((r) => !r.slo.passed);
    return failed && !options.exitZero ? EXIT_CHECK_FAILED : EXIT_OK;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

async function runAll(
  planned: PlannedRun[],
  options: RunOptions,
  signal: AbortSignal,
  showProgress: boolean,
): Promise<CompletedRun[]> {
  const runs: CompletedRun[] = [];
  for (const p of planned) {
    const label = planned.length > 1 ? p.name : p.scenario.name;
    const progress = new Progress(label, showProgress && !options.quiet);
    try {
      runs.push(
        await runScenario(p.scenario, {
          signal,
          queue: options.queue,
          onProgress: (t, d, e) => progress.update(t, d, e),
        }),
      );
    } finally {
      progress.stop();
    }
  }
  return runs;
}

/** Runs everything again; any difference outside `wall` is a determinism bug, pinned to its first event when the trace differs. */
async function checkReportDeterminism(
  report: Report,
  planned: PlannedRun[],
  options: RunOptions,
  signal: AbortSignal,
  version: string,
): Promise<void> {
  const again = await runAll(planned, options, signal, false);
  const second = buildReport({
    faultlineVersion: version,
    file: report.scenario.file,
    scenario: planned[0].scenario,
    runs: again.map((run, i) => ({ name: planned[i].name, overrides: planned[i].overrides, run })),
    wallSeconds: 0,
  });
  const a = JSON.stringify(deterministicPart(report));
  const b = JSON.stringify(deterministicPart({ ...second, scenario: report.scenario }));
  if (a === b) return;
  for (const p of planned)
    checkDeterminism(() => buildScenario(p.scenario, { queue: options.queue }).sim, { untilUs: p.scenario.duration });
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  throw new CheckFailed(
    `nondeterminism: two runs with the same seed gave the same trace but different reports, first at\n  …${a.slice(Math.max(0, at - 60), at + 20)}…` +
      '\n  look for metrics that depend on wall-clock time or unordered iteration',
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
