import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignOutputs } from '../../campaigns/campaign-outputs.js';
import { buildSweepReport } from '../../campaigns/sweep-report.js';
import type { CampaignPlan, RunRecord } from '../../campaigns/campaign-types.js';
import { mergeStores } from '../../campaigns/merge-stores.js';
import { ResultStore, StoreError } from '../../campaigns/result-store.js';
import { shardRuns } from '../../campaigns/shards.js';
import { makePlan, makeRecord } from '../support/campaign-fixtures.js';
import { faultline } from '../support/run-cli.js';

let work: string;
const at = (...parts: string[]) => join(work, ...parts);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-merge-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const plan = makePlan('sizing', 5, 12);

/** One store per shard, each run put by that shard's worker, as `faultline sweep --shard i/n` leaves them. */
function writeShards(folder: string, count: number, campaign: CampaignPlan = plan): string[] {
  return Array.from({ length: count }, (_, index) => {
    const path = at(folder, `shard-${index}.db`);
    const store = ResultStore.open(path);
    store.saveCampaign(campaign);
    for (const run of shardRuns(campaign.runs, { index, count }))
      store.put(makeRecord(run, `node-${index}:${100 + index}`));
    store.close();
    return path;
  });
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function storedRecords(path: string, campaign: CampaignPlan = plan): Map<string, RunRecord> {
  const store = ResultStore.open(path, { readOnly: true });
  try {
    return store.records(campaign.runs.map((run) => run.key));
  } finally {
    store.close();
  }
}

describe('mergeStores', () => {
  it("combines shards into one store with every run, and leaves the shards' files as they were", () => {
    const shards = writeShards('four', 4);
    const before = shards.map(digest);
    const filesBefore = readdirSync(at('four')).sort();

    const summary = mergeStores(shards, at('four', 'all.db'));
    expect(summary.campaigns).toEqual([plan]);
    expect(summary).toMatchObject({ campaignsAdded: 1, runsAdded: 60, duplicates: 0, conflicts: [], runCount: 60 });
    expect(summary.inputs.map((input) => [input.runs, input.runsAdded, input.campaignsAdded])).toEqual([
      [15, 15, 1],
      [15, 15, 0],
      [15, 15, 0],
      [15, 15, 0],
    ]);
    expect(shards.map(digest)).toEqual(before);
    expect(readdirSync(at('four')).filter((name) => !name.startsWith('all.db'))).toEqual(filesBefore);

    const merged = storedRecords(at('four', 'all.db'));
    expect(merged.size).toBe(60);
    for (const run of plan.runs)
      expect(merged.get(run.key)).toEqual(makeRecord(run, `node-${run.index % 4}:${100 + (run.index % 4)}`));
  });

  it('gives the same results as one store holding every run', () => {
    const shards = writeShards('same', 3);
    mergeStores(shards, at('same', 'all.db'));
    const single = ResultStore.open(at('same', 'single.db'));
    single.saveCampaign(plan);
    for (const run of [...plan.runs].reverse()) single.put(makeRecord(run, 'local'));
    single.close();
    const fromShards = campaignOutputs(plan, storedRecords(at('same', 'all.db')), 'out').files;
    const fromOne = campaignOutputs(plan, storedRecords(at('same', 'single.db')), 'out').files;
    expect(fromShards).toEqual(fromOne);
    const report = JSON.parse(fromShards.find((f) => f.path.endsWith('sweep.json'))!.content);
    expect(report.runs).toEqual({ planned: 60, completed: 60, missing: 0 });
    const csv = fromShards.find((f) => f.path.endsWith('results.csv'))!.content;
    expect(csv).not.toMatch(/wallMs|node-\d/);
  });

  it('appends to an existing store, counting runs it holds already as duplicates', () => {
    const shards = writeShards('again', 2);
    mergeStores([shards[0]], at('again', 'all.db'));
    const second = mergeStores(shards, at('again', 'all.db'));
    expect(second).toMatchObject({ campaignsAdded: 0, runsAdded: 30, duplicates: 30, runCount: 60 });
    expect(second.inputs.map((input) => [input.runsAdded, input.duplicates])).toEqual([
      [0, 30],
      [30, 0],
    ]);
  });

  it('reads a shard whose writer never closed it (its runs still in the WAL)', () => {
    const open = ResultStore.open(at('open-shard.db'));
    open.saveCampaign(plan);
    for (const run of plan.runs.slice(0, 7)) open.put(makeRecord(run));
    try {
      expect(existsSync(at('open-shard.db-wal'))).toBe(true);
      expect(mergeStores([at('open-shard.db')], at('from-open.db'))).toMatchObject({ runsAdded: 7, runCount: 7 });
    } finally {
      open.close();
    }
  });

  it('reports a run two shards hold with different trace hashes, naming both workers, and keeps the first', () => {
    const [a, b] = writeShards('conflict', 2);
    const run = plan.runs[12]; // shard 0's, so shard 1 never ran it
    const other = ResultStore.open(b);
    expect(other.put(makeRecord(run, 'node-9:999', 'e'.repeat(64))).stored).toBe(true);
    other.close();
    const summary = mergeStores([a, b], at('conflict', 'all.db'));
    expect(summary.conflicts).toEqual([
      {
        key: run.key,
        configuration: run.configuration,
        seed: run.seed,
        configurationName: 'workers=2',
        kept: { traceHash: makeRecord(run).traceHash, worker: 'node-0:100' },
        refused: { traceHash: 'e'.repeat(64), worker: 'node-9:999' },
        input: b,
      },
    ]);
    expect(summary.runCount).toBe(60);
    expect(storedRecords(at('conflict', 'all.db')).get(run.key)?.worker).toBe('node-0:100');
  });

  it('checks every input before writing anything, and refuses to merge a store into itself', () => {
    const [good] = writeShards('refuse', 1);
    writeFileSync(
      at('refuse', 'junk.db'),
      'not a database at all, just some text that goes on for a while\n'.repeat(20),
    );
    expect(() => mergeStores([good, at('refuse', 'junk.db')], at('refuse', 'all.db'))).toThrow(StoreError);
    expect(existsSync(at('refuse', 'all.db'))).toBe(false);
    expect(() => mergeStores([good, at('refuse', 'nowhere.db')], at('refuse', 'all.db'))).toThrow(
      /nowhere\.db: no such file/,
    );
    expect(() => mergeStores([good], good)).toThrow(/it is also the store merged into/);
  });
});

describe('faultline merge', () => {
  it('prints what it merged and writes the campaign results with --out', async () => {
    const shards = writeShards('cli', 2);
    const r = await faultline(['merge', ...shards, '--into', at('cli', 'all.db'), '--out', at('cli', 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `merged 2 stores into ${at('cli', 'all.db')}: 1 campaign and 60 runs added, 0 duplicates; it holds 60 runs`,
      `  ${shards[0]}  30 runs: 30 added, 0 duplicates`,
      `  ${shards[1]}  30 runs: 30 added, 0 duplicates`,
      `campaign sizing (${plan.campaignKey.slice(0, 12)}): 60 of 60 planned runs stored`,
      `wrote ${at('cli', 'out', 'sweep.json')}`,
      `wrote ${at('cli', 'out', 'sweep.html')}`,
      `wrote ${at('cli', 'out', 'results.csv')}`,
      '',
    ]);
    const expected = buildSweepReport(plan, new Map(plan.runs.map((run) => [run.key, makeRecord(run)])));
    expect(JSON.parse(readFileSync(at('cli', 'out', 'sweep.json'), 'utf8'))).toEqual(expected);
  });

  it('says how many planned runs are missing when a shard was left out', async () => {
    const shards = writeShards('partial', 4);
    const r = await faultline(['merge', shards[0], '--into', at('partial', 'all.db')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `campaign sizing (${plan.campaignKey.slice(0, 12)}): 15 of 60 planned runs stored; 45 missing (a shard not merged, or not finished?)`,
    );
  });

  it('refuses a store whose folder cannot be made, at once (a recursive mkdir under /proc never returned)', async () => {
    const [shard] = writeShards('proc', 1);
    const r = await faultline(['merge', shard, '--into', '/proc/faultline-none/all.db']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('/proc/faultline-none/all.db: cannot create its folder: ENOENT');
  });

  it('exits 4 naming the run when two stores disagree on it', async () => {
    const [a, b] = writeShards('cli-conflict', 2);
    const run = plan.runs[0];
    const other = ResultStore.open(b);
    other.put(makeRecord(run, 'node-7:7', 'd'.repeat(64)));
    other.close();
    const r = await faultline(['merge', a, b, '--into', at('cli-conflict', 'all.db')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      `${at('cli-conflict', 'all.db')}: run ${run.key.slice(0, 12)} ("workers=1", seed 1) gave two results: trace hash ${makeRecord(run).traceHash.slice(0, 12)} by node-0:100 is kept, and dddddddddddd by node-7:7 in ${b} is not.`,
    );
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'faultline: exit 4: 1 run gave different results in different stores (see above); the first result of each was kept',
    );
  });

  it('exits 2 for a file that is not a store, a missing --into, and --out over several campaigns', async () => {
    writeFileSync(at('text.db'), 'plain text\n'.repeat(100));
    const bad = await faultline(['merge', at('text.db'), '--into', at('never.db')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${at('text.db')}: not a SQLite database, so not a faultline result store;`);
    expect(existsSync(at('never.db'))).toBe(false);

    const usage = await faultline(['merge', at('text.db')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '--into <store>' not specified");

    const [first] = writeShards('two-campaigns', 1);
    const [second] = writeShards('two-campaigns-b', 1, makePlan('cap', 2, 2));
    const two = await faultline(['merge', first, second, '--into', at('two.db'), '--out', at('two-out')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('the stores hold 2 campaigns (sizing');
    expect(existsSync(at('two.db'))).toBe(false);
  });
});
