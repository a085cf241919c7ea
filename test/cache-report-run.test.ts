import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport } from '../reports/report-schema.js';
import { REPORT_FORMAT_VERSION, type Report } from '../reports/report-types.js';
import { plainScenario } from './support/plain-scenario.js';
import { faultline } from './support/run-cli.js';

/**
 * The cache section through `faultline run`: a cache in front of a two-shard
 * kv-store, LRU against FIFO, the cache node crashed for half a second; and a
 * run without a cache, whose report has no section and is read back as a
 * format 5 one.
 */
const CACHED = `
name: cache-report-run
description: A cache in front of a kv-store; its node crashes at 2 s.
seed: 7
duration: 3s
warmup: 1s
topology:
  regions: [dc]
  nodes: { cache: { count: 1 }, db: { count: 2 }, client: { count: 1 } }
components:
  db: { type: kv-store, nodes: db, keys: { count: 200 } }
  front: { type: cache, nodes: cache, backend: db, capacity: 50, keyClasses: [{ name: hot, keys: [1, 10] }] }
workloads:
  users: { type: poisson, nodes: client, target: front, rate: 300/s, keys: { count: 200, zipf: 1 } }
faults:
  timeline:
    - { at: 2s, action: crash, nodes: [cache-1], for: 500ms }
variants:
  - { name: lru }
  - { name: fifo, set: { components.front.policy: fifo } }
`;

const PLAIN = plainScenario('no-cache');

let work: string;
const at = (...parts: string[]) => join(work, ...parts);
const readReport = (dir: string) => JSON.parse(readFileSync(at(dir, 'report.json'), 'utf8')) as Report;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-cache-report-'));
  writeFileSync(at('cached.yaml'), CACHED);
  writeFileSync(at('plain.yaml'), PLAIN);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the cache section of a run', () => {
  it('is in every run with a cache, valid, compared across variants, drawn, and summed up in the terminal', async () => {
    const r = await faultline(['run', at('cached.yaml'), '--out', at('cached')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = readReport('cached');
    expect(report.format).toBe(REPORT_FORMAT_VERSION);
    const parsed = parseReport(report);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);

    const [lru, fifo] = report.variants!;
    expect(report.caches).toEqual(lru.caches);
    for (const run of [lru, fifo]) {
      const { caches, databases, measuredFromUs } = run.caches!;
      expect(measuredFromUs).toBe(1_000_000);
      expect(caches.map((c) => [c.component, c.role])).toEqual([['front', 'cache']]);
      expect(databases.map((d) => d.component)).toEqual(['db']);
      const [front] = caches;
      const [db] = databases;
      // Every read the cache answered is a lookup; some were sent before the warm-up ended or to the crashed node.
      expect(front.lookups).toBeGreaterThan(300);
      expect(front.lookups).toBeLessThan(run.metrics.requests.sent);
      expect(front.hitRatio).toBeGreaterThan(0.3);
      expect(front.hitRatio).toBeLessThan(0.9);
      expect(front.keyClasses.map((k) => k.name)).toEqual(['hot', 'other']);
      expect(front.keyClasses[0].lookups + front.keyClasses[1].lookups).toBe(front.lookups);
      // The hot keys hit more often than the rest.
      expect(front.keyClasses[0].hitRatio!).toBeGreaterThan(front.keyClasses[1].hitRatio!);
      // Each miss is one fill from the database, which serves nobody else (a window's edge may split a pair).
      expect(Math.abs(db.reads - front.backend.requests)).toBeLessThanOrEqual(5);
      expect(front.peakEntries).toBe(50);
      expect(front.timeline.hitRatio).toHaveLength(run.metrics.timeline.length);
    }
    expect(fifo.caches!.caches[0].hitRatio).not.toBe(lru.caches!.caches[0].hitRatio);

    const row = (key: string) => report.comparison!.rows.find((x) => x.key === key)?.values;
    expect(row('hit-ratio-front')).toEqual([lru, fifo].map((run) => run.caches!.caches[0].hitRatio));
    expect(row('database-load-db')).toEqual([lru, fifo].map((run) => run.caches!.databases[0].perSec));
    // No write, so no stale read or lost write can happen: no rows of zeros.
    expect(row('cache-stale-reads')).toBeUndefined();
    expect(row('cache-lost-writes')).toBeUndefined();

    const html = readFileSync(at('cached', 'report.html'), 'utf8');
    expect(html).toContain('<section id="caches">');
    expect(html).toContain('id="chart-caches-hit-ratio-front"');
    expect(html).toContain('id="chart-caches-database-load-db"');
    expect(readFileSync(at('cached', 'caches-hit-ratio-front.svg'), 'utf8')).toContain('crash cache-1');

    expect(r.stdout).toMatch(/^lru: front: hit ratio [\d.]+% \(bytes [\d.]+%\), [\d.]+\/s behind it, 0 stale reads$/m);
    expect(r.stdout).toMatch(/^fifo: db: [\d.]+\/s reads \+ writes, peak [\d.]+\/s at [\d.]+s$/m);

    // The caches' results are folded into the trace hash, and a replay reproduces them.
    const replay = await faultline(['replay', at('cached', 'report.json')]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`lru: identical: trace hash ${lru.traceHash}`);
    expect(replay.stdout).toContain(`fifo: identical: trace hash ${fifo.traceHash}`);
  }, 60_000);

  it('is absent from a run without a cache, whose report is read back as format 5 too', async () => {
    expect((await faultline(['run', at('plain.yaml'), '--out', at('plain')])).code).toBe(0);
    const report = readReport('plain');
    expect(report).not.toHaveProperty('caches');
    expect(readFileSync(at('plain', 'report.html'), 'utf8')).not.toContain('<section id="caches">');

    writeFileSync(at('format5.json'), JSON.stringify({ ...report, format: 5 }));
    const r = await faultline(['report', at('format5.json'), '--out', at('format5-out')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const again = readReport('format5-out');
    expect(again.format).toBe(REPORT_FORMAT_VERSION);
    expect(again.metrics).toEqual(report.metrics);
  }, 60_000);
});
