import { TRACE_LINE_KINDS, type TraceFilter } from '../engine/trace.js';
import { parseDurationUs } from '../models/kit/unit-text.js';
import { didYouMean } from '../scenarios/harness/did-you-mean.js';
import { groupNodeNames } from '../scenarios/harness/node-names.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';
import { UsageError } from './exit-codes.js';

const KEYS = ['node', 'kind', 'type', 'at'];
const KINDS: readonly string[] = [...TRACE_LINE_KINDS, 'message'];
const EXAMPLE = 'like node=kv-1,kind=message,at=14s..16s';

/**
 * `--trace-filter`: comma-separated `key=value` conditions, all of which a
 * line must meet; a key given twice accepts either value. `node` takes node
 * or group names of the scenario, `kind` the line kinds (`message` is send
 * and deliver), `type` message types, `at` a time range `from..to` (either
 * end may be left open; the end is excluded).
 */
export function parseTraceFilter(text: string, scenario: Scenario): TraceFilter {
  const fail = (message: string): never => {
    throw new UsageError(`--trace-filter ${text}: ${message}`);
  };
  const filter: {
    nodes?: string[];
    kinds?: TraceFilter['kinds'] & string[];
    types?: string[];
    fromUs?: number;
    toUs?: number;
  } = {};
  const groups = new Map(Object.entries(scenario.topology.nodes).map(([group, spec]) => [group, spec.count]));
  const nodeNames = [...groups].flatMap(([group, count]) => groupNodeNames(group, count));
  const known = new Set(nodeNames);
  for (const condition of text.split(',')) {
    const eq = condition.indexOf('=');
    if (eq <= 0) fail(`"${condition}" is not key=value; ${EXAMPLE}`);
    const key = condition.slice(0, eq).trim();
    const value = condition.slice(eq + 1).trim();
    if (!KEYS.includes(key)) fail(`unknown key "${key}"${didYouMean(key, KEYS)}; the keys are ${KEYS.join(', ')}`);
    if (value === '') fail(`${key} has no value; ${EXAMPLE}`);
    if (key === 'node') {
      if (groups.has(value)) filter.nodes = [...(filter.nodes ?? []), ...groupNodeNames(value, groups.get(value)!)];
      else if (known.has(value)) (filter.nodes ??= []).push(value);
      else
        fail(
          `no node or node group is named "${value}"${didYouMean(value, [...groups.keys(), ...nodeNames])}; groups: ${[...groups.keys()].join(', ')}`,
        );
    } else if (key === 'kind') {
      if (!KINDS.includes(value))
        fail(`unknown kind "${value}"${didYouMean(value, KINDS)}; the kinds are ${KINDS.join(', ')}`);
      (filter.kinds ??= []).push(value as (typeof filter.kinds)[number]);
    } else if (key === 'type') {
      (filter.types ??= []).push(value);
    } else {
      if (filter.fromUs !== undefined || filter.toUs !== undefined) fail('at is given twice; give one range');
      const range = /^(.*?)\.\.(.*)$/.exec(value);
      if (range === null)
        fail(`at=${value} is not a range; write from..to, like at=14s..16s (either end may be left out)`);
      const [, from, to] = range!;
      const time = (t: string) => {
        const us = parseDurationUs(t.trim());
        return us === null ? fail(`"${t}" is not a time; write a number and a unit, like 14s or 1500ms`) : us;
      };
      if (from.trim() !== '') filter.fromUs = time(from);
      if (to.trim() !== '') filter.toUs = time(to);
      if (filter.fromUs !== undefined && filter.toUs !== undefined && filter.toUs <= filter.fromUs)
        fail(`the range ${value} is empty: its end must come after its start`);
    }
  }
  return filter;
}
