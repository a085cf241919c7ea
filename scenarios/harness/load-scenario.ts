import { freeze, produce } from 'immer';
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { loadBuiltinModels } from '../../models/builtin-models.js';
import { modelsNotLoaded } from '../../models/kit/registry.js';
import { applyOverrides, parseOverridePath, parseSetArgument, RESERVED_KEYS, type Override } from './overrides.js';
import { checkReferences } from './references.js';
import { timingIssues } from './run-timing.js';
import { dottedPath, ScenarioError, type ScenarioProblem } from './scenario-error.js';
import { EXTENSION_PREFIX, scenarioSchema, type Scenario } from './scenario-schema.js';
import {
  DEFAULT_SWEEP_SEEDS,
  expandParameterValues,
  MAX_SWEEP_RUNS,
  parameterValues,
  type SweepValue,
} from './sweep-section.js';
import { describeIssues, type Issue } from './schema-issues.js';
import { keyText, SourceMap } from './source-map.js';

export interface LoadedVariant {
  name: string;
  description: string;
  /** The variant's `set` map as written. */
  overrides: Record<string, unknown>;
  /** The base scenario (with `--set` applied) plus the variant's overrides, validated like the file. */
  scenario: Scenario;
}

export interface LoadedScenario {
  file: string;
  /** Validated, with `extends` merged and `--set` applied; deeply frozen. */
  scenario: Scenario;
  /** The declared variants, in file order; empty when there are none. */
  variants: LoadedVariant[];
  /** The campaign, every configuration validated; present when `LoadOptions.sweep` asks for it. */
  sweep?: LoadedSweep;
  /** The file as one document, before any override: `extends` merged in, `x-` keys dropped. Runs on its own. */
  document: Record<string, unknown>;
}

/** A sweep expanded: every variant (or the base) at every point of the parameter grid. */
export interface LoadedSweep {
  seeds: number;
  /** The variant compared with the others; null without variants. */
  baseline: string | null;
  parameters: { path: string; values: SweepValue[] }[];
  /** Variants outermost, then the grid with the last parameter fastest. */
  configurations: SweepConfiguration[];
}

export interface SweepConfiguration {
  variant: string | null;
  values: SweepValue[];
  /** The single run this configuration stands for: `variants` empty and no `sweep`. */
  scenario: Scenario;
}

export interface SweepOptions {
  /** Replications; the file's `sweep.seeds` otherwise. */
  seeds?: number;
  /** `path=values` as given to `--param`: a YAML list or range; replaces the file's parameter of that path. */
  parameters?: readonly string[];
  /** Let a sweep past MAX_SWEEP_RUNS through. */
  yes?: boolean;
}

/**
 * A `path=value` string, as given to `--set`; or such a string with the
 * option that stands for it (`{ flag: '--duration', set: 'duration=10s' }`),
 * which problems with it then name.
 */
export type OverrideArgument = string | { flag: string; set: string };

export interface LoadOptions {
  overrides?: readonly OverrideArgument[];
  /** Expand and validate the sweep (the file's `sweep:` section and these options). */
  sweep?: SweepOptions;
}

/** Reads, merges, overrides and validates a scenario file and its variants; throws a ScenarioError listing every problem. */
export function loadScenario(file: string, options: LoadOptions = {}): LoadedScenario {
  return load(file, undefined, options);
}

/** The same, from text in hand; `extends` still resolves against `file`'s directory. */
export function parseScenarioText(text: string, file: string, options: LoadOptions = {}): LoadedScenario {
  return load(file, text, options);
}

/**
 * `loadScenario` (or, with `text`, `parseScenarioText`) for a program that
 * loads models on demand: each time a document (the file, a variant, a sweep
 * configuration) names a model not loaded yet, that model is loaded and the
 * scenario read again, so it is checked with every model it names.
 */
export async function loadScenarioWithModels(
  file: string,
  options: LoadOptions = {},
  text?: string,
): Promise<LoadedScenario> {
  for (;;) {
    try {
      return load(file, text, options);
    } catch (error) {
      if (!(error instanceof ModelsNotLoaded)) throw error;
      await loadBuiltinModels(error.types);
    }
  }
}

/** A document names models announced but not loaded yet (see loadScenarioWithModels). */
class ModelsNotLoaded extends Error {
  constructor(readonly types: string[]) {
    super(`load the models ${types.join(', ')} first (loadScenarioWithModels does)`);
  }
}

/** The model types a document's components and workloads name. */
function typesNamedIn(document: Record<string, unknown>): unknown[] {
  return [document.components, document.workloads].flatMap((section) =>
    section !== null && typeof section === 'object'
      ? Object.values(section).map((instance) =>
          instance !== null && typeof instance === 'object' ? (instance as Record<string, unknown>).type : undefined,
        )
      : [],
  );
}

interface Source {
  raw: Record<string, unknown>;
  /** The file, then the files it extends, nearest first: where each value may have come from. */
  layers: SourceMap[];
}

/** Where a set of overrides came from: the command line, a variant's `set` in the file, or a sweep parameter (the file's or `--param`'s). */
type Origin =
  | { kind: 'cli' }
  | { kind: 'variant'; index: number; name: string; layers: readonly SourceMap[] }
  | { kind: 'sweep'; layers: readonly SourceMap[]; fromCli: ReadonlySet<string>; variant: string | null };

function load(file: string, text: string | undefined, options: LoadOptions): LoadedScenario {
  const problems: ScenarioProblem[] = [];
  const source = readSource(file, text, [], problems);
  const cli: Override[] = [];
  for (const option of options.overrides ?? []) {
    const { flag, set } = typeof option === 'string' ? { flag: undefined, set: option } : option;
    const parsed = parseSetArgument(set);
    if (typeof parsed === 'string') problems.push({ file: flag ?? '--set', path: flag ? '' : set, message: parsed });
    else cli.push(flag === undefined ? parsed : { ...parsed, flag });
  }
  if (source === null || problems.length > 0) throw new ScenarioError(sorted(problems), problems.length);

  const schema = scenarioSchema();
  const base = validate(schema, source, cli, { kind: 'cli' }, problems, false);
  if (base === null) throw new ScenarioError(sorted(problems), problems.length);

  // Variants are checked even when the base has problems, but then add only the problems of their own overrides.
  const declared = schema.shape.variants.safeParse(base.document.variants);
  const variantDocuments: { name: string; document: Record<string, unknown>; overrides: Override[] }[] = [];
  const variants = (declared.success ? declared.data : []).map((variant, index): LoadedVariant | null => {
    const origin: Origin = { kind: 'variant', index, name: variant.name, layers: source.layers };
    const overrides: Override[] = [];
    for (const [text, value] of Object.entries(variant.set)) {
      const path = parseOverridePath(text);
      if (typeof path === 'string') problems.push(overrideProblem(origin, { text }, [text], path));
      else overrides.push({ text, path, value });
    }
    const validated = validate(
      schema,
      { raw: base.document, layers: source.layers },
      overrides,
      origin,
      problems,
      base.scenario === null,
      cli,
    );
    if (validated !== null) variantDocuments.push({ name: variant.name, document: validated.document, overrides });
    return validated?.scenario && overrides.length === Object.keys(variant.set).length
      ? {
          name: variant.name,
          description: variant.description ?? '',
          overrides: variant.set,
          scenario: validated.scenario,
        }
      : null;
  });
  if (base.scenario === null || problems.length > 0) throw new ScenarioError(sorted(problems), problems.length);
  const documents =
    variants.length > 0 ? variantDocuments : [{ name: null, document: base.document, overrides: [] as Override[] }];
  const sweep =
    options.sweep === undefined
      ? undefined
      : expandSweep(schema, source, base.scenario, documents, cli, options.sweep, problems);
  if (sweep === null || problems.length > 0) throw new ScenarioError(sorted(problems), problems.length);
  return freeze(
    {
      file,
      scenario: base.scenario,
      variants: variants as LoadedVariant[],
      ...(sweep === undefined ? {} : { sweep }),
      document: source.raw,
    },
    true,
  );
}

/**
 * The sweep's parameters (the file's, then `--param`'s) expanded into the
 * grid, crossed with the variants, and each configuration validated like a
 * variant: a value that breaks the scenario is reported at the parameter
 * that gave it. Null when the sweep itself has problems (added to `problems`).
 */
function expandSweep(
  schema: ReturnType<typeof scenarioSchema>,
  source: Source,
  scenario: Scenario,
  documents: readonly { name: string | null; document: Record<string, unknown>; overrides: Override[] }[],
  cli: readonly Override[],
  options: SweepOptions,
  problems: ScenarioProblem[],
): LoadedSweep | null {
  const before = problems.length;
  const section = scenario.sweep;
  const at = (path: readonly PropertyKey[], message: string) => {
    const { map, found } = place(source.layers, path);
    problems.push({ file: map.file, ...map.start(found.node), path: dottedPath(path), message });
  };
  const parameters = new Map<string, { path: string[]; values: SweepValue[] }>();
  for (const [text, written] of Object.entries(section?.parameters ?? {})) {
    const path = parseOverridePath(text);
    const values = expandParameterValues(written);
    if (typeof path === 'string') at(['sweep', 'parameters', text], path);
    else if (typeof values === 'string') at(['sweep', 'parameters', text], values);
    else parameters.set(text, { path, values });
  }
  const fromCli = new Set<string>();
  for (const argument of options.parameters ?? []) {
    const parsed = parseSetArgument(argument, PARAM_EXAMPLE);
    const cliProblem = (path: string, message: string) => problems.push({ file: '--param', path, message });
    if (typeof parsed === 'string') {
      cliProblem(argument, parsed);
      continue;
    }
    const written = parameterValues.safeParse(parsed.value);
    const values = written.success ? expandParameterValues(written.data) : PARAM_SHAPE;
    if (typeof values === 'string') cliProblem(parsed.text, values);
    else {
      parameters.delete(parsed.text);
      parameters.set(parsed.text, { path: parsed.path, values });
      fromCli.add(parsed.text);
    }
  }
  const names = documents.map((d) => d.name).filter((n): n is string => n !== null);
  const baseline = section?.baseline ?? names[0] ?? null;
  if (section?.baseline !== undefined && !names.includes(section.baseline))
    at(
      ['sweep', 'baseline'],
      names.length === 0
        ? 'the scenario has no variants to compare; leave baseline out'
        : `no variant is named "${section.baseline}"; its variants: ${names.join(', ')}`,
    );
  const seeds = options.seeds ?? section?.seeds ?? DEFAULT_SWEEP_SEEDS;
  if (problems.length > before) return null;

  const grid = [...parameters.entries()];
  const points = grid.reduce((count, [, p]) => count * p.values.length, 1);
  const configurations = documents.length * points;
  const runs = configurations * seeds;
  const size = `${configurations} configuration${configurations === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'}`;
  const tooLarge = (message: string) =>
    section === undefined ? problems.push({ file: '--param', path: '', message }) : at(['sweep'], message);
  if (configurations > MAX_SWEEP_CONFIGURATIONS) {
    tooLarge(
      `the sweep has ${configurations} configurations, more than the ${MAX_SWEEP_CONFIGURATIONS} a campaign may hold; use fewer values, or split it into several files`,
    );
    return null;
  }
  if (runs > MAX_SWEEP_RUNS && options.yes !== true) {
    tooLarge(
      `the sweep plans ${runs} runs (${size}), more than ${MAX_SWEEP_RUNS}; pass --yes to run it anyway, or use fewer values or seeds`,
    );
    return null;
  }

  // A problem is listed once, with the first configuration that has it unless every one does.
  const found = new Map<string, { problem: ScenarioProblem; first: string; count: number }>();
  const result: SweepConfiguration[] = [];
  for (const { name, document, overrides: variantOverrides } of documents) {
    for (let point = 0; point < points; point++) {
      let rest = point;
      const values: SweepValue[] = new Array<SweepValue>(grid.length);
      for (let i = grid.length - 1; i >= 0; i--) {
        const options = grid[i][1].values;
        values[i] = options[rest % options.length];
        rest = Math.floor(rest / options.length);
      }
      const overrides = grid.map(([text, p], i) => ({ text, path: p.path, value: values[i] }));
      const own: ScenarioProblem[] = [];
      const origin: Origin = { kind: 'sweep', layers: source.layers, fromCli, variant: name };
      const validated = validate(schema, { raw: document, layers: source.layers }, overrides, origin, own, true, [
        ...cli,
        ...variantOverrides,
      ]);
      for (const problem of own) {
        const key = JSON.stringify(problem);
        const seen = found.get(key);
        if (seen !== undefined) seen.count++;
        else {
          const named = overrides.filter((o) => problem.path.includes(o.text));
          const setting = (named.length > 0 ? named : overrides)
            .map((o) => `${o.text}=${JSON.stringify(o.value)}`)
            .join(', ');
          found.set(key, { problem, first: `${setting}${name === null ? '' : ` in variant "${name}"`}`, count: 1 });
        }
      }
      if (!validated?.scenario && own.length === 0)
        at(
          ['sweep'],
          `the configuration ${JSON.stringify(values)}${name === null ? '' : ` of variant "${name}"`} is not a valid scenario`,
        );
      if (validated?.scenario) {
        const { sweep: _sweep, ...single } = validated.scenario;
        result.push({ variant: name, values, scenario: { ...single, variants: [] } });
      }
    }
  }
  for (const { problem, first, count } of found.values()) {
    const others = count - 1;
    const context =
      count === configurations
        ? ''
        : ` (with ${first}${others > 0 ? `, and ${others} more configuration${others === 1 ? '' : 's'}` : ''})`;
    problems.push({ ...problem, message: problem.message + context });
  }
  if (problems.length > before) return null;
  return { seeds, baseline, parameters: grid.map(([path, p]) => ({ path, values: p.values })), configurations: result };
}

const PARAM_EXAMPLE =
  'path=values, like components.api.workers=[4,6,8] or "workloads.users.rate={from: 500/s, to: 1500/s, step: 250/s}"';
const PARAM_SHAPE = 'expected a list of values ([4, 6, 8]) or a range ({from: 500/s, to: 1500/s, step: 250/s})';

/** The most configurations a sweep may hold, --yes or not: each is validated up front. */
export const MAX_SWEEP_CONFIGURATIONS = 20_000;

/**
 * Applies overrides to the raw document and validates it: the schema, the
 * cross-references, then the times against the run's duration and warm-up.
 * Problems go to `problems` (only those of the overrides themselves with
 * `overridesOnly`); null when the overrides do not apply at all. `inherited`
 * are overrides already in the document (the command line's, for a variant).
 */
function validate(
  schema: ReturnType<typeof scenarioSchema>,
  source: Source,
  overrides: readonly Override[],
  origin: Origin,
  problems: ScenarioProblem[],
  overridesOnly: boolean,
  inherited: readonly Override[] = [],
): { scenario: Scenario | null; document: Record<string, unknown> } | null {
  const applied = applyOverrides(source.raw, overrides);
  if (!('document' in applied)) {
    for (const { override, message } of applied.problems)
      problems.push(overrideProblem(origin, override, override.path, message));
    return null;
  }
  const document = applied.document as Record<string, unknown>;
  const notLoaded = modelsNotLoaded(typesNamedIn(document));
  if (notLoaded.length > 0) throw new ModelsNotLoaded(notLoaded);
  const result = schema.safeParse(document);
  const schemaIssues = result.success ? [] : describeIssues(result.error.issues, document, schema);
  // A name the schema already rejects (or whose field it rejects) is not reported again as a dangling reference.
  const rejected = new Set(schemaIssues.map((i) => dottedPath(i.path)));
  const referenceIssues = checkReferences(document).filter(
    (issue) =>
      !Array.from({ length: issue.path.length + 1 }, (_, i) => issue.path.slice(0, i)).some((prefix) =>
        rejected.has(dottedPath(prefix)),
      ),
  );
  const issues = [...schemaIssues, ...referenceIssues];
  if (result.success && issues.length === 0)
    for (const t of timingErrors(result.data, overrides, inherited)) issues.push(t);
  for (const issue of issues) {
    const { problem, ofOverride } = locate(issue, source.layers, overrides, origin);
    if (ofOverride || !overridesOnly) problems.push(problem);
  }
  return { scenario: result.success && issues.length === 0 ? result.data : null, document };
}

/** The most a scenario file (or a file it extends) may hold; scenarios are a few kilobytes. */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;
/** The most problems listed for one load; the rest are counted. Fixing the first ones usually removes many more. */
export const MAX_PROBLEMS_LISTED = 100;

/** The YAML tags a scenario may write explicitly; others (`!!set`, `!!binary`, `!custom`) would load as something no field takes. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * A scenario file's text, read only from a regular file of at most
 * MAX_SCENARIO_FILE_BYTES (a device or FIFO would never end), or why not.
 */
function readScenarioFile(file: string): string | { message: string } {
  const cannot = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? (error as Error).message})`,
    };
  };
  let fd: number;
  try {
    // stat before open: opening a FIFO waits for a writer.
    const stat = statSync(file);
    if (stat.isDirectory()) return { message: 'a folder, not a scenario file' };
    if (!stat.isFile()) return notRegular;
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return cannot(error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return notRegular;
    if (stat.size > MAX_SCENARIO_FILE_BYTES) return tooBig(stat.size);
    // The file may grow between fstat and read: read one byte past the limit to notice.
    const buffer = Buffer.alloc(MAX_SCENARIO_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_SCENARIO_FILE_BYTES) return tooBig(length);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    return cannot(error);
  } finally {
    closeSync(fd);
  }
}

const notRegular = { message: 'not a regular file (a device, FIFO or socket), so not a scenario file' };
const tooBig = (bytes: number) => ({
  message: `${bytes} bytes, more than a scenario file may hold (${MAX_SCENARIO_FILE_BYTES / 1024 / 1024} MiB)`,
});

/** Parses a file and, recursively, the files it extends, merging each over its base; null when it cannot go on. */
function readSource(
  file: string,
  text: string | undefined,
  chain: readonly string[],
  problems: ScenarioProblem[],
): Source | null {
  const content = text ?? readScenarioFile(file);
  if (typeof content !== 'string') {
    problems.push({ file, path: '', message: content.message });
    return null;
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are found below: yaml's own check compares every key with every other.
  const doc = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const map = new SourceMap(file, doc, lineCounter);
  const before = problems.length;
  // A syntax error may be in text that is no mapping yet, so it gets `(yaml)`.
  const yamlProblem = (offset: number, path: string, message: string) =>
    problems.push({ file, ...map.position(offset), path, message });
  for (const error of doc.errors) yamlProblem(error.pos[0], '(yaml)', yamlMessage(error.message));
  // yaml leaves these to toJS, which would throw without a position or (for a collection as a key) warn on stderr.
  const keyProblem = (node: Node | null, ancestors: readonly unknown[], key: Node | null, message: string) =>
    yamlProblem(node?.range?.[0] ?? 0, dottedPath(pathOf(ancestors, key)), message);
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined)
        yamlProblem(alias.range?.[0] ?? 0, '(yaml)', `no anchor "&${alias.source}" before this alias`);
    },
    Node(_, node, ancestors) {
      // An unknown tag (`!evil`, `!!js/function`) would load as its text, a yaml 1.1 one (`!!set`) as a Set or Map.
      const tag = node.tag;
      if (tag !== undefined && tag !== null && !CORE_TAGS.has(tag))
        yamlProblem(
          node.range?.[0] ?? 0,
          dottedPath(pathOf(ancestors, null)),
          `the YAML tag ${shortTag(tag)} is not supported; ${PLAIN_YAML}`,
        );
      if (!isMap(node)) return;
      // Duplicate keys, in one pass; merge keys (<<) may repeat.
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const text = keyText(pair);
        const at = key ?? (pair.value as Node | null);
        const resolved = isAlias(key) ? key.resolve(doc) : key;
        if (isAlias(key) && isScalar(resolved)) continue;
        if (isMap(resolved) || isSeq(resolved)) {
          keyProblem(at, [...ancestors, node], null, 'a key is a name, not a mapping or list');
        } else if (text === undefined || (isScalar(key) && (key.value === null || key.value === ''))) {
          keyProblem(at, [...ancestors, node], null, 'a key is missing or empty before this value; write name: value');
        } else if (RESERVED_KEYS.has(text)) {
          keyProblem(at, [...ancestors, node], key, `"${text}" is not a scenario field or name`);
        } else if (text !== '<<') {
          if (seen.has(text)) keyProblem(at, [...ancestors, node], key, `duplicate key "${text}"`);
          seen.add(text);
        }
      }
    },
    Pair(_, pair) {
      if (keyText(pair) !== '<<') return;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      const mergeable = (node: unknown) =>
        isMap(isAlias(node) ? node.resolve(doc) : node) || (isAlias(node) && node.resolve(doc) === undefined);
      if (!sources.every(mergeable))
        yamlProblem(
          (pair.key as Node).range?.[0] ?? 0,
          '(yaml)',
          'a merge key (<<) takes a mapping, an alias of one, or a list of those',
        );
    },
  });
  if (problems.length > before) return null;

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 10_000 });
  } catch (error) {
    problems.push({ file, line: 1, col: 1, path: '(root)', message: yamlMessage((error as Error).message) });
    return null;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({
      file,
      line: 1,
      col: 1,
      path: '(root)',
      message: 'a scenario is a mapping of keys such as name, duration, topology and components',
    });
    return null;
  }
  const { extends: parent, ...rest } = raw as Record<string, unknown>;
  const own = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith(EXTENSION_PREFIX)));
  if (parent === undefined) return { raw: own, layers: [map] };

  const at = { file, ...map.start(map.lookup(['extends']).node), path: 'extends' };
  if (typeof parent !== 'string') {
    problems.push({ ...at, message: 'expected the path of a scenario file, relative to this one' });
    return null;
  }
  const parentFile = isAbsolute(parent) ? parent : join(dirname(file), parent);
  const cycle = [...chain, resolve(file)];
  const seen = cycle.indexOf(resolve(parentFile));
  if (seen >= 0) {
    problems.push({
      ...at,
      message: `extends cycle: ${[...cycle.slice(seen), resolve(parentFile)].map((f) => basename(f)).join(' -> ')}`,
    });
    return null;
  }
  const count = problems.length;
  const base = readSource(parentFile, undefined, cycle, problems);
  if (base === null) {
    // A missing base is the extending file's mistake; say so at its `extends`.
    if (problems.length === count + 1 && problems[count].file === parentFile && problems[count].line === undefined) {
      problems[count] = { ...at, message: `cannot read ${parentFile}: ${problems[count].message}` };
    }
    return null;
  }
  return { raw: produce(base.raw, (draft) => mergeInto(draft, own)), layers: [map, ...base.layers] };
}

/** The field path of a node from visit's ancestors (and, when the node is a key, that key's text). */
function pathOf(ancestors: readonly unknown[], key: Node | null): (string | number)[] {
  const path: (string | number)[] = [];
  ancestors.forEach((node, i) => {
    const child = ancestors[i + 1];
    if (isPair(child)) {
      const text = keyText(child);
      if (text !== undefined) path.push(text);
    } else if (isSeq(node) && child !== undefined) {
      path.push(node.items.indexOf(child as Node));
    }
  });
  if (key !== null && isScalar(key)) path.push(String(key.value));
  return path;
}

const shortTag = (tag: string) => tag.replace(/^tag:yaml\.org,2002:/, '!!');
const PLAIN_YAML = 'scenario files use plain mappings, lists, strings, numbers and booleans';

/** Mappings merge key by key; anything else (lists, scalars) replaces. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isMapping(existing) && isMapping(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether `inner` is `outer` or inside it. */
const within = (outer: readonly PropertyKey[], inner: readonly PropertyKey[]) =>
  outer.length <= inner.length && outer.every((step, i) => String(inner[i]) === String(step));

/**
 * The times that do not fit the run, as issues at the value to fix: the
 * time, or the override that moved a bound (the duration, the warm-up) past
 * it. A time that only a shortened run leaves out, and a window longer than
 * what is measured, are let through: the report warns of them instead.
 */
function timingErrors(scenario: Scenario, overrides: readonly Override[], inherited: readonly Override[]): Issue[] {
  const setBy = (list: readonly Override[]) => (path: readonly PropertyKey[]) => list.some((o) => within(o.path, path));
  return timingIssues(scenario).flatMap((t): Issue[] => {
    if (t.error === 'never') return [];
    if (setBy(overrides)(t.path)) return [{ path: t.path, message: t.message, at: 'value' }];
    const bound = t.bounds.find(setBy([...inherited, ...overrides]));
    if (bound === undefined) return [{ path: t.path, message: t.message, at: 'value' }];
    return t.error === 'unless-shortened' ? [] : [{ path: bound, message: t.boundMessage ?? t.message, at: 'value' }];
  });
}

/** Places an issue: on the override that set the value when one did, else in the file (of the extends chain) that wrote it. */
function locate(
  issue: Issue,
  layers: readonly SourceMap[],
  overrides: readonly Override[],
  origin: Origin,
): { problem: ScenarioProblem; ofOverride: boolean } {
  const target = issue.at === 'missing' ? issue.path.slice(0, -1) : issue.path;
  const { map, found } = place(layers, target);
  // The override that set the value, or that made the mapping a key is missing from (no file has it).
  const override =
    overrides.filter((o) => within(o.path, issue.path)).sort((a, b) => b.path.length - a.path.length)[0] ??
    (found.depth < target.length ? overrides.find((o) => within(target, o.path)) : undefined);
  if (override !== undefined)
    return { problem: overrideProblem(origin, override, issue.path, issue.message), ofOverride: true };

  const position =
    issue.at === 'missing'
      ? map.firstKey(found.node)
      : issue.at === 'key' && found.key !== null
        ? map.start(found.key)
        : map.start(found.node);
  const context =
    origin.kind === 'variant'
      ? ` (with variant "${origin.name}")`
      : origin.kind === 'sweep' && origin.variant !== null
        ? ` (with variant "${origin.variant}")`
        : '';
  return {
    problem: { file: map.file, ...position, path: dottedPath(issue.path), message: issue.message + context },
    ofOverride: false,
  };
}

/**
 * A problem with an override: `--set <path>` (or the option that stands for
 * it, like `--duration`) for the command line, the `set` entry's place for a
 * variant.
 */
function overrideProblem(
  origin: Origin,
  override: Pick<Override, 'text' | 'flag'>,
  path: readonly PropertyKey[],
  message: string,
): ScenarioProblem {
  if (origin.kind === 'cli')
    return override.flag === undefined
      ? { file: '--set', path: dottedPath(path), message }
      : { file: override.flag, path: '', message };
  if (origin.kind === 'sweep') {
    if (origin.fromCli.has(override.text)) return { file: '--param', path: dottedPath(path), message };
    const { map, found } = place(origin.layers, ['sweep', 'parameters', override.text]);
    return { file: map.file, ...map.start(found.node), path: `sweep.parameters.${override.text}`, message };
  }
  const { map, found } = place(origin.layers, ['variants', origin.index, 'set', override.text]);
  return {
    file: map.file,
    ...map.start(found.node),
    path: `variants.${origin.index}.set.${dottedPath(path)}`,
    message,
  };
}

/** The file of the extends chain that wrote the value at `path`: the one where most of the path resolves, the nearest on a tie. */
function place(
  layers: readonly SourceMap[],
  path: readonly PropertyKey[],
): { map: SourceMap; found: ReturnType<SourceMap['lookup']> } {
  let map = layers[0];
  let found = map.lookup(path);
  for (const layer of layers.slice(1)) {
    const candidate = layer.lookup(path);
    if (candidate.depth > found.depth) {
      map = layer;
      found = candidate;
    }
  }
  return { map, found };
}

/**
 * Command-line problems first, then by file and position, so they read top
 * to bottom; past MAX_PROBLEMS_LISTED, a count of the rest.
 */
function sorted(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  const files = [...new Set(problems.map((p) => p.file))];
  const ordered = problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        Number(a.p.line !== undefined) - Number(b.p.line !== undefined) ||
        files.indexOf(a.p.file) - files.indexOf(b.p.file) ||
        (a.p.line ?? 0) - (b.p.line ?? 0) ||
        (a.p.col ?? 0) - (b.p.col ?? 0) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
  if (ordered.length <= MAX_PROBLEMS_LISTED) return ordered;
  const more = ordered.length - MAX_PROBLEMS_LISTED;
  return [
    ...ordered.slice(0, MAX_PROBLEMS_LISTED),
    { file: ordered[MAX_PROBLEMS_LISTED].file, path: '', message: `and ${more} more problem${more === 1 ? '' : 's'}` },
  ];
}

/** yaml's messages may end with a position, which the problem line already gives. */
function yamlMessage(message: string): string {
  return message.replace(/\s+at line \d+, column \d+.*$/s, '').trim();
}
