import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  counterexampleText,
  SEARCHED_VARIANT,
  type CounterexampleSpec,
} from '../../explore/counterexample-scenario.js';
import { ThreadPool } from '../../campaigns/run-pool.js';
import type { JudgedRun, JudgeTask } from '../../explore/judge-run.js';
import { componentNodes, selectNodes } from '../../explore/fault-nodes.js';
import {
  drawableKinds,
  FAULT_GROUPS,
  FAULT_KINDS,
  NODES_NEEDED,
  TICK_MS,
  timelineLines,
  type FaultKind,
  type FaultSpace,
} from '../../explore/fault-schedule.js';
import { searchFaults, type SearchOutcome } from '../../explore/fault-search.js';
import { parseProperty, propertyText, unjudgeable, type SearchProperty } from '../../explore/search-property.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText, type LoadedScenario } from '../../scenarios/harness/load-scenario.js';
import { parseSetArgument } from '../../scenarios/harness/overrides.js';
import { printable } from '../../scenarios/harness/scenario-error.js';
import type { Scenario } from '../../scenarios/harness/scenario-schema.js';
import { OutputFolder } from '../atomic-write.js';
import { CampaignProgress } from '../campaign-progress.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Outcome } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { commandLineOverrides, type ScenarioOverrideOptions } from '../scenario-overrides.js';
import { exitCodeForSignal, type StopSignal } from '../signals.js';
import { runLoaded } from './run.js';

/** Threads judging schedules, one run each at a time (explore/search-worker.js). */
type SearchPool = ThreadPool<JudgeTask, JudgedRun>;

export interface SearchOptions extends ScenarioOverrideOptions {
  property: string;
  runs: number;
  variant?: string;
  jobs?: number;
  out?: string;
  maxFaults: number;
  faults?: string;
  nodes?: string;
  json?: boolean;
  quiet?: boolean;
}

export const DEFAULT_SEARCH_RUNS = 500;
export const DEFAULT_MAX_FAULTS = 3;
/** Candidates judged while shrinking one counterexample, at most. */
export const MAX_SHRINK_RUNS = 300;
/** The last share of the run after the warm-up that no drawn fault reaches, so recovery is seen and judged. */
const RECOVERY_SHARE = 0.25;
const COUNTEREXAMPLE_FILE = 'counterexample.yaml';

/** One searched variant (or the scenario, without variants) and where its counterexample goes. */
interface Target {
  variant: string | null;
  scenario: Scenario;
  space: FaultSpace;
  /** Where the counterexample and its report go. */
  dir: string;
  /** The counterexample file, resolved. */
  file: string;
  spec: Omit<CounterexampleSpec, 'schedule'>;
}

interface TargetResult {
  target: Target;
  outcome: SearchOutcome;
  seconds: number;
  written: string[];
}

/**
 * `faultline search`: draws fault schedules over the scenario's nodes and time, runs each on the worker pool and
 * checks a property; shrinks the first failure to a minimal schedule, writes it as a scenario that extends the
 * original, with its report beside it. Exit 1 when a counterexample was found, 0 when none in the budget.
 */
export async function searchCommand(
  argument: string,
  options: SearchOptions,
  version: string,
  io: CliIo,
): Promise<Outcome> {
  const property = parseProperty(options.property);
  if (typeof property === 'string') throw new UsageError(`--property: ${property}`);
  const file = resolveScenarioArgument(argument);
  const loaded = loadScenario(file, { overrides: commandLineOverrides(options) });
  const kinds = parseKinds(options.faults);
  const targets = selectVariants(loaded, options.variant).map((variant) =>
    planTarget(loaded, variant, { argument, file, property, kinds, seed: loaded.scenario.seed, options, version }),
  );
  checkCarried(targets);
  // Every output folder is checked (and its parents made, to be removed again if nothing is written) only once every input is.
  const folders = new Map(targets.map((t) => [t, OutputFolder.prepare(t.dir)]));

  try {
    return await searchAll(argument, loaded, targets, folders, property, options, version, io);
  } catch (error) {
    // Parent folders made for outputs never written go again.
    for (const folder of folders.values()) folder.abandon();
    throw error;
  }
}

async function searchAll(
  argument: string,
  loaded: LoadedScenario,
  targets: readonly Target[],
  folders: ReadonlyMap<Target, OutputFolder>,
  property: SearchProperty,
  options: SearchOptions,
  version: string,
  io: CliIo,
): Promise<Outcome> {
  const seed = loaded.scenario.seed;
  const signal = io.signal ?? new AbortController().signal;
  const say = (line: string) =>
    void (options.quiet || options.json ? undefined : io.stderr.write(`${printable(line)}\n`));
  const threads = Math.max(1, Math.min(options.jobs ?? availableParallelism(), options.runs));
  const pool: SearchPool = new ThreadPool(threads, 'explore/search-worker.js');
  const results: TargetResult[] = [];
  let interrupted: { target: Target; outcome: SearchOutcome } | null = null;
  try {
    for (const target of targets) {
      const label = target.variant === null ? loaded.scenario.name : `${loaded.scenario.name} ${target.variant}`;
      const started = performance.now();
      const outcome = await searchTarget(target, property, pool, threads, label, version, signal, io, options);
      const seconds = (performance.now() - started) / 1000;
      if (outcome.interrupted) {
        interrupted = { target, outcome };
        break;
      }
      const runs = outcome.tried + 1 + (outcome.counterexample?.shrinkRuns ?? 0);
      say(
        `${label}: ${runs} runs in ${seconds.toFixed(1)}s (${(runs / seconds).toFixed(2)} schedules/s on ${threads} thread${threads === 1 ? '' : 's'})`,
      );
      results.push({ target, outcome, seconds, written: [] });
    }
  } finally {
    await pool.close();
  }
  if (interrupted !== null) {
    for (const folder of folders.values()) folder.abandon();
    const stopped = (signal.reason as StopSignal | undefined) ?? 'SIGINT';
    const best = interrupted.outcome.counterexample?.shrunk;
    if (best !== undefined && !options.quiet)
      io.stderr.write(
        `${['the smallest failing schedule so far (not written):', ...timelineLines(best.schedule).map((l) => `  ${l}`)].map(printable).join('\n')}\n`,
      );
    return {
      code: exitCodeForSignal(stopped),
      reason: `interrupted by ${stopped} after ${interrupted.outcome.tried} schedules of ${targetName(interrupted.target)}; nothing was written`,
    };
  }

  for (const result of results) {
    const counterexample = result.outcome.counterexample;
    if (counterexample === null) {
      folders.get(result.target)?.abandon();
      continue;
    }
    const text = counterexampleText({ ...result.target.spec, schedule: counterexample.shrunk.schedule });
    const written = parseScenarioText(text, result.target.file);
    const dir = result.target.dir;
    await runLoaded(
      written,
      // As the user would name it: the report's scenario.file.
      { argument: join(dir, COUNTEREXAMPLE_FILE), file: join(dir, COUNTEREXAMPLE_FILE), overrides: [] },
      { set: [], out: dir, quiet: true, exitZero: true, queue: 'typed' },
      version,
      { ...io, stdout: { write: () => true } },
      [{ path: join(dir, COUNTEREXAMPLE_FILE), content: text }],
    );
    result.written = [join(dir, COUNTEREXAMPLE_FILE), join(dir, 'report.json'), join(dir, 'report.html')];
  }

  const broken = results.filter((r) => r.outcome.counterexample !== null);
  if (options.json) io.stdout.write(`${JSON.stringify(searchJson(argument, property, seed, results), null, 2)}\n`);
  else if (!options.quiet)
    io.stdout.write(`${summaryLines(property, options.runs, results).map(printable).join('\n')}\n`);
  if (broken.length === 0) return { code: EXIT_OK };
  return {
    code: EXIT_FAILED,
    reason: `${propertyText(property)} fails: ${broken.map((r) => `${targetName(r.target)} (${r.outcome.counterexample?.shrunk.verdict.reason})`).join('; ')}`,
  };
}

async function searchTarget(
  target: Target,
  property: SearchProperty,
  pool: SearchPool,
  threads: number,
  label: string,
  version: string,
  signal: AbortSignal,
  io: CliIo,
  options: SearchOptions,
): Promise<SearchOutcome> {
  const show = !options.quiet && !options.json;
  let progress = new CampaignProgress(`${label}: search`, options.runs + 1, io.stderr, show);
  try {
    return await searchFaults(
      {
        space: target.space,
        runs: options.runs,
        seed: target.scenario.seed,
        concurrency: 2 * threads,
        maxShrinkRuns: MAX_SHRINK_RUNS,
        signal,
        onJudged: () => progress.runFinished(),
        onFound: (found) => {
          progress.stop();
          if (show)
            io.stderr.write(
              `${printable(`${label}: schedule ${found.index} fails (${found.verdict.reason}); shrinking it`)}\n`,
            );
          progress = new CampaignProgress(`${label}: shrink`, MAX_SHRINK_RUNS, io.stderr, show);
        },
      },
      (schedule, abort) => {
        const text = counterexampleText({ ...target.spec, schedule });
        return pool.run({ text, file: target.file, property, faultlineVersion: version }, abort).then((j) => j.verdict);
      },
    );
  } finally {
    progress.stop();
  }
}

interface PlanContext {
  argument: string;
  file: string;
  property: SearchProperty;
  kinds: readonly FaultKind[];
  seed: number;
  options: SearchOptions;
  version: string;
}

function planTarget(loaded: LoadedScenario, variant: string | null, context: PlanContext): Target {
  const { options, property } = context;
  const scenario = loaded.variants.find((v) => v.name === variant)?.scenario ?? loaded.scenario;
  const problem = unjudgeable(property, scenario);
  if (problem !== null) throw new UsageError(`--property ${propertyText(property)}: ${problem}`);

  const nodes =
    options.nodes === undefined ? componentNodes(scenario) : selectNodes(scenario, splitList(options.nodes));
  if (typeof nodes === 'string') throw new UsageError(`--nodes: ${nodes}`);
  if (nodes.length === 0)
    throw new UsageError(`${scenario.name} has no component nodes to put faults on; name some with --nodes`);
  const kinds = drawableKinds(context.kinds, nodes.length);
  if (kinds.length === 0)
    throw new UsageError(
      `--faults: ${context.kinds.join(', ')} need${context.kinds.length === 1 ? 's' : ''} at least ` +
        `${context.kinds.reduce((least, k) => Math.min(least, NODES_NEEDED[k]), Infinity)} nodes, and faults may touch ${nodes.length} (${nodes.join(', ')}); ` +
        'name more with --nodes, or choose other kinds',
    );
  const fromMs = scenario.warmup / 1000;
  const untilMs = fromMs + (1 - RECOVERY_SHARE) * (scenario.duration / 1000 - fromMs);
  if (Math.floor(untilMs / TICK_MS) - Math.ceil(fromMs / TICK_MS) < 1)
    throw new UsageError(
      `${scenario.name} runs ${scenario.duration / 1e6}s with a ${scenario.warmup / 1e6}s warm-up: too short to place faults in; give a longer --duration`,
    );

  const slug = propertyText(property)
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-+$/, '');
  const name = [
    loaded.scenario.name,
    'search',
    String(context.seed),
    ...(variant === null ? [] : [variant]),
    slug,
  ].join('-');
  const dir =
    options.out === undefined
      ? join('out', name)
      : loaded.variants.length > 0 && options.variant === undefined
        ? join(options.out, variant ?? '')
        : options.out;
  const counterexampleFile = resolve(dir, COUNTEREXAMPLE_FILE);

  const carried: Record<string, unknown> = {};
  if (options.duration !== undefined) carried.duration = options.duration;
  for (const set of options.set) {
    const parsed = parseSetArgument(set);
    // The loader has refused a bad one already.
    if (typeof parsed === 'string') continue;
    if (parsed.path[0] === 'faults' || parsed.path[0] === 'variants')
      throw new UsageError(
        `--set ${set}: search draws the fault timeline and keeps one variant itself; leave ${parsed.path[0]} to it`,
      );
    carried[parsed.text] = parsed.value;
  }
  const declared = (
    (loaded.document.variants ?? []) as { name: string; description?: string; set?: Record<string, unknown> }[]
  ).find((v) => v.name === variant);
  const touchesFaults = Object.keys(declared?.set ?? {}).find((path) => path.split('.')[0] === 'faults');
  if (touchesFaults !== undefined)
    throw new UsageError(
      `variant ${variant} sets ${touchesFaults}; search replaces the fault timeline, so it cannot search this variant`,
    );
  const quoted = (text: string) => (/^[\w.,:=/@+-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`);
  const command = [
    'faultline search',
    quoted(context.argument),
    ...(variant === null || options.variant === undefined ? [] : [`--variant ${variant}`]),
    `--property ${quoted(propertyText(property))}`,
    ...(options.seed === undefined ? [] : [`--seed ${options.seed}`]),
    ...(options.duration === undefined ? [] : [`--duration ${quoted(options.duration)}`]),
    ...options.set.map((set) => `--set ${quoted(set)}`),
    ...(options.runs === DEFAULT_SEARCH_RUNS ? [] : [`--runs ${options.runs}`]),
    ...(options.maxFaults === DEFAULT_MAX_FAULTS ? [] : [`--max-faults ${options.maxFaults}`]),
    ...(options.faults === undefined ? [] : [`--faults ${quoted(options.faults)}`]),
    ...(options.nodes === undefined ? [] : [`--nodes ${quoted(options.nodes)}`]),
  ].join(' ');
  const outputsDir = (loaded.document.outputs as { dir?: unknown } | undefined)?.dir;
  const writtenName = `${loaded.scenario.name}-counterexample`;
  return {
    variant,
    scenario,
    space: {
      nodes,
      kinds,
      fromMs,
      untilMs,
      maxFaults: options.maxFaults,
    },
    dir,
    file: counterexampleFile,
    spec: {
      original: resolve(context.file),
      file: counterexampleFile,
      name: writtenName,
      description: counterexampleDescription(loaded.scenario.name, variant, property),
      header: [
        `Written by faultline ${context.version} search, the smallest fault schedule it found that breaks ${propertyText(property)}:`,
        `  ${command}`,
        `Run it again: faultline run ${join(dir, COUNTEREXAMPLE_FILE)}`,
      ],
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      carried,
      variant: declared === undefined ? null : declared,
      ...(outputsDir === undefined ? {} : { outputsDir: join('out', `${writtenName}-${context.seed}`) }),
    },
  };
}

/** The variants to search: the one named, else every one in turn (each with the full budget), else the scenario. */
function selectVariants(loaded: LoadedScenario, name: string | undefined): (string | null)[] {
  const names = loaded.variants.map((v) => v.name);
  if (name === undefined) return names.length > 0 ? names : [null];
  if (names.length === 0)
    throw new UsageError(`--variant ${name}: ${loaded.scenario.name} has no variants; leave --variant out`);
  if (!names.includes(name))
    throw new UsageError(
      `--variant ${name}: ${loaded.scenario.name} has no such variant; its variants: ${names.join(', ')}`,
    );
  return [name];
}

/** `--faults crash,partition` or `--faults network`: the kinds to draw (all by default). */
function parseKinds(option: string | undefined): FaultKind[] {
  if (option === undefined) return [...FAULT_KINDS];
  const kinds = new Set<FaultKind>();
  for (const word of splitList(option)) {
    const group = FAULT_GROUPS[word];
    if (group !== undefined) for (const kind of group) kinds.add(kind);
    else if ((FAULT_KINDS as readonly string[]).includes(word)) kinds.add(word as FaultKind);
    else
      throw new UsageError(
        `--faults: "${word}" is not a fault kind; choose from ${FAULT_KINDS.join(', ')}, or the groups ${Object.keys(FAULT_GROUPS).join(', ')}`,
      );
  }
  return FAULT_KINDS.filter((kind) => kinds.has(kind));
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The written file must run what the search ran: its scenario, with the original's faults put back, is compared
 * with the one the command line gave, fault timeline, name and description aside.
 */
function checkCarried(targets: readonly Target[]): void {
  for (const target of targets) {
    const loaded = parseScenarioText(counterexampleText({ ...target.spec, schedule: [] }), target.file);
    const written = loaded.variants[0]?.scenario ?? loaded.scenario;
    const comparable = (s: Scenario) =>
      JSON.stringify({ ...s, name: '', description: '', faults: null, variants: null, outputs: null, sweep: null });
    if (comparable(written) !== comparable(target.scenario))
      throw new Error(`the scenario written for ${targetName(target)} would not run what the search runs`);
  }
}

function targetName(target: Target): string {
  return target.variant === null || target.variant === SEARCHED_VARIANT
    ? target.scenario.name
    : `${target.scenario.name} variant ${target.variant}`;
}

function counterexampleDescription(scenario: string, variant: string | null, property: SearchProperty): string {
  return (
    `A fault schedule under which ${propertyText(property)} fails, found and shrunk by faultline search.\n` +
    `The original scenario (${scenario}${variant === null ? '' : `, variant ${variant}`}) says what it models; ` +
    'this file keeps it whole but for its faults: only the timeline below, and no random fault process.\n'
  );
}

function summaryLines(property: SearchProperty, runs: number, results: readonly TargetResult[]): string[] {
  let lines: string[] = [];
  const indent = (items: string[]) => items.map((line) => `    ${line}`);
  for (const { target, outcome, written } of results) {
    const name = targetName(target);
    const inconclusive =
      outcome.inconclusive > 0
        ? ` (${outcome.inconclusive} inconclusive: ${outcome.inconclusive === 1 ? 'it' : 'they'} count as passing)`
        : '';
    const counterexample = outcome.counterexample;
    if (counterexample === null) {
      lines.push(
        `${name}: no counterexample to ${propertyText(property)} in ${outcome.tried} schedules of up to ${target.space.maxFaults} faults${inconclusive}`,
      );
      continue;
    }
    const { found, shrunk } = counterexample;
    if (found.index === 0)
      lines.push(`${name}: ${propertyText(property)} fails with no fault at all: ${found.verdict.reason}`);
    else {
      lines = lines.concat(
        `${name}: ${propertyText(property)} fails: schedule ${found.index} of up to ${runs} broke it${inconclusive}`,
        `  as found (${found.schedule.length} fault${found.schedule.length === 1 ? '' : 's'}):`,
        indent(timelineLines(found.schedule)),
        `    ${found.verdict.reason}`,
        `  shrunk in ${counterexample.shrinkSteps} steps (${counterexample.shrinkRuns} runs${counterexample.shrinkCut ? `, stopped at the limit of ${MAX_SHRINK_RUNS}` : ''}) to ${shrunk.schedule.length} fault${shrunk.schedule.length === 1 ? '' : 's'}:`,
        indent(timelineLines(shrunk.schedule)),
        `    ${shrunk.verdict.reason}`,
      );
    }
    const [scenarioFile, reportFile, htmlFile] = written;
    lines.push(
      `  wrote ${scenarioFile}, with ${reportFile} and ${htmlFile}`,
      `  run it again: faultline run ${scenarioFile}`,
      `  replay it:    faultline replay ${reportFile}`,
    );
  }
  return lines;
}

function searchJson(argument: string, property: SearchProperty, seed: number, results: readonly TargetResult[]) {
  return {
    scenario: argument,
    property: propertyText(property),
    seed,
    searches: results.map(({ target, outcome, written }) => ({
      variant: target.variant,
      nodes: target.space.nodes,
      faultKinds: target.space.kinds,
      window: { fromMs: target.space.fromMs, untilMs: target.space.untilMs },
      maxFaults: target.space.maxFaults,
      baseline: outcome.baseline,
      schedulesTried: outcome.tried,
      inconclusive: outcome.inconclusive,
      counterexample:
        outcome.counterexample === null
          ? null
          : {
              found: outcome.counterexample.found,
              shrunk: outcome.counterexample.shrunk,
              shrinkSteps: outcome.counterexample.shrinkSteps,
              shrinkRuns: outcome.counterexample.shrinkRuns,
              shrinkCut: outcome.counterexample.shrinkCut,
              scenarioFile: written[0],
              report: written[1],
            },
    })),
  };
}
