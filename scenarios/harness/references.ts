import { z } from 'zod';
import { modelDefinition } from '../../models/kit/registry.js';
import type { ComponentReference, ScenarioInstance } from '../../models/kit/model-contract.js';
import { didYouMean } from './did-you-mean.js';
import { groupNodeNames } from './node-names.js';
import type { Issue } from './schema-issues.js';

type Doc = Record<string, unknown>;
type Path = PropertyKey[];

/**
 * Checks what a schema cannot: every name a scenario uses refers to something
 * it defines (regions, node groups, nodes, components), node groups and
 * components pair up one to one, and no name means two things. It reads the
 * raw document and skips whatever has the wrong shape (the schema reports
 * that), so these problems are listed alongside the schema's in one go.
 */
export function checkReferences(document: Doc): Issue[] {
  const issues: Issue[] = [];
  const problem = (path: Path, message: string, at: Issue['at'] = 'value') => issues.push({ path, message, at });
  const topology = mapping(document.topology) ?? {};

  const regionsSet = topology.regions !== undefined;
  const regions = new Set<string>(regionsSet ? [] : ['default']);
  for (const [r, path] of names(topology.regions, ['topology', 'regions'])) {
    if (regions.has(r)) problem(path, `region "${r}" is listed twice`);
    regions.add(r);
  }
  const checkRegion = (region: string, path: Path) => {
    if (!regions.has(region))
      problem(
        path,
        `no region "${region}"; ${regionsSet ? `topology.regions lists ${listOf(regions)}` : 'add it to topology.regions'}`,
      );
  };

  const groupSpecs = mapping(topology.nodes) ?? {};
  const groups = Object.keys(groupSpecs);
  /** Node count per group; null when the count is invalid (the schema says so) and any `<group>-<n>` is let through. */
  const counts = new Map<string, number | null>();
  for (const group of groups) {
    const spec = mapping(groupSpecs[group]) ?? {};
    const count = spec.count ?? 1;
    counts.set(group, Number.isInteger(count) && (count as number) >= 1 ? (count as number) : null);
    for (const [r, path] of names(spec.region, ['topology', 'nodes', group, 'region'])) checkRegion(r, path);
    if (regions.has(group))
      problem(
        ['topology', 'nodes', group],
        `"${group}" names both a region and a node group; rename one so selectors are unambiguous`,
        'key',
      );
  }
  const isNode = (name: string) => {
    const m = /^(.+)-([1-9]\d*)$/.exec(name);
    const count = m ? counts.get(m[1]) : undefined;
    return count === null || (count !== undefined && Number(m![2]) <= count);
  };
  for (const group of groups) {
    if (isNode(group))
      problem(
        ['topology', 'nodes', group],
        `"${group}" is also the name of a node in another group; rename the group`,
        'key',
      );
  }
  const between = Array.isArray(mapping(topology.rtt)?.between) ? (mapping(topology.rtt)!.between as unknown[]) : [];
  between.forEach((b, i) => {
    for (const [r, path] of names(mapping(b)?.regions, ['topology', 'rtt', 'between', i, 'regions']))
      checkRegion(r, path);
  });

  const hostedBy = new Map<string, string>();
  const components = new Set(Object.keys(mapping(document.components) ?? {}));
  const instances = scenarioInstances(document);
  const componentType = (component: string) => mapping(mapping(document.components)![component])?.type;
  for (const section of ['components', 'workloads'] as const) {
    for (const [name, value] of Object.entries(mapping(document[section]) ?? {})) {
      const instance = mapping(value);
      if (section === 'workloads' && components.has(name))
        problem([section, name], `"${name}" is already a component; give the workload its own name`, 'key');
      if (instance === undefined) continue;
      const group = instance.nodes;
      if (typeof group === 'string' && mapping(topology.nodes) !== undefined) {
        if (!Object.hasOwn(groupSpecs, group)) {
          problem([section, name, 'nodes'], `no node group "${group}"; topology.nodes defines ${listOf(groups)}`);
        } else if (hostedBy.has(group)) {
          problem(
            [section, name, 'nodes'],
            `node group "${group}" already runs ${hostedBy.get(group)}; each group runs one component or workload`,
          );
        } else {
          hostedBy.set(group, `${section === 'components' ? 'component' : 'workload'} "${name}"`);
        }
      }
      for (const ref of modelReferences(instance)) {
        if (ref.component === name)
          problem([section, name, ...ref.path], `"${name}" is this component itself; name another one`);
        else if (!components.has(ref.component))
          problem(
            [section, name, ...ref.path],
            `no component "${ref.component}"; components defines ${listOf(components)}`,
          );
        else if (ref.type !== undefined && !typesOf(ref.type).includes(String(componentType(ref.component)))) {
          const actual = componentType(ref.component);
          problem(
            [section, name, ...ref.path],
            `"${ref.component}" is not ${orList(typesOf(ref.type))} component${typeof actual === 'string' ? ` (it is a ${actual})` : ''}`,
          );
        } else {
          const target = mapping(mapping(document.components)![ref.component]) ?? {};
          if (ref.name !== undefined) {
            const held = modelNames(target);
            if (held !== undefined && !held.includes(ref.name))
              problem(
                [section, name, ...ref.path],
                `"${ref.component}" holds no name "${ref.name}"${didYouMean(ref.name, held) || `; it holds ${listOf(held)}`}`,
              );
          }
          if (ref.fits !== undefined) {
            const params = modelParams(target);
            if (params !== undefined) for (const p of ref.fits(params)) problem([section, name, ...p.path], p.message);
          }
        }
      }
      const nodeCount = typeof group === 'string' ? counts.get(group) : undefined;
      if (nodeCount !== undefined && nodeCount !== null) {
        for (const p of modelChecks(instance, nodeCount)) problem([section, name, ...p.path], p.message);
      }
      for (const p of checksAmong(instance, name, instances)) problem([section, name, ...p.path], p.message);
    }
  }
  // When a section is not a mapping (the schema says so), which groups it meant to use is unknown.
  if (
    [document.components, document.workloads].every(
      (section) => section === undefined || mapping(section) !== undefined,
    )
  ) {
    for (const group of groups) {
      if (!hostedBy.has(group))
        problem(
          ['topology', 'nodes', group],
          `node group "${group}" runs nothing; name it in a component's or workload's "nodes"`,
          'key',
        );
    }
  }

  const nodeExample = groups.length > 0 ? `${groups[0]}-1` : 'api-1';
  const checkSelector = (selector: unknown, path: Path) => {
    for (const [name, at] of names(selector, path)) {
      if (name === '*' || regions.has(name) || Object.hasOwn(groupSpecs, name) || isNode(name)) continue;
      const hint =
        nodeHint(name, counts) ??
        (didYouMean(name, [...groups, ...regions]) || `; nodes are named <group>-<n>, like ${nodeExample}`);
      problem(at, `"${name}" is not a node, node group or region${hint}`);
    }
  };
  const checkNode = (name: unknown, path: Path) => {
    if (typeof name !== 'string' || isNode(name)) return;
    const what = Object.hasOwn(groupSpecs, name) ? 'a node group' : regions.has(name) ? 'a region' : 'not a node';
    problem(path, `"${name}" is ${what}${nodeHint(name, counts) ?? `; name one node, like ${nodeExample}`}`);
  };
  for (const [i, link] of items(topology.links)) {
    checkSelector(link.from, ['topology', 'links', i, 'from']);
    checkSelector(link.to, ['topology', 'links', i, 'to']);
  }
  const faults = mapping(document.faults) ?? {};
  for (const [i, fault] of items(faults.timeline)) {
    const at = (key: string): Path => ['faults', 'timeline', i, key];
    for (const key of ['nodes', 'from', 'to', 'sideA', 'sideB']) checkSelector(fault[key], at(key));
    if (Array.isArray(fault.sides)) fault.sides.forEach((side, j) => checkSelector(side, [...at('sides'), j]));
    checkNode(fault.node, at('node'));
    checkNode(fault.bridge, at('bridge'));
  }
  for (const [i, process] of items(faults.random)) checkSelector(process.nodes, ['faults', 'random', i, 'nodes']);
  if (issues.length === 0)
    checkFaultShapes(faults, regionsSet ? [...regions] : ['default'], groupSpecs, counts, problem);

  const variantNames = new Set<string>();
  for (const [i, variant] of items(document.variants)) {
    if (typeof variant.name === 'string') {
      if (variantNames.has(variant.name))
        problem(['variants', i, 'name'], `variant "${variant.name}" is defined twice`);
      variantNames.add(variant.name);
    }
    if (mapping(variant.set)?.seed !== undefined) {
      problem(
        ['variants', i, 'set', 'seed'],
        'variants share the seed so their runs compare; set it at the top level or with --seed',
        'key',
      );
    }
  }
  return issues;
}

/** Past this many nodes, which nodes a fault selects is left to the run: listing them all would cost more than it finds. */
const MAX_NODES_EXPANDED = 100_000;

/**
 * What the engine would refuse mid-run about the nodes a fault selects: a
 * node on two sides of one cut, a ring or majority split of too few nodes, a
 * fault process over no nodes (a region nothing runs in).
 */
function checkFaultShapes(
  faults: Doc,
  regions: readonly string[],
  groupSpecs: Doc,
  counts: ReadonlyMap<string, number | null>,
  problem: (path: Path, message: string) => void,
): void {
  // An invalid count (the schema says so) leaves the nodes unknown.
  if ([...counts.values()].reduce<number>((sum, n) => sum + (n ?? Infinity), 0) > MAX_NODES_EXPANDED) return;
  const members = new Map<string, string[]>(regions.map((r) => [r, []]));
  const all: string[] = [];
  for (const [group, count] of counts) {
    const region = mapping(groupSpecs[group])?.region;
    const spread = typeof region === 'string' ? [region] : Array.isArray(region) ? (region as string[]) : [regions[0]];
    const nodes = groupNodeNames(group, count ?? 0);
    nodes.forEach((node, i) => {
      members.get(spread[i % spread.length])?.push(node);
      all.push(node);
    });
    members.set(group, nodes);
  }
  const selected = (selector: unknown): Set<string> => {
    const out = new Set<string>();
    for (const [name] of names(selector, []))
      for (const node of name === '*' ? all : (members.get(name) ?? [name])) out.add(node);
    return out;
  };
  const shared = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].find((node) => b.has(node));
  const fewer = (path: Path, nodes: ReadonlySet<string>, least: number, what: string) => {
    if (nodes.size < least)
      problem(
        path,
        `selects ${nodes.size === 1 ? 'one node' : `${nodes.size} nodes`}; ${what} needs at least ${least}`,
      );
  };
  for (const [i, fault] of items(faults.timeline)) {
    const at = (...rest: (string | number)[]): Path => ['faults', 'timeline', i, ...rest];
    switch (fault.action) {
      case 'partition': {
        const sides = Array.isArray(fault.sides) ? fault.sides.map(selected) : [];
        sides.forEach((side, j) => {
          const k = sides.slice(0, j).findIndex((earlier) => shared(earlier, side) !== undefined);
          if (k >= 0)
            problem(
              at('sides', j),
              `${shared(sides[k], side)} is on side ${k} too; a node can be on one side of a partition`,
            );
        });
        break;
      }
      case 'partition-majority':
        fewer(at('nodes'), selected(fault.nodes), 2, 'a majority-minority partition');
        break;
      case 'partition-ring':
        fewer(at('nodes'), selected(fault.nodes), 3, 'a ring partition');
        break;
      case 'partition-one-way': {
        const both = shared(selected(fault.from), selected(fault.to));
        if (both !== undefined) problem(at('to'), `${both} is in "from" too; a node can be on one side of a partition`);
        break;
      }
      case 'bridge': {
        const [a, b] = [selected(fault.sideA), selected(fault.sideB)];
        const both = shared(a, b);
        if (both !== undefined)
          problem(at('sideB'), `${both} is in sideA too; a node can be on one side of a partition`);
        if (typeof fault.bridge === 'string' && (a.has(fault.bridge) || b.has(fault.bridge)))
          problem(at('bridge'), `${fault.bridge} is on a side too; the bridge is a node of neither side`);
        break;
      }
    }
  }
  for (const [i, process] of items(faults.random))
    if (selected(process.nodes).size === 0)
      problem(['faults', 'random', i, 'nodes'], 'selects no nodes (no node group runs in that region)');
}

/**
 * The components a model instance names. Parameters the model's schema
 * rejects are left out (the schema reports them), so a typo in a target is
 * found even when another parameter is wrong too.
 */
function modelReferences(instance: Doc): ComponentReference[] {
  const { type, nodes: _nodes, ...params } = instance;
  const model = typeof type === 'string' ? modelDefinition(type) : undefined;
  if (model?.references === undefined) return [];
  let parsed = model.params.safeParse(params);
  if (!parsed.success) {
    const bad = new Set(
      parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : i.path.slice(0, 1).map(String))),
    );
    // Rebuilt from the shape: zod refuses .partial() on an object with refinements (cross-field checks).
    parsed = z
      .strictObject(model.params.shape)
      .partial()
      .safeParse(Object.fromEntries(Object.entries(params).filter(([key]) => !bad.has(key))));
    if (!parsed.success) return [];
  }
  try {
    return model.references(parsed.data).filter((ref) => typeof ref.component === 'string');
  } catch {
    // A model may assume parameters that were left out above; its references are then checked once those are fixed.
    return [];
  }
}

/** The names a component holds for others to look up; undefined when its model has none or its parameters are invalid. */
function modelNames(instance: Doc): readonly string[] | undefined {
  const { type, nodes: _nodes, ...params } = instance;
  const model = typeof type === 'string' ? modelDefinition(type) : undefined;
  if (model?.names === undefined) return undefined;
  const parsed = model.params.safeParse(params);
  return parsed.success ? model.names(parsed.data) : undefined;
}

/** A component's parameters as its model parses them; undefined while they are invalid (the schema reports them). */
function modelParams(instance: Doc): unknown {
  const { type, nodes: _nodes, ...params } = instance;
  const model = typeof type === 'string' ? modelDefinition(type) : undefined;
  const parsed = model?.params.safeParse(params);
  return parsed?.success ? parsed.data : undefined;
}

/** The model's own topology-dependent checks, once its parameters are valid (until then the schema's problems come first). */
function modelChecks(instance: Doc, nodeCount: number): { path: (string | number)[]; message: string }[] {
  const { type, nodes: _nodes, ...params } = instance;
  const model = typeof type === 'string' ? modelDefinition(type) : undefined;
  if (model?.check === undefined) return [];
  const parsed = model.params.safeParse(params);
  return parsed.success ? model.check(parsed.data, { nodeCount }) : [];
}

/** Every component and workload as written, in file order, for the models' checks across instances. */
function scenarioInstances(document: Doc): ScenarioInstance[] {
  return (['components', 'workloads'] as const).flatMap((section) =>
    Object.entries(mapping(document[section]) ?? {}).flatMap(([name, value]) => {
      const instance = mapping(value);
      if (instance === undefined) return [];
      const { type, nodes: _nodes, ...params } = instance;
      return [{ name, section, type, params }];
    }),
  );
}

/** The model's checks across instances, once its parameters are valid. */
function checksAmong(
  instance: Doc,
  name: string,
  instances: readonly ScenarioInstance[],
): { path: (string | number)[]; message: string }[] {
  const { type, nodes: _nodes, ...params } = instance;
  const model = typeof type === 'string' ? modelDefinition(type) : undefined;
  if (model?.checkAmong === undefined) return [];
  const parsed = model.params.safeParse(params);
  return parsed.success ? model.checkAmong(parsed.data, name, instances) : [];
}

/** When `name` looks like a node of a known group but is past its count: the nodes it does have. */
function nodeHint(name: string, counts: ReadonlyMap<string, number | null>): string | undefined {
  const m = /^(.+)-([1-9]\d*)$/.exec(name);
  const count = m ? counts.get(m[1]) : undefined;
  if (!m || count === undefined || count === null) return undefined;
  return `; group "${m[1]}" has ${count === 1 ? `one node, ${m[1]}-1` : `${count} nodes, ${m[1]}-1 to ${m[1]}-${count}`}`;
}

function mapping(value: unknown): Doc | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Doc) : undefined;
}

/** The mappings in a list, with their indices. */
function items(value: unknown): [number, Doc][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, i) => (mapping(item) ? [[i, item as Doc] as [number, Doc]] : []));
}

/** The names in a name-or-list-of-names value, each with its own path. */
function names(value: unknown, path: Path): [string, Path][] {
  if (typeof value === 'string') return [[value, path]];
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i) => (typeof v === 'string' ? [[v, [...path, i]] as [string, Path]] : []));
}

const typesOf = (type: string | readonly string[]): readonly string[] => (typeof type === 'string' ? [type] : type);

/** `a queue`, `a queue or log`, `a queue, pubsub or log`. */
function orList(types: readonly string[]): string {
  return `a ${types.length === 1 ? types[0] : `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`}`;
}

function listOf(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none' : all.map((n) => `"${n}"`).join(', ');
}
