import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkDeterminism } from '../../engine/determinism.js';
import { buildScenario } from '../../scenarios/harness/build-scenario.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenarioWithModels, type LoadedScenario } from '../../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../../scenarios/harness/run-scenario.js';
import { printable } from '../../scenarios/harness/scenario-error.js';
import type { Scenario } from '../../scenarios/harness/scenario-schema.js';
import { buildReport, deterministicPart } from '../../reports/build-report.js';
import type { Report, VariantRun } from '../../reports/report-types.js';
import { DeterminismFailed, EXIT_FAILED, EXIT_OK, UsageError, type Outcome } from '../exit-codes.js';
import { outputWidth, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { OutputFolder } from '../atomic-write.js';
import { checkpoint } from '../checkpoint.js';
import { commandLineOverrides, type ScenarioOverrideOptions } from '../scenario-overrides.js';
import type { OutputFile } from '../write-report.js';
import { ReportRenderer } from '../report-renderer.js';
import { JsonlTrace, type TraceFilter } from '../../engine/trace.js';
import { formatDurationUs } from '../../reports/format.js';
import { DEFAULT_TRACE_LINES, TraceFile, traceFileFor } from '../trace-file.js';
import { parseTraceFilter } from '../trace-filter.js';
import { CacheTraces, parseCacheTraceOptions, type WrittenCacheTrace } from '../cache-traces.js';

export interface RunOptions extends ScenarioOverrideOptions {
  variant?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
  checkDeterminism?: boolean;
  exitZero?: boolean;
  maxEvents?: number;
  queue: 'typed' | 'heap';
  trace?: string;
  traceFilter?: string;
  /** Lines a trace keeps at most (default DEFAULT_TRACE_LINES). */
  traceLimit?: number;
  /** `<component>=<file>`: a cache's request stream in libCacheSim's oracleGeneral format, per run. */
  cacheTrace?: string[];
}

/** What one run's trace file holds. */
interface WrittenTrace {
  path: string;
  lines: number;
  truncatedAt: { index: number; timeUs: number } | null;
}

interface PlannedRun {
  name: string;
  overrides: Record<string, unknown>;
  scenario: Scenario;
}

/**
 * `faultline run`: every variant (or the one --variant names) with the same seed, then report.json, charts and
 * report.html. With --json and no --out, the report goes to stdout only and nothing is written.
 */
export async function runCommand(argument: string, options: RunOptions, version: string, io: CliIo): Promise<Outcome> {
  const file = resolveScenarioArgument(argument);
  const overrides = commandLineOverrides(options);
  const loaded = selectVariant(await loadScenarioWithModels(file, { overrides }), options.variant);
  const given = overrides.map((o) => (typeof o === 'string' ? o : o.set));
  return runLoaded(loaded, { argument, file, overrides: given }, options, version, io);
}

/**
 * `faultline run` of a scenario already loaded (and narrowed to --variant): `argument` is the scenario as the user
 * named it, `file` the file it resolved to, `overrides` the command line's `path=value` overrides it was loaded
 * with (report.json keeps them for replay). `besides` are written into the output folder with the report, in the
 * same atomic step (`faultline search` puts the scenario it found there).
 */
export async function runLoaded(
  loaded: LoadedScenario,
  { argument, file, overrides }: { argument: string; file: string; overrides: string[] },
  options: RunOptions,
  version: string,
  io: CliIo,
  besides: readonly OutputFile[] = [],
): Promise<Outcome> {
  const planned: PlannedRun[] =
    loaded.variants.length > 0
      ? loaded.variants.map((v) => ({ name: v.name, overrides: v.overrides, scenario: v.scenario }))
      : [{ name: 'base', overrides: {}, scenario: loaded.scenario }];

  const traceFilter =
    options.traceFilter === undefined ? undefined : parseTraceFilter(options.traceFilter, loaded.scenario);
  if (options.traceFilter !== undefined && options.trace === undefined)
    throw new UsageError('--trace-filter needs --trace <file> to say where the trace goes');
  const tracing =
    options.trace === undefined
      ? undefined
      : {
          path: options.trace,
          filter: traceFilter,
          maxLines: options.traceLimit ?? DEFAULT_TRACE_LINES,
          written: [] as WrittenTrace[],
        };

  const cacheTraceRequests = parseCacheTraceOptions(options.cacheTrace ?? []);

  const defaultDir = `${loaded.scenario.name}-${loaded.scenario.seed}${options.variant ? `-${options.variant}` : ''}`;
  const writes = options.out !== undefined || !options.json;
  const output = writes
    ? OutputFolder.prepare(options.out ?? loaded.scenario.outputs.dir ?? join('out', defaultDir))
    : undefined;
  const signal = io.signal ?? new AbortController().signal;
  let report: Report;
  let files: OutputFile[] = [];
  let cacheTraces: CacheTraces | undefined;
  const { outputs } = loaded.scenario;
  const renderer = output !== undefined && (outputs.charts || outputs.html) ? ReportRenderer.start() : undefined;
  try {
    cacheTraces = cacheTraceRequests.length > 0 ? CacheTraces.open(cacheTraceRequests, planned) : undefined;
    const started = performance.now();
    const runs = await runAll(planned, options, signal, io, true, tracing, cacheTraces);
    cacheTraces?.finish();
    const wallSeconds = (performance.now() - started) / 1000;
    await checkpoint(io, 'report');
    report = buildReport({
      faultlineVersion: version,
      file: argument === file ? file : null,
      scenario: loaded.scenario,
      resolved: { document: loaded.document, overrides },
      runs: runs.map((run, i) => ({ name: planned[i].name, overrides: planned[i].overrides, run })),
      wallSeconds,
    });
    if (options.checkDeterminism) await checkReportDeterminism(report, planned, options, signal, version);
    if (output !== undefined) {
      await checkpoint(io, 'render');
      // Charts and HTML are loaded only when a report is written.
      files =
        renderer === undefined
          ? (await import('../write-report.js')).reportFiles(report, output.dir, outputs)
          : await renderer.render({ report, dir: output.dir, outputs });
      // Store operations in Jepsen's shape, one file per run, for `faultline check` and other tools.
      runs.forEach((run, i) => {
        if (run.built.history.events.length === 0) return;
        const name = loaded.variants.length > 0 ? `history-${planned[i].name}.jsonl` : 'history.jsonl';
        files.push({ path: join(output.dir, name), content: run.built.history.toJsonl() });
      });
      files = files.concat(besides);
      await output.write(files, io);
    }
  } catch (error) {
    renderer?.close();
    cacheTraces?.abandon();
    output?.abandon();
    throw error;
  }

  const traceNotes = (tracing?.written ?? []).map(traceNote).concat((cacheTraces?.written ?? []).map(cacheTraceNote));
  if (options.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (!options.quiet) for (const note of traceNotes) io.stderr.write(`${note}\n`);
  } else if (!options.quiet) {
    const { summaryTable, terminalColors, wrapText } = await import('../summary-table.js');
    const { deliveryLines } = await import('../delivery-summary.js');
    const { cacheLines } = await import('../cache-summary.js');
    const { feedLines } = await import('../feed-summary.js');
    const { chatLines } = await import('../chat-summary.js');
    const colors = terminalColors(io.stdout, io.env);
    const width = outputWidth(io);
    const description = report.scenario.description ? ` — ${printable(firstLine(report.scenario.description))}` : '';
    const lines = [
      wrapText(`${report.scenario.name}${description}`, width)
        .map((line, i) => (i === 0 ? line.replace(report.scenario.name, colors.bold(report.scenario.name)) : line))
        .join('\n'),
      summaryTable(report, colors, width),
      ...[
        ...deliveryLines(report, colors),
        ...cacheLines(report, colors),
        ...feedLines(report, colors),
        ...chatLines(report, colors),
      ].flatMap((line) => wrapText(line, width).map((part, i) => (i === 0 ? part : `  ${part}`))),
      ...report.warnings.flatMap((w) =>
        wrapText(`warning: ${w}`, width).map((line, i) => colors.yellow(i === 0 ? line : `  ${line}`)),
      ),
    ];
    for (const note of traceNotes) lines.push(note.startsWith('warning') ? colors.yellow(note) : note);
    if (options.checkDeterminism) lines.push(colors.green('determinism: a second run gave an identical report'));
    // One seed is one draw; the file's sweep says how many it takes.
    if (loaded.scenario.sweep !== undefined)
      lines.push(
        `this was one seed: faultline sweep ${argument} runs it over ${loaded.scenario.sweep.seeds} seeds, with confidence intervals`,
      );
    const html = files.find((f) => f.path.endsWith('report.html'));
    lines.push(`report: ${html?.path ?? files[0].path}`);
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  const failing = (report.variants ?? [{ ...report, name: report.variant }]).filter((r) => !r.slo.passed);
  if (failing.length === 0 || options.exitZero) return { code: EXIT_OK };
  return { code: EXIT_FAILED, reason: sloFailure(failing, report.variants?.length ?? 1) };
}

/** The scenario with only the named variant, which must exist. */
function selectVariant(loaded: LoadedScenario, name: string | undefined): LoadedScenario {
  if (name === undefined) return loaded;
  const names = loaded.variants.map((v) => v.name);
  if (names.length === 0)
    throw new UsageError(`--variant ${name}: ${loaded.scenario.name} has no variants; leave --variant out`);
  if (!names.includes(name))
    throw new UsageError(
      `--variant ${name}: ${loaded.scenario.name} has no such variant; its variants: ${names.join(', ')}`,
    );
  return { ...loaded, variants: loaded.variants.filter((v) => v.name === name) };
}

/** One line: which runs failed which objectives. */
function sloFailure(failing: Pick<VariantRun, 'name' | 'slo'>[], runs: number): string {
  const which = failing.map((r) => {
    const objectives = r.slo.verdicts
      .filter((v) => v.verdict !== 'pass')
      .map((v) => printable(v.verdict === 'no-data' ? `${v.name}: no data` : v.name));
    return runs > 1 ? `${r.name} (${objectives.join(', ')})` : objectives.join(', ');
  });
  if (runs === 1) return `the SLO failed: ${which.join('')} (--exit-zero exits 0 all the same)`;
  return `${failing.length} of ${runs} variants failed an SLO: ${which.join(', ')} (--exit-zero exits 0 all the same)`;
}

async function runAll(
  planned: PlannedRun[],
  options: RunOptions,
  signal: AbortSignal,
  io: CliIo,
  showProgress = true,
  tracing?: { path: string; filter?: TraceFilter; maxLines: number; written: WrittenTrace[] },
  cacheTraces?: CacheTraces,
): Promise<CompletedRun[]> {
  const runs: CompletedRun[] = [];
  for (const [index, p] of planned.entries()) {
    const label = planned.length > 1 ? p.name : p.scenario.name;
    const progress = new Progress(label, io.stderr, showProgress && !options.quiet);
    const file = tracing && new TraceFile(traceFileFor(tracing.path, planned.length > 1 ? p.name : undefined));
    let trace: JsonlTrace | undefined;
    try {
      runs.push(
        await runScenario(p.scenario, {
          signal,
          queue: options.queue,
          maxEvents: options.maxEvents,
          cacheTraceSinks: cacheTraces?.sinksFor(index),
          onProgress: (t, d, e) => progress.update(t, d, e),
          onBuilt: ({ sim }) => {
            if (file !== undefined)
              trace = new JsonlTrace(sim, file.write, {
                filter: tracing!.filter,
                maxLines: tracing!.maxLines,
              }).attach();
          },
        }),
      );
      if (file !== undefined && trace !== undefined) {
        file.finish();
        tracing!.written.push({ path: file.path, lines: trace.lines, truncatedAt: trace.truncatedAt });
      }
    } catch (error) {
      file?.abandon();
      throw error;
    } finally {
      progress.stop();
    }
  }
  return runs;
}

/** One line about a trace written: where, how many lines, and whether it stopped at its limit. */
function traceNote(t: WrittenTrace): string {
  const lines = `${t.lines.toLocaleString('en-US')} line${t.lines === 1 ? '' : 's'}`;
  if (t.truncatedAt === null) return `trace: ${t.path} (${lines})`;
  return (
    `warning: trace ${t.path} stopped at its limit of ${lines}, at ${formatDurationUs(t.truncatedAt.timeUs)} ` +
    `(event ${t.truncatedAt.index}); --trace-limit raises the limit, --trace-filter narrows what is kept`
  );
}

/** One line about a cache trace written: where, whose, how many requests. */
function cacheTraceNote(t: WrittenCacheTrace): string {
  const requests = `${t.requests.toLocaleString('en-US')} request${t.requests === 1 ? '' : 's'}`;
  return `cache trace: ${t.path} (${requests} of ${t.component}, libCacheSim oracleGeneral)`;
}

/** Runs everything again; any difference outside `wall` is a determinism bug, pinned to its first event when the trace differs. */
async function checkReportDeterminism(
  report: Report,
  planned: PlannedRun[],
  options: RunOptions,
  signal: AbortSignal,
  version: string,
): Promise<void> {
  const silent = { write: () => true };
  const again = await runAll(planned, options, signal, { stdout: silent, stderr: silent, env: {} }, false);
  const second = buildReport({
    faultlineVersion: version,
    file: report.scenario.file,
    scenario: planned[0].scenario,
    resolved: report.scenario.resolved ?? undefined,
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
  throw new DeterminismFailed(
    `nondeterminism: two runs with the same seed gave the same trace but different reports, first at\n  …${a.slice(Math.max(0, at - 60), at + 20)}…` +
      '\n  look for metrics that depend on wall-clock time or unordered iteration',
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
