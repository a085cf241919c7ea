import fc from 'fast-check';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { bundledScenariosDir } from '../../scenarios/harness/bundled-scenarios.js';
import { faultline } from './run-cli.js';

/**
 * Broken variants of the bundled scenarios, driven through `main` as a user
 * would: each must be refused with exit 2 and `file:line:col` lines, or run
 * (briefly) to a complete output folder; never exit 3, a stack or a hang.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const bundled = readdirSync(bundledScenariosDir())
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => parse(readFileSync(join(bundledScenariosDir(), f), 'utf8'), { merge: true }) as Json);

/** Every place in a document: mappings and lists (to add or delete in) and the values inside them. */
function paths(doc: Json): Path[] {
  const out: Path[] = [];
  const stack: [Json, Path][] = [[doc, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    out.push(path);
    if (Array.isArray(node)) node.forEach((v, i) => stack.push([v, [...path, i]]));
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) stack.push([v, [...path, k]]);
  }
  return out;
}

const WRONG_TYPES: Json[] = [null, true, 'x', -1, 0, 1.5, [], {}, [1, 'a'], { a: 1 }];
const BAD_UNITS: Json[] = ['10 parsecs', '5', '1e400s', '-3ms', '10/fortnight', 'NaNs', '1.5.3s', '0x10s', 'ms'];
const ODD: Json[] = [
  '',
  ' ',
  '\u001b[2J',
  'a\u0007b',
  '0x10',
  '*',
  '-',
  '__proto__',
  'constructor',
  '🙂',
  'é'.repeat(50),
];
const HUGE: Json[] = [1e308, 2 ** 53, -(2 ** 53), '99999999999999999999s', '1e20s', '1e9/s', 'x'.repeat(10_000)];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

export type Mutation =
  | { kind: 'delete' }
  | { kind: 'replace'; group: 'wrong type' | 'bad unit' | 'odd' | 'huge'; value: Json }
  | { kind: 'prototype key'; key: string; value: Json };

export interface Case {
  scenario: number;
  /** Picks the place among the document's paths (modulo their count). */
  at: number;
  mutation: Mutation;
}

export const fuzzCase: fc.Arbitrary<Case> = fc.record({
  scenario: fc.nat({ max: bundled.length - 1 }),
  at: fc.nat(),
  mutation: fc.oneof(
    fc.constant<Mutation>({ kind: 'delete' }),
    fc.constantFrom(...WRONG_TYPES).map((value): Mutation => ({ kind: 'replace', group: 'wrong type', value })),
    fc.constantFrom(...BAD_UNITS).map((value): Mutation => ({ kind: 'replace', group: 'bad unit', value })),
    fc.constantFrom(...ODD).map((value): Mutation => ({ kind: 'replace', group: 'odd', value })),
    fc.constantFrom(...HUGE).map((value): Mutation => ({ kind: 'replace', group: 'huge', value })),
    fc
      .record({ key: fc.constantFrom(...PROTOTYPE_KEYS), value: fc.constantFrom<Json>(1, { polluted: 1 }, 'x') })
      .map(({ key, value }): Mutation => ({ kind: 'prototype key', key, value })),
  ),
});

/** The mutated document as YAML text (a `__proto__` key written as an own key, as a file would hold it). */
export function mutate({ scenario, at, mutation }: Case): string {
  const doc = structuredClone(bundled[scenario]);
  const all = paths(doc);
  const path = all[at % all.length];
  if (mutation.kind === 'prototype key') {
    // Into the nearest mapping at or above the place.
    let target: Json = doc;
    for (const step of path) {
      const next = (target as Record<string, Json>)[step];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) break;
      target = next;
    }
    if (Array.isArray(target)) target = doc;
    Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, writable: true });
    return stringify(doc);
  }
  if (path.length === 0) return mutation.kind === 'delete' ? '' : stringify(mutation.value);
  let parent: Json = doc;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string, Json>)[step];
  const last = path[path.length - 1];
  if (mutation.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, Json>)[last];
  } else {
    (parent as Record<string, Json>)[last] = mutation.value;
  }
  return stringify(doc);
}

/** A refusal names its place: `file:line:col path: message`, or the file alone for a problem with the whole file. */
function expectPlacedProblems(stderr: string, file: string, context: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.at(-1), context).toMatch(/^faultline: exit 2: /);
  for (const line of lines.slice(0, -1)) {
    expect(line.startsWith(`${file}:`), `${context}\n${line}`).toBe(true);
    expect(line, context).toMatch(/^\S+:(\d+:\d+ \S+: | and \d+ more problems?$)/);
  }
}

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Simulated time for a case that validates; `--duration` caps it so the suite stays fast. */
  duration: string;
  /** Run at most this many of the cases that validate (the rest are validated only). */
  runs: number;
}

/** Validates every case; runs the first `runs` that validate. Returns how many were refused and how many ran. */
export async function fuzzBundledScenarios(options: FuzzOptions): Promise<{ refused: number; ran: number }> {
  const work = mkdtempSync(join(tmpdir(), 'faultline-fuzz-'));
  let refused = 0;
  let ran = 0;
  try {
    const cases = fc.sample(fuzzCase, { numRuns: options.cases, seed: options.seed });
    for (const [i, c] of cases.entries()) {
      const file = join(work, `case-${i}.yaml`);
      writeFileSync(file, mutate(c));
      const context = `case ${i}: ${JSON.stringify(c)}`;
      const checked = await faultline(['validate', file]);
      expect(checked.stderr, context).not.toMatch(/internal error|\n\s+at /);
      expect([0, 2], `${context}\n${checked.stderr}`).toContain(checked.code);
      if (checked.code === 2) {
        expectPlacedProblems(checked.stderr, file, context);
        refused++;
        continue;
      }
      // A valid but huge workload is bounded by the run's event budget, not by this test's duration cap.
      if (ran >= options.runs || (c.mutation.kind === 'replace' && c.mutation.group === 'huge')) continue;
      const out = join(work, `out-${i}`);
      // No warm-up: a shortened run would otherwise be refused for leaving nothing to measure.
      const r = await faultline([
        'run',
        file,
        '--duration',
        options.duration,
        '--set',
        'warmup=0s',
        '--quiet',
        '--out',
        out,
      ]);
      expect(r.stderr, context).not.toMatch(/internal error|\n\s+at /);
      expect([0, 1, 2], `${context}\n${r.stderr}`).toContain(r.code);
      if (r.code === 2) {
        // Refused for what the shorter run leaves out, or by the run's limits: nothing written.
        expect(existsSync(out), context).toBe(false);
      } else {
        const written = readdirSync(out);
        expect(written, context).toContain('report.json');
        expect(
          written.filter((f) => f.includes('.tmp')),
          context,
        ).toEqual([]);
        ran++;
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { refused, ran };
}
