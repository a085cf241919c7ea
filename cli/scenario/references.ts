import { modelDefinition } from '../../models/registry.js';
import type { Scenario } from './schema.js';
import type { Issue } from './schema-issues.js';

type Selector = string | readonly string[];

/**
 * Checks what a schema cannot: every name a scenario uses refers to something
 * it defines (regions, node groups, nodes, components), node groups and
 * components pair up one to one, and no name means two things.
 */
export function checkReferences(scenario: Scenario): Issue[] {
  const issues: Issue[] = [];
  const problem = (path: PropertyKey[], message: string) => issues.push({ path, message, at: 'value' });
  const { topology } = scenario;
  const regions = new Set<string>();
  topology.regions.forEach((r, i) => {
    if (regions.has(r)) problem(['topology', 'regions', i], `region "${r}" is listed twice`);
    regions.add(r);
  });
  const groups = Object.keys(topology.nodes);
  const nodes = new Set<string>();
  for (const [group, spec] of Object.entries(topology.nodes)) {
    for (let i = 1; i <= spec.count; i++) nodes.add(`${group}-${i}`);
    const list = spec.region === undefined ? [] : typeof spec.region === 'string' ? [spec.region] : spec.region;
    list.forEach((r, i) => {
      const path = typeof spec.region === 'string' ? ['topology', 'nodes', group, 'region'] : ['topology', 'nodes', group, 'region', i];
      if (!regions.has(r)) problem(path, `no region "${r}"; topology.regions lists ${listOf(regions)}`);
    });
  }
  for (const group of groups) {
    if (regions.has(group)) problem(['topology', 'nodes', group], `"${group}" names both a region and a node group; rename one so fault selectors are unambiguous`);
    if (nodes.has(group)) problem(['topology', 'nodes', group], `"${group}" is also the name of a node in another group; rename the group`);
  }
  topology.rtt.between.forEach((b, i) =>
    b.regions.forEach((r, j) => {
      if (!regions.has(r)) problem(['topology', 'rtt', 'between', i, 'regions', j], `no region "${r}"; topology.regions lists ${listOf(regions)}`);
    }),
  );

  const hostedBy = new Map<string, string>();
  const components = new Set(Object.keys(scenario.components));
  const operations = new Set<string>();
  for (const section of ['components', 'workloads'] as const) {
    for (const [name, raw] of Object.entries(scenario[section])) {
      const instance = raw as { type: string; nodes: string } & Record<string, unknown>;
      if (section === 'workloads' && components.has(name)) problem([section, name], `"${name}" is already a component; give the workload its own name`);
      if (!(instance.nodes in topology.nodes)) {
        problem([section, name, 'nodes'], `no node group "${instance.nodes}"; topology.nodes defines ${listOf(groups)}`);
      } else if (hostedBy.has(instance.nodes)) {
        problem([section, name, 'nodes'], `node group "${instance.nodes}" already runs ${hostedBy.get(instance.nodes)}; each group runs one component or workload`);
      } else {
        hostedBy.set(instance.nodes, name);
      }
      if (typeof instance.operation === 'string') operations.add(instance.operation);
      const { type: _type, nodes: _nodes, ...params } = instance;
      for (const ref of modelDefinition(instance.type)?.references?.(params) ?? []) {
        if (!components.has(ref.component)) problem([section, name, ...ref.path], `no component "${ref.component}"; components defines ${listOf(components)}`);
      }
    }
  }
  for (const group of groups) {
    if (!hostedBy.has(group)) problem(['topology', 'nodes', group], `node group "${group}" runs nothing; name it in a component's or workload's "nodes"`);
  }

  const known = (name: string) => name === '*' || regions.has(name) || name in topology.nodes || nodes.has(name);
  const checkSelector = (selector: Selector | undefined, path: PropertyKey[]) => {
    if (selector === undefined) return;
    const names = typeof selector === 'string' ? [selector] : selector;
    names.forEach((name, i) => {
      if (!known(name)) {
        problem(typeof selector === 'string' ? path : [...path, i], `"${name}" is not a node, node group or region (nodes are named <group>-<n>, like ${[...nodes][0] ?? 'api-1'})`);
      }
    });
  };
  const checkNode = (name: string, path: PropertyKey[]) => {
    if (!nodes.has(name)) problem(path, `"${name}" is not a node; name one node, like ${[...nodes][0] ?? 'api-1'}`);
  };
  topology.links.forEach((link, i) => {
    checkSelector(link.from, ['topology', 'links', i, 'from']);
    checkSelector(link.to, ['topology', 'links', i, 'to']);
  });
  scenario.faults.timeline.forEach((f, i) => {
    const at = (key: string) => ['faults', 'timeline', i, key];
    if ('nodes' in f) checkSelector(f.nodes, at('nodes'));
    if ('from' in f) checkSelector(f.from, at('from'));
    if ('to' in f) checkSelector(f.to, at('to'));
    if ('sideA' in f) checkSelector(f.sideA, at('sideA'));
    if ('sideB' in f) checkSelector(f.sideB, at('sideB'));
    if ('sides' in f) f.sides.forEach((side, j) => checkSelector(side, ['faults', 'timeline', i, 'sides', j]));
    if ('node' in f) checkNode(f.node, at('node'));
    if ('bridge' in f) checkNode(f.bridge, at('bridge'));
    if (f.at > scenario.duration) problem(at('at'), `the run ends at ${scenario.duration / 1e6}s, before this fault`);
  });
  scenario.faults.random.forEach((p, i) => checkSelector(p.nodes, ['faults', 'random', i, 'nodes']));
  scenario.slo.latency.forEach((objective, i) => {
    if (objective.operation !== undefined && !operations.has(objective.operation)) {
      problem(['slo', 'latency', i, 'operation'], `no workload sends operation "${objective.operation}"; they send ${listOf(operations)}`);
    }
  });
  const variants = new Set<string>();
  scenario.variants.forEach((v, i) => {
    if (variants.has(v.name)) problem(['variants', i, 'name'], `variant "${v.name}" is defined twice`);
    variants.add(v.name);
    if ('seed' in v.set) problem(['variants', i, 'set', 'seed'], 'variants share the seed so their runs can be compared; set it at the top level or with --seed');
  });
  return issues;
}

function listOf(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none' : all.map((n) => `"${n}"`).join(', ');
}
