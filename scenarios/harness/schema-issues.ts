import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

/** A validation problem in words a person can act on, and what to point at: the value, its key, or (when missing) its parent. */
export interface Issue {
  path: PropertyKey[];
  message: string;
  at: 'value' | 'key' | 'missing';
}

type ZodIssue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/**
 * Turns zod's issues into messages for people: a union reports the branch the
 * value was evidently meant for, missing and unknown keys are named (unknown
 * ones with the nearest known key), and zod's generic wording is replaced;
 * messages the schema sets itself are kept.
 */
export function describeIssues(issues: readonly ZodIssue[], document: unknown, schema: AnySchema): Issue[] {
  const out: Issue[] = [];
  const visit = (issue: ZodIssue, base: PropertyKey[]) => {
    const path = [...base, ...issue.path];
    const value = valueAt(document, path);
    const missing = () => value === undefined && path.length > 0 && isMapping(valueAt(document, path.slice(0, -1)));
    const push = (message: string, at: Issue['at'] = 'value') => out.push({ path, at, message });
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeys(schema, path, document);
        for (const key of issue.keys)
          out.push({ path: [...path, key], at: 'key', message: `unknown key "${key}"${didYouMean(key, known)}` });
        return;
      }
      case 'invalid_key': {
        const inner = issue.issues[0];
        push(
          inner && !generic(inner.message)
            ? inner.message
            : `"${String(path[path.length - 1])}" is not allowed as a key here`,
          'key',
        );
        return;
      }
      case 'invalid_union': {
        if (issue.errors.length === 0) {
          // No option has this discriminator value; `issue.options` lists those that exist.
          const options = (issue as { options?: unknown[] }).options ?? [];
          const list = options.map(String).join(', ');
          if (missing()) push(`missing required key "${String(path[path.length - 1])}" (one of ${list})`, 'missing');
          else push(generic(issue.message) ? `${String(path[path.length - 1])} must be one of ${list}` : issue.message);
          return;
        }
        const meant = issue.errors.find((branch) => !shapeMismatch(branch));
        if (meant !== undefined) {
          for (const i of meant) visit(i, path);
          return;
        }
        if (missing()) {
          push(`missing required key "${String(path[path.length - 1])}"`, 'missing');
          return;
        }
        const own = [issue.message, ...issue.errors.map((branch) => branch[0]?.message ?? '')].find((m) => !generic(m));
        push(own ?? `${describe(value)} is not allowed here`);
        return;
      }
      case 'invalid_type':
        if (missing()) push(`missing required key "${String(path[path.length - 1])}"`, 'missing');
        else
          push(generic(issue.message) ? `expected ${typeName(issue.expected)}, got ${describe(value)}` : issue.message);
        return;
      case 'invalid_value':
        push(
          generic(issue.message)
            ? `must be ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
            : issue.message,
        );
        return;
      case 'too_small':
      case 'too_big': {
        if (!generic(issue.message)) {
          push(issue.message);
          return;
        }
        const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const inclusive = issue.inclusive !== false;
        const bound = issue.code === 'too_small' ? (inclusive ? 'at least' : 'above') : inclusive ? 'at most' : 'below';
        if (issue.origin === 'array')
          push(`must have ${bound} ${limit} item${limit === 1 ? '' : 's'}, got ${(value as unknown[]).length}`);
        else if (issue.origin === 'string' && issue.code === 'too_small' && limit === 1) push('must not be empty');
        else push(`must be ${bound} ${limit}, got ${describe(value)}`);
        return;
      }
      default:
        push(generic(issue.message) ? `${describe(value)} is not allowed here` : issue.message);
    }
  };
  for (const issue of issues) visit(issue, []);
  return out;
}

function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let node = document;
  for (const step of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, step)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[step as string];
  }
  return node;
}

/** A union branch that failed only because the value has another shape at its root was not the branch meant. */
function shapeMismatch(branch: readonly ZodIssue[]): boolean {
  return branch.every(
    (i) =>
      i.path.length === 0 &&
      (i.code === 'invalid_type' ||
        i.code === 'invalid_value' ||
        (i.code === 'invalid_union' && i.errors.length > 0 && i.errors.every(shapeMismatch))),
  );
}

const isMapping = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** zod's own wording, which is replaced; messages from the schema are kept. */
const generic = (message: string) => message.startsWith('Invalid') || message.startsWith('Too ');

function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    record: 'a mapping',
    array: 'a list',
    tuple: 'a list',
    int: 'a whole number',
    boolean: 'true or false',
    never: 'nothing (this key is not allowed)',
  };
  return names[expected] ?? `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

/** The keys the schema allows at `path` (every option's, in a union that cannot tell), for "did you mean" hints. */
function knownKeys(schema: AnySchema, path: readonly PropertyKey[], document: unknown): string[] {
  const keys = new Set<string>();
  const walk = (node: AnySchema | undefined, i: number): void => {
    if (node === undefined) return;
    const def = node._zod.def as unknown as Record<string, any>;
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
        return walk(def.innerType, i);
      case 'pipe':
        return walk(def.in, i);
      case 'union': {
        const options = def.options as AnySchema[];
        const tag =
          def.discriminator === undefined
            ? undefined
            : (valueAt(document, path.slice(0, i)) as Record<string, unknown> | undefined)?.[def.discriminator];
        const matching = options.filter((o) => o._zod.propValues?.[def.discriminator]?.has(tag as never));
        for (const option of matching.length > 0 ? matching : options) walk(option, i);
        return;
      }
    }
    if (i === path.length) {
      if (def.type === 'object') for (const key of Object.keys(def.shape)) keys.add(key);
      return;
    }
    const step = path[i];
    if (def.type === 'object') walk(def.shape[step as string], i + 1);
    else if (def.type === 'record') walk(def.valueType, i + 1);
    else if (def.type === 'array') walk(def.element, i + 1);
    else if (def.type === 'tuple') walk(def.items[Number(step)], i + 1);
  };
  walk(schema, 0);
  return [...keys];
}
