import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseReport } from '../../reports/report-schema.js';
import { faultline } from './run-cli.js';

/** A seeded generator (mulberry32), so every run of the suite tries the same cases. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Path = (string | number)[];

/** Every place in the document: each object key, and the first two items of each array. */
function places(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (value === null || typeof value !== 'object') return out;
  const keys = Array.isArray(value) ? value.slice(0, 2).map((_, i) => i) : Object.keys(value);
  for (const key of keys) {
    out.push([...path, key]);
    places((value as Record<string | number, unknown>)[key], [...path, key], out);
  }
  return out;
}

/** Stands for arrays nested 5,000 deep, which JSON.stringify cannot write: put into the text afterwards. */
const DEEP = '\u0000deep';
const DEEP_TEXT = `${'['.repeat(5000)}${']'.repeat(5000)}`;

const small = (v: unknown) => v === undefined || JSON.stringify(v).length < 40;

const MUTATIONS: Record<string, (old: unknown) => unknown> = {
  null: () => null,
  string: () => 'x',
  number: () => 7,
  boolean: () => true,
  object: () => ({}),
  array: () => [],
  'huge array': (old) => {
    const item = Array.isArray(old) ? old[0] : old;
    return new Array(100_000).fill(small(item) ? item : 0);
  },
  'deep array': () => DEEP,
  'negative number': (old) => (typeof old === 'number' ? -old - 1 : 'x'),
  'huge number': (old) => (typeof old === 'number' ? 1e300 : old),
};
const KINDS = ['delete', 'unknown key', ...Object.keys(MUTATIONS)];

/**
 * Damages a real report.json in `cases` ways (deleted keys and items, nulls, wrong types, unknown keys, huge
 * arrays, deep nesting, negative and huge numbers) and runs `faultline report` on each: exit 2 with the
 * field's path, or (when the damage left a valid report) a rendering; never exit 3 or a stack. Valid reports
 * take far longer to render than to refuse, so at most `renders` of them are drawn.
 */
export async function fuzzReport(
  original: string,
  work: string,
  options: { seed: number; cases: number; renders: number },
): Promise<{ refused: number; rendered: number }> {
  const all = places(JSON.parse(original));
  // Every other case draws one variant alone (report --variant), which cuts the comparison down to its column.
  const variant = (JSON.parse(original) as { variants?: { name: string }[] }).variants?.[0]?.name;
  const next = random(options.seed);
  let refused = 0;
  let rendered = 0;
  while (refused + rendered < options.cases) {
    const report = JSON.parse(original);
    const path = all[Math.floor(next() * all.length)];
    const kind = KINDS[Math.floor(next() * KINDS.length)];
    const parent = path.slice(0, -1).reduce((v: any, k) => v[k], report);
    const key = path.at(-1)!;
    if (kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (kind === 'unknown key') {
      if (parent[key] === null || typeof parent[key] !== 'object' || Array.isArray(parent[key])) continue;
      parent[key].surplus = 1;
    } else parent[key] = MUTATIONS[kind](parent[key]);
    const text = JSON.stringify(report).replace(JSON.stringify(DEEP), DEEP_TEXT);
    const parsed = parseReport(JSON.parse(text));
    const alone = variant !== undefined && (refused + rendered) % 2 === 1;
    const valid = parsed.ok && (!alone || parsed.report.variants?.some((v) => v.name === variant) === true);
    if (valid && rendered === options.renders) continue;
    const file = join(work, 'fuzz.json');
    writeFileSync(file, text);
    const r = await faultline([
      'report',
      file,
      '--out',
      join(work, 'fuzz-out'),
      ...(alone ? ['--variant', variant] : []),
    ]);
    const label = `${kind} at ${path.join('.')}${alone ? ` (--variant ${variant})` : ''}: exit ${r.code}\n${r.stderr}`;
    expect(r.code, label).toBe(valid ? 0 : 2);
    expect(r.stderr, label).not.toMatch(/\n\s+at /);
    if (valid) rendered++;
    else {
      expect(r.stderr, label).toMatch(
        /fuzz\.json: (\S+: (expected|missing|unknown key|nested)|a faultline report of format|not a faultline report)|^--variant \S+: \S+fuzz\.json has no/,
      );
      refused++;
    }
  }
  return { refused, rendered };
}
