import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/program.js';
import { MAX_NESTING, parseHistory } from '../reports/consistency/history-formats.js';
import { pairOperations, type HistoryEvent } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';

/**
 * A linearizable register history of `n` operations by `processes` clients, each operation overlapping the next
 * `processes - 1`: writes of their index, and reads of the write invoked just before them.
 */
function overlapping(n: number, processes: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (let i = 0; i < n; i++) {
    const f = i % 2 === 0 ? 'write' : 'read';
    const base = { process: i % processes, f };
    events.push({ ...base, type: 'invoke', value: f === 'write' ? i : null, timeUs: i });
    events.push({ ...base, type: 'ok', value: f === 'write' ? i : i - 1, timeUs: i + processes - 0.5 });
  }
  return events.sort((a, b) => a.timeUs! - b.timeUs!);
}

function memoWordsPerState(n: number, processes: number): number {
  const result = checkLinearizability(
    pairOperations(overlapping(n, processes), () => false),
    registerSpec,
  );
  expect(result.linearizable).toBe(true);
  expect(result.statesExplored).toBeGreaterThanOrEqual(n);
  return result.memoWords / result.statesExplored;
}

describe('the linearizability checker on long histories', () => {
  // A bitset of every operation per explored state made memory grow with the square of the history.
  it.each([1, 4])('memory per explored state stays flat from 10,000 to 40,000 operations (%i processes)', (p) => {
    const small = memoWordsPerState(10_000, p);
    const large = memoWordsPerState(40_000, p);
    expect(large).toBeLessThanOrEqual(small * 1.05);
    expect(large).toBeLessThan(8 + p);
  });
});

describe('deeply nested values', () => {
  const deep = (depth: number) => ({
    vector: `${'['.repeat(depth)}${']'.repeat(depth)}`,
    list: `${'('.repeat(depth)}${')'.repeat(depth)}`,
    map: `${'{:a '.repeat(depth)}1${'}'.repeat(depth)}`,
    set: `${'#{'.repeat(depth)}${'}'.repeat(depth)}`,
    tagged: `${'#tag '.repeat(depth)}1`,
    discard: `${'#_ '.repeat(depth)}${'1 '.repeat(depth)}2`,
  });
  const edn = (value: string) =>
    `{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value ${value}}`;
  const jsonl = (value: string) =>
    `{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":"ok","f":"write","value":${value}}`;
  const log = (value: string) =>
    `INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t${value}`;
  const tooDeep = expect.objectContaining({
    line: 2,
    message: expect.stringContaining(`nested more than ${MAX_NESTING} levels deep`),
  });

  it.each(Object.entries(deep(5000)))('EDN %s 5,000 deep: refused with its line, not a stack overflow', (_, v) => {
    expect(() => parseHistory(edn(v))).toThrow(tooDeep);
    expect(() => parseHistory(log(v))).toThrow(tooDeep);
  });

  it('JSON arrays 5,000 deep: refused with the line', () => {
    expect(() => parseHistory(jsonl(deep(5000).vector))).toThrow(tooDeep);
  });

  it(`values nested ${MAX_NESTING} deep are read`, () => {
    const vector = deep(MAX_NESTING).vector;
    for (const text of [edn(vector), jsonl(vector), log(vector)])
      expect(parseHistory(text)[1].value).toEqual(JSON.parse(vector));
    // A nemesis's value is read past, not taken: these are fine at the limit too.
    const { map, set, tagged, discard } = deep(MAX_NESTING - 1);
    for (const v of [map, set, tagged, discard])
      expect(parseHistory(`{:process :nemesis, :type :info, :f :start, :value ${v}}`)).toEqual([]);
  });

  describe('faultline check', () => {
    let work: string;
    beforeAll(() => (work = mkdtempSync(join(tmpdir(), 'faultline-history-limits-'))));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('exits 2 naming the file and line, for every format', async () => {
      const { vector, map, discard } = deep(5000);
      const files = {
        'deep.jsonl': jsonl(vector),
        'map.edn': edn(map),
        'discard.edn': edn(discard),
        'v.log': log(vector),
      };
      for (const [name, text] of Object.entries(files)) {
        writeFileSync(join(work, name), text);
        let stderr = '';
        const code = await main(['check', join(work, name), '--model', 'register'], {
          stdout: { write: () => true },
          stderr: { write: (s: string) => (stderr += s) },
          env: {},
        });
        expect(code, stderr).toBe(2);
        expect(stderr).toContain(`${name}:2: a value is nested more than ${MAX_NESTING} levels deep`);
      }
    });
  });
});
