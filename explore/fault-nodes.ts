import type { Scenario } from '../scenarios/harness/scenario-schema.js';
import { groupNodeNames } from '../scenarios/harness/node-names.js';

/** Every node of the scenario by name, with the groups and regions that select it, in scenario order. */
function nodeTable(scenario: Scenario): { name: string; group: string; region: string }[] {
  const regions = scenario.topology.regions;
  return Object.entries(scenario.topology.nodes).flatMap(([group, spec]) => {
    const spread =
      spec.region === undefined ? [regions[0]] : typeof spec.region === 'string' ? [spec.region] : spec.region;
    return groupNodeNames(group, spec.count).map((name, i) => ({ name, group, region: spread[i % spread.length] }));
  });
}

/**
 * The nodes a selector names (node, group, region or `*`, each item of a list), in scenario order; a string says
 * which item names nothing.
 */
export function selectNodes(scenario: Scenario, selector: readonly string[]): string[] | string {
  const table = nodeTable(scenario);
  const chosen = new Set<string>();
  for (const item of selector) {
    const matches = table.filter((n) => item === '*' || n.name === item || n.group === item || n.region === item);
    if (matches.length === 0) {
      const groups = Object.keys(scenario.topology.nodes);
      return `"${item}" is no node, group or region of ${scenario.name} (groups: ${groups.join(', ')}; regions: ${scenario.topology.regions.join(', ')})`;
    }
    for (const n of matches) chosen.add(n.name);
  }
  return table.filter((n) => chosen.has(n.name)).map((n) => n.name);
}

/** The nodes of the scenario's components: what faults hit by default (not the workloads' clients). */
export function componentNodes(scenario: Scenario): string[] {
  const selectors = Object.values(scenario.components).flatMap((c) => {
    const nodes = (c as { nodes?: string | string[] }).nodes;
    return nodes === undefined ? [] : typeof nodes === 'string' ? [nodes] : nodes;
  });
  const selected = selectNodes(scenario, selectors);
  return typeof selected === 'string' ? [] : selected;
}
