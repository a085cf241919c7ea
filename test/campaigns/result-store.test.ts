import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultStore, StoreError } from '../../campaigns/result-store.js';
import { makePlan, makeRecord } from '../support/campaign-fixtures.js';

let work: string;
const at = (...parts: string[]) => join(work, ...parts);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-store-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The StoreError `open` throws, or a failure if it opens. */
function refusal(path: string, options?: { readOnly?: boolean }): StoreError {
  try {
    ResultStore.open(path, options).close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error(`${path} opened`);
}

describe('ResultStore', () => {
  it('creates the file and its folder, and keeps plans and runs across opening again', () => {
    const path = at('new', 'deeper', 'results.db');
    const plan = makePlan('sizing', 3, 4);
    const store = ResultStore.open(path);
    store.saveCampaign(plan);
    for (const run of plan.runs.slice(0, 5))
      expect(store.put(makeRecord(run))).toEqual({ stored: true, conflict: null });
    store.close();
    // Closed, it is one file: nothing beside it to forget when copying it off a cluster.
    expect(readdirSync(dirname(path))).toEqual(['results.db']);

    const again = ResultStore.open(path);
    expect(again.campaigns()).toEqual([plan]);
    expect(again.runCount()).toBe(5);
    const keys = plan.runs.map((run) => run.key);
    expect(again.storedKeys(keys)).toEqual(new Set(keys.slice(0, 5)));
    const records = again.records([...keys].reverse());
    expect([...records.keys()]).toEqual(keys.slice(0, 5).reverse());
    for (const run of plan.runs.slice(0, 5)) expect(records.get(run.key)).toEqual(makeRecord(run));
    again.close();
  });

  it('saves a campaign once, and lists campaigns in the order first saved', () => {
    const store = ResultStore.open(at('campaigns.db'));
    const [a, b] = [makePlan('b-first', 1, 2), makePlan('a-second', 2, 1)];
    store.saveCampaign(a);
    store.saveCampaign(b);
    store.saveCampaign(a);
    expect(store.campaigns().map((plan) => plan.scenarioName)).toEqual(['b-first', 'a-second']);
    store.close();
  });

  it('stores a run once; the same result again is no conflict, whoever ran it and however long it took', () => {
    const store = ResultStore.open(at('once.db'));
    const run = makePlan('once', 1, 1).runs[0];
    expect(store.put(makeRecord(run, 'host-a:1'))).toEqual({ stored: true, conflict: null });
    expect(store.put({ ...makeRecord(run, 'host-b:2'), wallMs: 99_999 })).toEqual({ stored: false, conflict: null });
    expect(store.records([run.key]).get(run.key)?.worker).toBe('host-a:1');
    expect(store.runCount()).toBe(1);
    store.close();
  });

  it('reports a conflict with the stored trace hash and worker when a run gives another result', () => {
    const store = ResultStore.open(at('conflict.db'));
    const [first, second] = makePlan('conflict', 1, 2).runs;
    const kept = makeRecord(first, 'host-a:1');
    store.put(kept);
    expect(store.put(makeRecord(first, 'host-b:2', 'f'.repeat(64)))).toEqual({
      stored: false,
      conflict: { traceHash: kept.traceHash, worker: 'host-a:1' },
    });
    store.put(makeRecord(second, 'host-a:1'));
    const figures = makeRecord(second, 'host-b:2');
    expect(store.put({ ...figures, metrics: { ...figures.metrics, availability: 0.5 } }).conflict?.worker).toBe(
      'host-a:1',
    );
    expect(store.records([first.key]).get(first.key)).toEqual(kept);
    store.close();
  });

  it('looks up 100,000 keys in batches', () => {
    const store = ResultStore.open(at('many.db'));
    const plan = makePlan('many', 100, 1000);
    const stored = plan.runs.filter((run) => run.index % 10 === 0);
    for (const run of stored.slice(0, 2000)) store.put(makeRecord(run));
    const keys = plan.runs.map((run) => run.key);
    const found = store.storedKeys(keys);
    expect(found.size).toBe(2000);
    expect(found).toEqual(new Set(stored.slice(0, 2000).map((run) => run.key)));
    expect(store.records(keys).size).toBe(2000);
    store.close();
  });

  it('refuses a folder, a file that is not SQLite, a database of another program and a newer store', () => {
    mkdirSync(at('a-folder'));
    expect(refusal(at('a-folder')).message).toBe(
      `${at('a-folder')}: this is a folder; give the name of a file in it, like results.db`,
    );

    writeFileSync(at('notes.txt'), 'these are not the runs you are looking for\n'.repeat(100));
    expect(refusal(at('notes.txt')).message).toMatch(
      /notes\.txt: not a SQLite database, so not a faultline result store;/,
    );
    expect(readFileSync(at('notes.txt'), 'utf8')).toMatch(/^these are not/);

    const other = new Database(at('other.db'));
    other.exec('CREATE TABLE users (name TEXT); CREATE TABLE orders (id INTEGER)');
    other.close();
    expect(refusal(at('other.db')).message).toBe(
      `${at('other.db')}: a SQLite database, but not a faultline result store (its tables: orders, users); give another file name, and faultline creates a store there`,
    );

    ResultStore.open(at('newer.db')).close();
    const newer = new Database(at('newer.db'));
    newer.prepare("UPDATE meta SET value = '2' WHERE name = 'schemaVersion'").run();
    newer.close();
    expect(refusal(at('newer.db')).message).toMatch(
      /newer\.db: a result store of schema version 2, newer than this faultline reads \(1\); use the faultline that wrote it, or a newer one$/,
    );
  });

  it('opens read-only only an existing store, and never writes through it', () => {
    expect(refusal(at('missing.db'), { readOnly: true }).message).toMatch(/missing\.db: no such file;/);
    const path = at('read-only.db');
    const plan = makePlan('ro', 1, 2);
    const store = ResultStore.open(path);
    store.saveCampaign(plan);
    store.put(makeRecord(plan.runs[0]));
    store.close();
    const before = readFileSync(path);
    const reader = ResultStore.open(path, { readOnly: true });
    expect(reader.runCount()).toBe(1);
    expect(() => reader.put(makeRecord(plan.runs[1]))).toThrow(/readonly/);
    reader.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('a store killed while putting', () => {
  it('opens afterwards and holds every run whose put had returned', async () => {
    const path = at('killed.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '..', 'support', 'store-writer.ts'), path, '100000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acknowledged: string[] = [];
    let partial = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    await new Promise<void>((enough, failed) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        acknowledged.push(...lines);
        if (acknowledged.length >= 500) {
          child.kill('SIGKILL');
          enough();
        }
      });
      child.on(
        'exit',
        (_code, signal) => signal === null && failed(new Error(`the writer ended before it was killed: ${stderr}`)),
      );
    });
    // Lines that arrive after the kill was sent were acknowledged too; a last partial line was not.
    expect(await exited).toBe('SIGKILL');

    const store = ResultStore.open(path);
    const stored = store.storedKeys(acknowledged);
    expect(stored.size).toBe(acknowledged.length);
    expect(store.runCount()).toBeGreaterThanOrEqual(acknowledged.length);
    expect(store.runCount()).toBeLessThan(100_000);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
