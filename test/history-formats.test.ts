import { describe, expect, it } from 'vitest';
import { parseHistory } from '../reports/consistency/history-formats.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';

const linearizable = (text: string) =>
  checkLinearizability(pairOperations(parseHistory(text), registerSpec.isReadOnly), registerSpec).linearizable;

/** A write of `written` acknowledged, then a read returning `read`: linearizable exactly when the two are the same value. */
const writeThenRead = (written: string, read: string) =>
  [
    `{:process 0, :type :invoke, :f :write, :value ${written}}`,
    `{:process 0, :type :ok, :f :write, :value ${written}}`,
    '{:process 1, :type :invoke, :f :read, :value nil}',
    `{:process 1, :type :ok, :f :read, :value ${read}}`,
  ].join('\n');

const log = (lines: string[]) => lines.map((l) => `INFO  jepsen.util - ${l.replace(/ +/g, '\t')}`).join('\n');

describe('EDN values are read exactly', () => {
  it('integers beyond 2^53 keep every digit: two that round to the same double are different values', () => {
    expect(linearizable(writeThenRead('9007199254740993', '9007199254740992'))).toBe(false);
    expect(linearizable(writeThenRead('123456789012345678901234567890', '123456789012345678901234567891'))).toBe(false);
    expect(linearizable(writeThenRead('9007199254740993', '9007199254740993'))).toBe(true);
    // Clojure's N suffix, a + sign and a vector holding them do not change the value.
    expect(linearizable(writeThenRead('[1 9007199254740993N]', '[1 +9007199254740993]'))).toBe(true);
    expect(linearizable(writeThenRead('[1 9007199254740993]', '[1 9007199254740992]'))).toBe(false);
    // Within 2^53 an integer is a number, whatever its spelling.
    expect(linearizable(writeThenRead('42N', '42'))).toBe(true);
  });

  it('keywords, booleans and strings are distinct values: :foo, "foo" and ":foo"; true and "true"', () => {
    const values = [':foo', '"foo"', '":foo"', 'true', '"true"', 'false', 'nil', '"nil"'];
    for (const written of values) {
      for (const read of values) {
        if (read === 'nil') continue; // the register starts empty: reading nil is fine before the write
        expect(linearizable(writeThenRead(written, read)), `write ${written}, read ${read}`).toBe(written === read);
      }
    }
  });

  it('string escapes are read as EDN means them: "\\u0041" is "A", not "u0041"', () => {
    expect(linearizable(writeThenRead('"\\u0041\\r"', '"A\\r"'))).toBe(true);
    expect(linearizable(writeThenRead('"\\u0041"', '"u0041"'))).toBe(false);
    expect(linearizable(writeThenRead('"\\r"', '"r"'))).toBe(false);
    expect(() => parseHistory('{:process 0, :type :invoke, :f :write, :value "\\q"}')).toThrow(
      /cannot read the escape "\\q"/,
    );
  });

  it('the same in Jepsen’s log lines', () => {
    const history = (written: string, read: string) =>
      log([`0 :invoke :write ${written}`, `0 :ok :write ${written}`, '1 :invoke :read nil', `1 :ok :read ${read}`]);
    expect(linearizable(history(':foo', '":foo"'))).toBe(false);
    expect(linearizable(history('true', '"true"'))).toBe(false);
    expect(linearizable(history('9007199254740993', '9007199254740992'))).toBe(false);
    expect(linearizable(history(':foo', ':foo'))).toBe(true);
  });

  it('JSON lines: a boolean is not a string, and an integer JSON cannot hold exactly is refused rather than rounded', () => {
    const jsonl = (written: unknown, read: string) =>
      [
        `{"process":0,"type":"invoke","f":"write","value":${JSON.stringify(written)}}`,
        `{"process":0,"type":"ok","f":"write","value":${JSON.stringify(written)}}`,
        '{"process":1,"type":"invoke","f":"read","value":null}',
        `{"process":1,"type":"ok","f":"read","value":${read}}`,
      ].join('\n');
    expect(linearizable(jsonl(true, '"true"'))).toBe(false);
    expect(linearizable(jsonl(true, 'true'))).toBe(true);
    expect(() => parseHistory(jsonl(1, '9007199254740993'))).toThrow(
      expect.objectContaining({
        line: 4,
        message: expect.stringMatching(/cannot hold it exactly; write it as a string/),
      }),
    );
  });
});

describe('Jepsen nemesis operations are skipped', () => {
  it('EDN: :nemesis events, whatever their values hold (sets, nested maps, floats), are not client operations', () => {
    const text = [
      '[{:type :info, :f :start, :value nil, :process :nemesis, :time 10}',
      ' {:type :invoke, :f :write, :value 1, :process 0, :time 20}',
      ' {:type :info, :f :start, :value [:isolated {"n1" #{"n2" "n3"}, "n2" #{"n1"}}], :process :nemesis, :time 25}',
      ' {:type :ok, :f :write, :value 1, :process 0, :time 30}',
      ' {:type :info, :f :clock-bump, :value {"n1" 12.5, "n2" -3/4}, :process :nemesis, :time 35}',
      ' {:type :invoke, :f :read, :value nil, :process 1, :time 40}',
      ' {:type :info, :f :stop, :value #inst "2024-01-01T00:00:00Z", :process :nemesis, :time 45} ; healed',
      ' {:type :info, :f :noop, :value (\\a \\( \\newline ##Inf #"n[0-9]" n1 0x1F "q\\"\\u00e9"), :process :nemesis, :time 46}',
      ' {:type :ok, :f :read, :value 1, :process 1, :time 50, #_#_:ignored "field" :index 7}]',
    ].join('\n');
    const events = parseHistory(text);
    expect(events.map((e) => e.process)).toEqual([0, 0, 1, 1]);
    expect(linearizable(text)).toBe(true);
  });

  it('Jepsen log lines: the nemesis’s lines (free text after :f) are skipped', () => {
    const text = log([
      ':nemesis :info :start nil',
      '0 :invoke :write 1',
      ':nemesis :info :start Cut off {:n1 #{:n2 :n3}}',
      '0 :ok :write 1',
      '1 :invoke :read nil',
      '1 :ok :read 1',
      ':nemesis :info :stop "fully connected"',
    ]);
    expect(parseHistory(text).map((e) => e.process)).toEqual([0, 0, 1, 1]);
    expect(linearizable(text)).toBe(true);
  });

  it('errors name the line of the file, counting the skipped lines', () => {
    const text = log([':nemesis :info :start nil', ':nemesis :info :start "partition"', '0 :ok :read 1']);
    expect(() => pairOperations(parseHistory(text), registerSpec.isReadOnly)).toThrow(
      expect.objectContaining({
        line: 3,
        message: expect.stringMatching(/process 0 completes read \(ok\) without invoking it/),
      }),
    );
  });

  it('a client operation holding a value a register cannot take is still refused, with the line', () => {
    expect(() => parseHistory('{:process 0, :type :invoke, :f :write, :value #{1 2}}')).toThrow(
      /a set is not a value an operation can take/,
    );
    expect(() => parseHistory('{:process 0, :type :invoke, :f :write, :value 1.5}')).toThrow(
      /a float is not a value an operation can take/,
    );
    expect(() => parseHistory('{:process 0, :type :invoke, :f :write, :value {:a 1}}')).toThrow(
      /a map is not a value an operation can take/,
    );
    expect(() => parseHistory('{:process "x", :type :invoke, :f :write, :value 1}')).toThrow(
      /"process" must be an integer/,
    );
  });
});

describe('Jepsen times', () => {
  it('EDN :time is in nanoseconds', () => {
    const events = parseHistory(
      '{:process 0, :type :invoke, :f :read, :value nil, :time 1500}\n{:process 0, :type :ok, :f :read, :value nil, :time 2000}',
    );
    expect(events.map((e) => e.timeUs)).toEqual([1.5, 2]);
  });
});

describe('histories are read a line at a time', () => {
  const events = (text: string) => parseHistory(text).map((e) => [e.process, e.type, e.line]);

  it('an EDN map may span lines, inside a vector that opens and closes on lines of its own', () => {
    const text = [
      '[',
      '{:process 0, :type :invoke,',
      ' :f :write, :value "a',
      'b"}',
      '{:process 0, :type :ok, :f :write, :value "a\\nb"} {:process 1, :type :invoke, :f :read, :value nil}',
      '#_',
      '{:process 9, :type :invoke, :f :read, :value nil}',
      '{:process :nemesis, :type :info, :f :start, :value [\\] "]"]} ; a ] in a character and a string',
      '{:process 1, :type :ok, :f :read, :value nil}',
      ']',
      '; done',
    ].join('\n');
    expect(events(text)).toEqual([
      [0, 'invoke', 2],
      [0, 'ok', 5],
      [1, 'invoke', 5],
      [1, 'ok', 9],
    ]);
  });

  it('errors in a later form name its own line', () => {
    const text = '{:process 0, :type :invoke, :f :read, :value nil}\n\n{:process 0,\n :type :okay, :f :read}';
    expect(() => parseHistory(text)).toThrow(
      expect.objectContaining({ line: 3, message: expect.stringMatching(/okay/) }),
    );
  });

  it('something after the closing ] of the history is refused with its line', () => {
    expect(() => parseHistory('[{:process 0, :type :invoke, :f :read, :value nil}]\n{:process 1}')).toThrow(
      expect.objectContaining({ line: 2, message: expect.stringMatching(/after the \] that closes the history/) }),
    );
  });

  it('a form left open is reported where it starts', () => {
    expect(() => parseHistory('{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok\n\n')).toThrow(
      expect.objectContaining({
        line: 2,
        message: expect.stringMatching(/not closed by the end of the file \(a bracket/),
      }),
    );
  });
});
