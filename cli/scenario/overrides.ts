import { produce } from 'immer';
import { parse } from 'yaml';

/** One override: a path into the scenario document and the value to put there. */
export interface Override {
  /** As written, e.g. `components.api.workers`. */
  text: string;
  path: string[];
  value: unknown;
}

/** Parses `--set path=value`; the value is read as YAML, so `8` is a number and `[a, b]` a list. */
export function parseSetArgument(argument: string): Override | string {
  const eq = argument.indexOf('=');
  if (eq < 0) return `expected path=value, like components.api.workers=8`;
  const text = argument.slice(0, eq).trim();
  const path = splitPath(text);
  if (path === null) return `"${text}" is not a field path; write dotted keys, like components.api.workers or faults.timeline.0.at`;
  try {
    return { text, path, value: parse(argument.slice(eq + 1)) ?? null };
  } catch (error) {
    return `the value is not valid YAML: ${(error as Error).message.split('\n')[0]}`;
  }
}

export function splitPath(text: string): string[] | null {
  const path = text.split('.');
  return text.length > 0 && path.every((s) => s.length > 0) ? path : null;
}

/**
 * Applies overrides to a raw scenario document, immutably. Missing mappings
 * on the way are created; numeric steps index lists (one past the end
 * appends). Returns the problem with an override instead when its path runs
 * into a value that is neither a mapping nor a list.
 */
export function applyOverrides(document: unknown, overrides: readonly Override[]): { document: unknown } | { override: Override; message: string } {
  for (const override of overrides) {
    const problem = checkPath(document, override.path);
    if (problem !== null) return { override, message: problem };
  }
  return {
    document: produce(document, (draft: Record<string, unknown>) => {
      for (const { path, value } of overrides) {
        let node: Record<string, unknown> | unknown[] = draft;
        for (let i = 0; i < path.length - 1; i++) {
          const key = step(node, path[i]);
          let next = (node as Record<string | number, unknown>)[key];
          if (next === undefined || next === null) (node as Record<string | number, unknown>)[key] = next = {};
          node = next as Record<string, unknown>;
        }
        (node as Record<string | number, unknown>)[step(node, path[path.length - 1])] = value;
      }
    }),
  };
}

function step(node: unknown, segment: string): string | number {
  return Array.isArray(node) ? Number(segment) : segment;
}

function checkPath(document: unknown, path: readonly string[]): string | null {
  let node: unknown = document;
  for (let i = 0; i < path.length; i++) {
    const here = path.slice(0, i).join('.') || 'the scenario';
    if (node === undefined || node === null) {
      // A number names an item of a list that is not there; anything else makes a new mapping.
      return path.slice(i).some((s) => /^\d+$/.test(s)) ? `${here} is not set, so it has no item ${path.slice(i).find((s) => /^\d+$/.test(s))}` : null;
    }
    if (Array.isArray(node)) {
      const index = Number(path[i]);
      if (!Number.isInteger(index) || index < 0 || index > node.length) {
        return `${here} is a list of ${node.length}; "${path[i]}" is not an index from 0 to ${node.length}`;
      }
      node = node[index];
    } else if (typeof node === 'object') {
      node = (node as Record<string, unknown>)[path[i]];
    } else {
      return `${here} is ${JSON.stringify(node)}, not a mapping or list, so it has no "${path[i]}"`;
    }
  }
  return null;
}
