import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHistory } from '../reports/consistency/history-formats.js';
import { HistoryError, pairOperations, type HistoryEvent } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { kvSpec, registerSpec, type SequentialSpec } from '../reports/consistency/sequential-specs.js';

const JEPSEN = join(import.meta.dirname, 'fixtures', 'jepsen');

/** The published verdicts, read from the data's own README so the test cannot drift from it. */
function publishedVerdicts(): Map<string, boolean> {
  const readme = readFileSync(join(JEPSEN, 'README.md'), 'utf8');
  return new Map(
    [...readme.matchAll(/^\| (\S+\.(?:log|txt)) \| (not linearizable|linearizable) \|$/gm)].map((m) => [
      m[1],
      m[2] === 'linearizable',
    ]),
  );
}

function check(text: string, spec: SequentialSpec) {
  return checkLinearizability(pairOperations(parseHistory(text), spec.isReadOnly), spec);
}

describe('the linearizability checker against published Jepsen verdicts', () => {
  const verdicts = publishedVerdicts();

  it('reads every verdict the data lists (51 etcd logs, 6 kv histories)', () => {
    expect([...verdicts.keys()].filter((f) => f.startsWith('etcd_'))).toHaveLength(51);
    expect([...verdicts.keys()].filter((f) => f.endsWith('.txt'))).toHaveLength(6);
  });

  it.each([...verdicts].filter(([f]) => f.startsWith('etcd_')))(
    'etcd register %s: linearizable = %s',
    (file, expected) => {
      const result = check(readFileSync(join(JEPSEN, 'etcd', file), 'utf8'), registerSpec);
      expect(result.linearizable).toBe(expected);
      expect(result.counterexample !== undefined).toBe(!expected);
    },
  );

  it.each([...verdicts].filter(([f]) => f.endsWith('.txt')))('kv map %s: linearizable = %s', (file, expected) => {
    const result = check(readFileSync(join(JEPSEN, 'kv', file), 'utf8'), kvSpec);
    expect(result.linearizable).toBe(expected);
  });

  it('decides every etcd log, those without a published verdict too (the empty one is linearizable)', () => {
    const files = readdirSync(join(JEPSEN, 'etcd')).filter((f) => f.endsWith('.log'));
    expect(files.length).toBe(103);
    for (const file of files) {
      const result = check(readFileSync(join(JEPSEN, 'etcd', file), 'utf8'), registerSpec);
      expect(typeof result.linearizable).toBe('boolean');
      if (file === 'etcd_095.log') expect(result).toMatchObject({ linearizable: true, operations: 0 });
    }
  });
});

const log = (lines: string[]) => lines.map((l) => `INFO  jepsen.util - ${l.replace(/ +/g, '\t')}`).join('\n');

describe('hand-built register histories', () => {
  it('a read concurrent with a write may see either value; a read after it must see the new one', () => {
    const concurrent = log(['0 :invoke :write 1', '1 :invoke :read nil', '1 :ok :read nil', '0 :ok :write 1']);
    expect(check(concurrent, registerSpec).linearizable).toBe(true);
    const stale = log(['0 :invoke :write 1', '0 :ok :write 1', '1 :invoke :read nil', '1 :ok :read nil']);
    const result = check(stale, registerSpec);
    expect(result.linearizable).toBe(false);
    expect(result.counterexample?.stuck).toMatchObject({ process: 1, f: 'read', output: null });
    expect(result.counterexample?.state).toBe(1);
  });

  it('a write with an unknown outcome may take effect at any time after its call, even much later', () => {
    const late = log([
      '0 :invoke :write 1',
      '0 :info :write :timed-out',
      '1 :invoke :read nil',
      '1 :ok :read nil',
      '2 :invoke :read nil',
      '2 :ok :read 1',
    ]);
    expect(check(late, registerSpec).linearizable).toBe(true);
    // ...but not before it was invoked.
    const early = log(['1 :invoke :read nil', '1 :ok :read 1', '0 :invoke :write 1', '0 :info :write :timed-out']);
    expect(check(early, registerSpec).linearizable).toBe(false);
  });

  it('a failed operation did not happen; a read never returns a value nobody wrote', () => {
    const failed = log(['0 :invoke :write 1', '0 :fail :write 1', '1 :invoke :read nil', '1 :ok :read 1']);
    expect(check(failed, registerSpec).linearizable).toBe(false);
    const cas = log([
      '0 :invoke :write 1',
      '0 :ok :write 1',
      '1 :invoke :cas [1 2]',
      '1 :ok :cas [1 2]',
      '2 :invoke :read nil',
      '2 :ok :read 2',
    ]);
    expect(check(cas, registerSpec).linearizable).toBe(true);
    const casFromWrongValue = log(['0 :invoke :write 1', '0 :ok :write 1', '1 :invoke :cas [3 2]', '1 :ok :cas [3 2]']);
    expect(check(casFromWrongValue, registerSpec).linearizable).toBe(false);
  });

  it('vector values (Jepsen independent tuples) compare by value, not identity', () => {
    const h = log(['0 :invoke :write [1 2]', '0 :ok :write [1 2]', '1 :invoke :read nil', '1 :ok :read [1 2]']);
    expect(check(h, registerSpec).linearizable).toBe(true);
    const other = log(['0 :invoke :write [1 2]', '0 :ok :write [1 2]', '1 :invoke :read nil', '1 :ok :read [1 3]']);
    expect(check(other, registerSpec).linearizable).toBe(false);
  });

  it('a cas with an unknown outcome may have failed its compare', () => {
    const h = log([
      '0 :invoke :write 1',
      '0 :ok :write 1',
      '1 :invoke :cas [5 2]',
      '1 :info :cas :timed-out',
      '2 :invoke :read nil',
      '2 :ok :read 1',
    ]);
    expect(check(h, registerSpec).linearizable).toBe(true);
  });

  it('rejects histories that break Jepsen’s rules, saying where', () => {
    expect(() => pairOperations(parseHistory(log(['0 :ok :read 1'])), registerSpec.isReadOnly)).toThrow(
      /process 0 completes read \(ok\) without invoking it/,
    );
    const twice = log(['0 :invoke :read nil', '0 :invoke :read nil']);
    expect(() => pairOperations(parseHistory(twice), registerSpec.isReadOnly)).toThrow(HistoryError);
    expect(() =>
      parseHistory('{:process 0, :type :invoke, :f :get :key "1" :value nil}\n{:process 0 :type :ok'),
    ).toThrow(/not closed by the end of the file/);
  });
});

describe('formats', () => {
  it('refuses a history where only some events have times, instead of mixing two time scales', () => {
    const text = [
      { process: 0, type: 'invoke', f: 'write', value: 1, timeUs: 100 },
      { process: 0, type: 'ok', f: 'write', value: 1, timeUs: 200 },
      { process: 1, type: 'invoke', f: 'read', value: null },
      { process: 1, type: 'ok', f: 'read', value: null },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect(() => pairOperations(parseHistory(text), registerSpec.isReadOnly)).toThrow(
      /some events have a time and some do not/,
    );
  });

  it('JSON lines with times in µs: operations that touch in time count as concurrent', () => {
    const events: HistoryEvent[] = [
      { process: 0, type: 'invoke', f: 'write', value: 1, timeUs: 0 },
      { process: 0, type: 'ok', f: 'write', value: 1, timeUs: 100 },
      { process: 1, type: 'invoke', f: 'read', value: null, timeUs: 100 },
      { process: 1, type: 'ok', f: 'read', value: null, timeUs: 150 },
    ];
    const text = events.map((e) => JSON.stringify(e)).join('\n');
    expect(parseHistory(text)).toEqual(events.map((e, i) => ({ ...e, line: i + 1 })));
    expect(check(text, registerSpec).linearizable).toBe(true);
    const after = text.replace('"timeUs":100}', '"timeUs":99}');
    expect(check(after, registerSpec).linearizable).toBe(false);
  });

  it('EDN maps, one per line, per key', () => {
    const text = [
      '{:process 0, :type :invoke, :f :append, :key "a", :value "x"}',
      '{:process 0, :type :ok, :f :append, :key "a", :value "x"}',
      '{:process 1, :type :invoke, :f :get, :key "b", :value nil}',
      '{:process 1, :type :ok, :f :get, :key "b", :value ""}',
      '{:process 1, :type :invoke, :f :get, :key "a", :value nil}',
      '{:process 1, :type :ok, :f :get, :key "a", :value "x"}',
    ].join('\n');
    expect(check(text, kvSpec)).toMatchObject({ linearizable: true, partitions: 2, operations: 3 });
    expect(
      check(
        text
          .replace(
            '"a", :value "x"}\n{:process 1, :type :invoke, :f :get, :key "b"',
            '"a", :value "x"}\n{:process 1, :type :invoke, :f :get, :key "a"',
          )
          .replace(':key "b", :value ""', ':key "a", :value ""'),
        kvSpec,
      ).linearizable,
    ).toBe(false);
  });
});

/**
 * Histories made by running operations one at a time at instants inside
 * their intervals are linearizable by construction; the checker must say so.
 * Changing one read to a value never written makes them not linearizable.
 */
describe('generated histories', () => {
  const history = fc
    .array(
      fc.record({
        process: fc.integer({ min: 0, max: 4 }),
        f: fc.constantFrom('read', 'write', 'cas'),
        value: fc.integer({ min: 0, max: 3 }),
        from: fc.integer({ min: 0, max: 3 }),
        before: fc.integer({ min: 0, max: 30 }),
        after: fc.integer({ min: 0, max: 30 }),
        unknown: fc.boolean(),
      }),
      { minLength: 1, maxLength: 40 },
    )
    .map((specs) => {
      // Operation k takes effect at time 100k, inside [100k - before, 100k + after]; each process runs one at a time.
      let state: number | null = null;
      const ops: {
        process: number;
        call: number;
        end: number;
        f: string;
        input: unknown;
        output: unknown;
        unknown: boolean;
      }[] = [];
      const busyUntil = new Map<number, number>();
      specs.forEach((s, k) => {
        const at = 100 * (k + 1);
        let process = s.process;
        while ((busyUntil.get(process) ?? -1) >= at - s.before) process += 5;
        const unknown = s.unknown && s.f !== 'read';
        const call = at - s.before;
        const end = at + s.after;
        // A process whose operation's outcome is unknown never runs another (Jepsen gives it a new number).
        busyUntil.set(process, unknown ? Infinity : end);
        if (s.f === 'read') ops.push({ process, call, end, f: 'read', input: null, output: state, unknown });
        else if (s.f === 'write') {
          state = s.value;
          ops.push({ process, call, end, f: 'write', input: s.value, output: s.value, unknown });
        } else if (state === s.from || unknown) {
          if (state === s.from) state = s.value;
          ops.push({ process, call, end, f: 'cas', input: [s.from, s.value], output: [s.from, s.value], unknown });
        }
      });
      const events: HistoryEvent[] = [];
      for (const op of ops) {
        events.push({
          process: op.process,
          type: 'invoke',
          f: op.f,
          value: op.f === 'read' ? null : (op.input as number),
          timeUs: op.call,
        });
        events.push({
          process: op.process,
          type: op.unknown ? 'info' : 'ok',
          f: op.f,
          value: op.output as number,
          timeUs: op.end,
        });
      }
      // Jepsen's order: by time, an invocation before a completion at the same instant.
      events.sort((a, b) => a.timeUs! - b.timeUs! || (a.type === 'invoke' ? 0 : 1) - (b.type === 'invoke' ? 0 : 1));
      return events;
    });

  it('a history from a sequential run inside the intervals is linearizable', () => {
    fc.assert(
      fc.property(history, (events) => {
        const ops = pairOperations(events, registerSpec.isReadOnly);
        expect(checkLinearizability(ops, registerSpec).linearizable).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a read of a value nobody wrote makes it not linearizable', () => {
    fc.assert(
      fc.property(history, fc.nat(), (generated, pick) => {
        const events = structuredClone(generated);
        const reads = events.filter((e) => e.f === 'read' && e.type === 'ok');
        fc.pre(reads.length > 0);
        reads[pick % reads.length].value = 99;
        expect(checkLinearizability(pairOperations(events, registerSpec.isReadOnly), registerSpec).linearizable).toBe(
          false,
        );
      }),
      { numRuns: 300 },
    );
  });
});
