import { freeze, produce } from 'immer';
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isAlias, isMap, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { applyOverrides, parseOverridePath, parseSetArgument, type Override } from './overrides.js';
import { checkReferences } from './references.js';
import { timingIssues } from './run-timing.js';
import { dottedPath, ScenarioError, type ScenarioProblem } from './scenario-error.js';
import { EXTENSION_PREFIX, scenarioSchema, type Scenario } from './scenario-schema.js';
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
}

/**
 * A `path=value` string, as given to `--set`; or such a string with the
 * option that stands for it (`{ flag: '--duration', set: 'duration=10s' }`),
 * which problems with it then name.
 */
export type OverrideArgument = string | { flag: string; set: string };

export interface LoadOptions {
  overrides?: readonly OverrideArgument[];
}

/** Reads, merges, overrides and validates a scenario file and its variants; throws a ScenarioError listing every problem. */
export function loadScenario(file: string, options: LoadOptions = {}): LoadedScenario {
  return load(file, undefined, options);
}

/** The same, from text in hand; `extends` still resolves against `file`'s directory. */
export function parseScenarioText(text: string, file: string, options: LoadOptions = {}): LoadedScenario {
  return load(file, text, options);
}

interface Source {
  raw: Record<string, unknown>;
  /** The file, then the files it extends, nearest first: where each value may have come from. */
  layers: SourceMap[];
}

/** Where a set of overrides came from: the command line, or a variant's `set` in the file. */
type Origin = { kind: 'cli' } | { kind: 'variant'; index: number; name: string; layers: readonly SourceMap[] };

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
  if (source === null || problems.length > 0) throw new ScenarioError(sorted(problems));

  const schema = scenarioSchema();
  const base = validate(schema, source, cli, { kind: 'cli' }, problems, false);
  if (base === null) throw new ScenarioError(sorted(problems));

  // Variants are checked even when the base has problems, but then add only the problems of their own overrides.
  const declared = schema.shape.variants.safeParse(base.document.variants);
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
    return validated?.scenario && overrides.length === Object.keys(variant.set).length
      ? {
          name: variant.name,
          description: variant.description ?? '',
          overrides: variant.set,
          scenario: validated.scenario,
        }
      : null;
  });
  if (base.scenario === null || problems.length > 0) throw new ScenarioError(sorted(problems));
  return freeze({ file, scenario: base.scenario, variants: variants as LoadedVariant[] }, true);
}

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
  const result = schema.safeParse(document);
  const schemaIssues = result.success ? [] : describeIssues(result.error.issues, document, schema);
  // A name the schema already rejects (or whose field it rejects) is not reported again as a dangling reference.
  const rejected = schemaIssues.map((i) => i.path.map(String));
  const referenceIssues = checkReferences(document).filter(
    (issue) => !rejected.some((path) => path.every((step, i) => String(issue.path[i]) === step)),
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

/** Parses a file and, recursively, the files it extends, merging each over its base; null when it cannot go on. */
function readSource(
  file: string,
  text: string | undefined,
  chain: readonly string[],
  problems: ScenarioProblem[],
): Source | null {
  let content = text;
  if (content === undefined) {
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({
        file,
        path: '',
        message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? (error as Error).message})`,
      });
      return null;
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const map = new SourceMap(file, doc, lineCounter);
  const before = problems.length;
  // A duplicate key has a field path; a syntax error may be in text that is no mapping yet, so it gets `(yaml)`.
  const yamlProblem = (offset: number, path: string, message: string) =>
    problems.push({ file, ...map.position(offset), path, message });
  for (const error of doc.errors) {
    const offset = error.pos[0];
    if (error.code === 'DUPLICATE_KEY') {
      const path = map.pathAt(offset);
      yamlProblem(offset, dottedPath(path), `duplicate key "${String(path.at(-1) ?? '')}"`);
    } else {
      yamlProblem(offset, '(yaml)', yamlMessage(error.message));
    }
  }
  // yaml leaves these to toJS, which would throw without a position.
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined)
        yamlProblem(alias.range?.[0] ?? 0, '(yaml)', `no anchor "&${alias.source}" before this alias`);
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
  const context = origin.kind === 'variant' ? ` (with variant "${origin.name}")` : '';
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

/** Command-line problems first, then by file and position, so they read top to bottom. */
function sorted(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  const files = [...new Set(problems.map((p) => p.file))];
  return problems
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
}

/** yaml's messages may end with a position, which the problem line already gives. */
function yamlMessage(message: string): string {
  return message.replace(/\s+at line \d+, column \d+.*$/s, '').trim();
}
