import { freeze, produce } from 'immer';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { applyOverrides, parseSetArgument, type Override } from './overrides.js';
import { checkReferences } from './references.js';
import { dottedPath, ScenarioError, type ScenarioProblem } from './scenario-error.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { describeIssues, type Issue } from './schema-issues.js';
import { SourceMap } from './source-map.js';

export interface LoadedScenario {
  file: string;
  /** Validated, with `extends` merged and `--set` applied; deeply frozen. */
  scenario: Scenario;
  /** Each declared variant: the base with the variant's overrides, validated like the file. Empty when none are declared. */
  variants: { name: string; description: string; overrides: Record<string, unknown>; scenario: Scenario }[];
}

export interface LoadOptions {
  /** `path=value` strings, as given to `--set`. */
  overrides?: readonly string[];
}

/** Reads, merges, overrides and validates a scenario file; throws a ScenarioError listing every problem. */
export function loadScenario(file: string, options: LoadOptions = {}): LoadedScenario {
  return load(file, undefined, options);
}

/** The same, from text in hand (`extends` still resolves against `file`'s directory). */
export function parseScenarioText(text: string, file: string, options: LoadOptions = {}): LoadedScenario {
  return load(file, text, options);
}

interface Source {
  raw: Record<string, unknown>;
  /** The file and the files it extends, the file first: where each value came from. */
  layers: SourceMap[];
}

/** Where an override came from: the command line, or a variant's `set` entry in the file. */
interface OverrideOrigin {
  override: Override;
  variant?: { map: SourceMap; path: PropertyKey[] };
}

function load(file: string, text: string | undefined, options: LoadOptions): LoadedScenario {
  const problems: ScenarioProblem[] = [];
  const source = readSource(file, text, [], problems);
  if (source === null) throw new ScenarioError(sorted(problems));

  const cli: OverrideOrigin[] = [];
  for (const argument of options.overrides ?? []) {
    const parsed = parseSetArgument(argument);
    if (typeof parsed === 'string') problems.push({ file: '--set', path: argument, message: parsed });
    else cli.push({ override: parsed });
  }
  const base = validate(source, cli, problems);
  if (base === null || problems.length > 0) throw new ScenarioError(sorted(problems));

  const variants: LoadedScenario['variants'] = base.scenario.variants.map((variant, i) => {
    const origins = Object.keys(variant.set).map((text): OverrideOrigin => {
      const parsed = parseSetArgument(`${text}=null`);
      const path = typeof parsed === 'string' ? [text] : parsed.path;
      return { override: { text, path, value: variant.set[text] }, variant: { map: source.layers[0], path: ['variants', i, 'set', text] } };
    });
    const scenario = validate({ raw: base.document, layers: source.layers }, origins, problems);
    return { name: variant.name, description: variant.description ?? '', overrides: { ...variant.set }, scenario: scenario?.scenario as Scenario };
  });
  if (problems.length > 0) throw new ScenarioError(sorted(problems));
  return freeze({ file, scenario: base.scenario, variants }, true);
}

function validate(source: Source, overrides: OverrideOrigin[], problems: ScenarioProblem[]): { scenario: Scenario; document: Record<string, unknown> } | null {
  const applied = applyOverrides(source.raw, overrides.map((o) => o.override));
  if (!('document' in applied)) {
    const origin = overrides.find((o) => o.override === applied.override)!;
    problems.push(overrideProblem(origin, applied.override.path, applied.message));
    return null;
  }
  const document = applied.document as Record<string, unknown>;
  const schema = scenarioSchema();
  const result = schema.safeParse(document);
  const issues: Issue[] = result.success ? checkReferences(result.data) : describeIssues(result.error.issues, document, schema);
  for (const issue of issues) problems.push(locate(issue, source.layers, overrides));
  return issues.length === 0 && result.success ? { scenario: result.data, document } : null;
}

function readSource(file: string, text: string | undefined, chain: string[], problems: ScenarioProblem[]): Source | null {
  let content = text;
  if (content === undefined) {
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({ file, path: '(root)', message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? (error as Error).message})` });
      return null;
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const map = new SourceMap(file, doc, lineCounter);
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line, col } = map.position(error.pos[0]);
      const duplicate = error.code === 'DUPLICATE_KEY';
      const key = /^\s*("[^"]*"|'[^']*'|[^:\s]+)/.exec(content.slice(error.pos[0]))?.[1] ?? '';
      problems.push({ file, line, col, path: '(yaml)', message: duplicate ? `duplicate key "${key}"` : yamlMessage(error.message) });
    }
    return null;
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ file, line: 1, col: 1, path: '(root)', message: 'a scenario is a mapping of keys such as name, duration, topology and components' });
    return null;
  }
  const document = raw as Record<string, unknown>;
  const parent = document.extends;
  if (parent === undefined) return { raw: document, layers: [map] };

  const at = map.start(map.lookup(['extends']).node);
  if (typeof parent !== 'string') {
    problems.push({ file, ...at, path: 'extends', message: 'expected the path of a scenario file, relative to this one' });
    return null;
  }
  const here = resolve(file);
  const parentFile = join(dirname(file), parent);
  const cycle = [...chain, here];
  if (cycle.includes(resolve(parentFile))) {
    const names = [...cycle.slice(cycle.indexOf(resolve(parentFile))), resolve(parentFile)].map((f) => f.split(/[\\/]/).pop());
    problems.push({ file, ...at, path: 'extends', message: `extends cycle: ${names.join(' -> ')}` });
    return null;
  }
  const before = problems.length;
  const base = readSource(parentFile, undefined, cycle, problems);
  if (base === null) {
    if (problems.length > before && problems[before].message === 'no such file') problems[before] = { file, ...at, path: 'extends', message: `no such file: ${parentFile}` };
    return null;
  }
  const { extends: _extends, ...own } = document;
  return { raw: produce(base.raw, (draft) => mergeInto(draft, own)), layers: [map, ...base.layers] };
}

/** Command-line problems first, then by file and position, so they read top to bottom. */
function sorted(problems: ScenarioProblem[]): ScenarioProblem[] {
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

/** Mappings merge key by key; anything else (lists, scalars) replaces. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isMapping(existing) && isMapping(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function locate(issue: Issue, layers: SourceMap[], overrides: OverrideOrigin[]): ScenarioProblem {
  const path = dottedPath(issue.path);
  const origin = overrides
    .filter((o) => o.override.path.every((step, i) => String(issue.path[i]) === step))
    .sort((a, b) => b.override.path.length - a.override.path.length)[0];
  if (origin !== undefined) return overrideProblem(origin, issue.path, issue.message);

  const target = issue.at === 'missing' ? issue.path.slice(0, -1) : issue.path;
  let best = layers[0];
  let found = best.lookup(target);
  for (const layer of layers.slice(1)) {
    const candidate = layer.lookup(target);
    if (candidate.depth > found.depth) {
      best = layer;
      found = candidate;
    }
  }
  const complete = found.depth === target.length;
  const position =
    issue.at === 'missing' ? best.firstKey(found.node) : issue.at === 'key' && complete && found.key ? best.start(found.key) : best.start(found.node);
  return { file: best.file, ...position, path, message: issue.message };
}

function overrideProblem(origin: OverrideOrigin, path: readonly PropertyKey[], message: string): ScenarioProblem {
  if (origin.variant === undefined) return { file: '--set', path: dottedPath(path), message };
  const { map } = origin.variant;
  return { file: map.file, ...map.start(map.lookup(origin.variant.path).node), path: dottedPath(path), message };
}

/** yaml's messages end with a position we already print; keep the words. */
function yamlMessage(message: string): string {
  return message.replace(/\s+at line \d+, column \d+.*$/s, '').trim();
}
