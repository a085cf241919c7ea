import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The layers, lowest first: a file may import its own layer or one below, never one above. */
const LAYERS = ['engine', 'models', 'scenarios', 'reports', 'campaigns', 'explore', 'cli'];
/** Inside models/, the same rule: parts and the measuring layer under the kit, the kit under the families, the list of built-in models on top. */
const MODEL_TIERS = [
  ['parts'],
  ['measure'],
  ['kit'],
  [
    'servers',
    'balancers',
    'rate-limits',
    'dns',
    'workload',
    'replication',
    'messaging',
    'caches',
    'cdn',
    'sharding',
    'url-shortener',
    'feed',
    'chat',
  ],
  ['builtin-models.ts'],
];

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every file of the layers with the project files it imports (type-only imports included: they bind layers just the same). */
function importGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of LAYERS.flatMap(sourceFiles)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  return graph;
}

function rank(file: string): [number, number] {
  const [layer, family = ''] = file.split('/');
  const tier = layer === 'models' ? MODEL_TIERS.findIndex((names) => names.includes(family)) : 0;
  return [LAYERS.indexOf(layer), tier];
}

/** Imports that point up a layer (or up a tier inside models/), and models that reach into the engine past its public index. */
function layeringProblems(graph: Graph): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const [fromLayer, fromTier] = rank(from);
    for (const to of targets) {
      const [toLayer, toTier] = rank(to);
      if (toLayer < 0) problems.push(`${from} imports ${to}, outside the layers`);
      else if (toLayer > fromLayer)
        problems.push(`${from} imports ${to}: ${LAYERS[fromLayer]}/ is below ${LAYERS[toLayer]}/`);
      else if (fromLayer === 1 && toLayer === 1 && toTier > fromTier)
        problems.push(`${from} imports ${to}: a model tier may not import one above it`);
      if (from.startsWith('models/') && to.startsWith('engine/') && to !== 'engine/index.ts')
        problems.push(`${from} imports ${to}: models use the engine through engine/index.ts`);
    }
  }
  return problems;
}

/** Import cycles, each as the files on it (Tarjan's strongly connected components). */
function importCycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const to of graph.get(file) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('layers', () => {
  const graph = importGraph();

  it('reads the whole tree', () => {
    for (const layer of LAYERS)
      expect(
        [...graph.keys()].some((f) => f.startsWith(`${layer}/`)),
        layer,
      ).toBe(true);
    expect(graph.get('cli/program.ts')?.length).toBeGreaterThan(3);
  });

  it('every import points down: engine → models → scenarios → reports → cli', () => {
    expect(layeringProblems(graph)).toEqual([]);
  });

  it('no import cycle, type-only imports included', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('the checks catch an upward import, a model past the engine index, and a cycle', () => {
    const planted: Graph = new Map([
      ['engine/a.ts', ['models/kit/b.ts']],
      ['models/kit/b.ts', ['engine/a.ts', 'models/servers/c.ts']],
      ['models/servers/c.ts', ['engine/index.ts']],
      ['reports/d.ts', ['cli/e.ts']],
      ['cli/e.ts', ['reports/d.ts']],
    ]);
    expect(layeringProblems(planted)).toEqual([
      'engine/a.ts imports models/kit/b.ts: engine/ is below models/',
      'models/kit/b.ts imports engine/a.ts: models use the engine through engine/index.ts',
      'models/kit/b.ts imports models/servers/c.ts: a model tier may not import one above it',
      'reports/d.ts imports cli/e.ts: reports/ is below cli/',
    ]);
    expect(importCycles(planted)).toEqual([
      ['engine/a.ts', 'models/kit/b.ts'],
      ['cli/e.ts', 'reports/d.ts'],
    ]);
  });
});
