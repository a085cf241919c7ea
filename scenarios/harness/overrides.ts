import { produce } from 'immer';
import { parse } from 'yaml';
import { didYouMean } from './did-you-mean.js';

/** One override: a path into the scenario document and the value to put there. */
export interface Override {
  /** The path as written, e.g. `components.api.workers`. */
  text: string;
  path: string[];
  value: unknown;
  /** The command-line option it stands for (`--duration`), when not `--set`. */
  flag?: string;
}

const EXAMPLE = 'components.api.workers or faults.timeline.0.at';

/** Keys that reach JavaScript's object machinery instead of a field; no scenario field or name is one of them. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A dotted field path, or why it is not one. */
export function parseOverridePath(text: string): string[] | string {
  const path = text.trim().split('.');
  if (!path.every((s) => s.length > 0)) return `"${text}" is not a field path; write dotted keys, like ${EXAMPLE}`;
  const reserved = path.find((s) => RESERVED_KEYS.has(s));
  if (reserved !== undefined) return `"${reserved}" is not a scenario field, so "${text}" cannot be set`;
  // The file's `extends` is read before any override applies, so setting it would do nothing.
  if (path[0] === 'extends') return 'extends cannot be overridden; point the file itself at another base, or copy it';
  return path;
}

/**
 * Parses `path=value` as given to `--set` (or `--param`, whose `example` a
 * missing `=` shows); the value is read as YAML, so `8` is a number, `25s` a
 * string and `[a, b]` a list.
 */
export function parseSetArgument(
  argument: string,
  example = 'path=value, like components.api.workers=8',
): Override | string {
  const eq = argument.indexOf('=');
  if (eq < 0) return `expected ${example}`;
  const text = argument.slice(0, eq).trim();
  const path = parseOverridePath(text);
  if (typeof path === 'string') return path;
  try {
    return { text, path, value: parse(argument.slice(eq + 1), { prettyErrors: false }) ?? null };
  } catch (error) {
    return `the value is not valid YAML: ${(error as Error).message}`;
  }
}

/**
 * Applies overrides to a raw scenario document, immutably. Missing mappings
 * on the way are created; numeric steps index lists (one past the end
 * appends). When override paths run into a scalar, or index a list that is
 * not there, those overrides and the reasons come back instead.
 */
export function applyOverrides(
  document: unknown,
  overrides: readonly Override[],
): { document: unknown } | { problems: { override: Override; message: string }[] } {
  const problems = overrides.flatMap((override) => {
    const message = checkPath(document, override.path);
    return message === null ? [] : [{ override, message }];
  });
  if (problems.length > 0) return { problems };
  return {
    document: produce(document, (draft: Record<string, unknown>) => {
      for (const { path, value } of overrides) {
        let node: Record<string | number, unknown> = draft;
        for (const segment of path.slice(0, -1)) {
          const key = step(node, segment);
          // Without a prototype, a mapping made here cannot reach Object.prototype, whatever the path.
          if (own(node, key) === undefined || node[key] === null) node[key] = Object.create(null);
          node = node[key] as Record<string | number, unknown>;
        }
        node[step(node, path[path.length - 1])] = value;
      }
    }),
  };
}

function step(node: unknown, segment: string): string | number {
  return Array.isArray(node) ? Number(segment) : segment;
}

/** A field of a mapping or list, never one inherited from its prototype (`toString`). */
const own = (node: object, key: string | number): unknown =>
  Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;

const isIndex = (segment: string) => /^\d+$/.test(segment);

/** The named instances a scenario declares; a field of one that is not there would make a half instance. */
const INSTANCE_KINDS: Record<string, string> = { components: 'component', workloads: 'workload' };

function checkPath(document: unknown, path: readonly string[]): string | null {
  const kind = INSTANCE_KINDS[path[0]];
  const instances = kind === undefined ? undefined : own(document as object, path[0]);
  if (path.length > 2 && instances !== null && typeof instances === 'object' && !Array.isArray(instances)) {
    const names = Object.keys(instances);
    if (!names.includes(path[1]))
      return (
        `there is no ${kind} "${path[1]}"${didYouMean(path[1], names)}` +
        `${names.length > 0 ? ` (${path[0]}: ${names.join(', ')})` : ''}; ` +
        `to add one, set its whole mapping, like ${path[0]}.${path[1]}={type: ..., nodes: ...}`
      );
  }
  let node: unknown = document;
  for (let i = 0; i < path.length; i++) {
    const here = path.slice(0, i).join('.');
    if (RESERVED_KEYS.has(path[i])) return `"${path[i]}" is not a scenario field`;
    if (node === undefined || node === null) {
      const j = path.findIndex((segment, k) => k >= i && isIndex(segment));
      if (j < 0) return null;
      const list = path.slice(0, j).join('.');
      return `${list} is not set, so it has no item ${path[j]}; set the whole list instead, like ${list}=[...]`;
    }
    if (Array.isArray(node)) {
      const index = Number(path[i]);
      if (!isIndex(path[i]) || index > node.length) {
        return `${here} is a list of ${node.length}; "${path[i]}" is not an index from 0 to ${node.length}`;
      }
      node = node[index];
    } else if (typeof node === 'object') {
      node = own(node, path[i]);
    } else {
      return `${here} is ${JSON.stringify(node)}, not a mapping or list, so it has no "${path[i]}"`;
    }
  }
  return null;
}
