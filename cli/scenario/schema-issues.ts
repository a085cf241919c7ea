import type { z } from 'zod';

/** A validation problem in words a person can act on, and what to point at: the value, its key, or (when missing) its parent. */
export interface Issue {
  path: PropertyKey[];
  message: string;
  at: 'value' | 'key' | 'missing';
}

type ZodIssue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/**
 * Turns zod's issues into messages for people: unions report the branch the
 * value was evidently meant for, missing keys and unknown keys (with the
 * nearest known key) are named, and zod's generic wording is replaced.
 */
export function describeIssues(issues: readonly ZodIssue[], document: unknown, schema: AnySchema): Issue[] {
  const out: Issue[] = [];
  const visit = (issue: ZodIssue, base: PropertyKey[]) => {
    const path = [...base, ...issue.path];
    const value = valueAt(document, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const known = knownKeys(schema, path, document);
          const near = nearest(key, known);
          out.push({ path: [...path, key], at: 'key', message: `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}` });
        }
        return;
      case 'invalid_union': {
        if (issue.errors.length === 0) {
          out.push({ path, at: 'value', message: issue.message });
          return;
        }
        // A branch failing only because the value has the wrong shape at its root was not the one meant.
        const meant = issue.errors.filter((branch) => !branch.every((i) => i.path.length === 0 && i.code === 'invalid_type'));
        if (meant.length > 0) {
          for (const i of meant[0]) visit(i, path);
          return;
        }
        if (value === undefined && path.length > 0 && isObject(valueAt(document, path.slice(0, -1)))) {
          out.push({ path, at: 'missing', message: `missing required key "${String(path[path.length - 1])}"` });
          return;
        }
        const custom = issue.message !== 'Invalid input' ? issue.message : issue.errors[0][0]?.message;
        out.push({ path, at: 'value', message: custom && !custom.startsWith('Invalid input') ? custom : `${describe(value)} is not allowed here` });
        return;
      }
      case 'invalid_type':
        if (value === undefined && path.length > 0 && isObject(valueAt(document, path.slice(0, -1)))) {
          out.push({ path, at: 'missing', message: `missing required key "${String(path[path.length - 1])}"` });
        } else {
          out.push({ path, at: 'value', message: generic(issue.message) ? `expected ${article(issue.expected)}, got ${describe(value)}` : issue.message });
        }
        return;
      case 'invalid_value':
        out.push({
          path,
          at: 'value',
          message: generic(issue.message) ? `must be ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message,
        });
        return;
      case 'too_small':
      case 'too_big': {
        if (!generic(issue.message)) {
          out.push({ path, at: 'value', message: issue.message });
          return;
        }
        const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const inclusive = issue.inclusive !== false;
        const bound = issue.code === 'too_small' ? (inclusive ? 'at least' : 'above') : inclusive ? 'at most' : 'below';
        const what = issue.origin === 'array' ? `have ${bound} ${limit} item${Number(limit) === 1 ? '' : 's'}` : `be ${bound} ${limit}`;
        out.push({ path, at: 'value', message: `must ${what}, got ${describe(value)}` });
        return;
      }
      default:
        out.push({ path, at: 'value', message: generic(issue.message) ? `${describe(value)} is not allowed here` : issue.message });
    }
  };
  for (const issue of issues) visit(issue, []);
  return out;
}

export function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let node = document;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[step as string];
  }
  return node;
}

const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** zod's own wording, which we replace; custom messages from the schema are kept. */
const generic = (message: string) => message.startsWith('Invalid') || message.startsWith('Too ');
const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

/** The keys the schema allows at `path`, for "did you mean" hints. */
function knownKeys(schema: AnySchema, path: readonly PropertyKey[], document: unknown): string[] {
  let node: AnySchema | undefined = schema;
  for (let i = 0; i <= path.length && node !== undefined; ) {
    const def = node._zod.def as unknown as Record<string, any>;
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
        node = def.innerType;
        continue;
      case 'pipe':
        node = def.in;
        continue;
      case 'union': {
        const value = valueAt(document, path.slice(0, i));
        const discriminator = def.discriminator as string | undefined;
        const options = def.options as AnySchema[];
        node =
          discriminator === undefined
            ? options.find((o) => (o._zod.def as { type: string }).type === 'object')
            : options.find((o) => {
                const literal = (o._zod.def as any).shape?.[discriminator]?._zod.def;
                return literal?.values?.includes((value as Record<string, unknown> | undefined)?.[discriminator]);
              });
        continue;
      }
      default:
        break;
    }
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape) : [];
    const step = path[i++];
    if (def.type === 'object') node = def.shape[step as string];
    else if (def.type === 'record') node = def.valueType;
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'tuple') node = def.items[Number(step)];
    else node = undefined;
  }
  return [];
}

/** The known key within edit distance 2 (or a third of its length), if any. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}
