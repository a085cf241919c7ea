import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport } from '../reports/report-schema.js';
import type { Report } from '../reports/report-types.js';
import { plainScenario } from './support/plain-scenario.js';
import { faultline } from './support/run-cli.js';

/**
 * The feed section through `faultline run`: one graph of 2,000 users, the
 * same posts and reads (common random numbers) under each of the five
 * strategies; each run's simulated writes, fetches and cost per second must
 * agree with the analytic ones within ±3σ. No celebrity, so the noise is
 * small enough for a disagreement to show. And a run without a feed
 * service, whose report has no section.
 */
const FEED = `
name: feed-report-run
description: Five fan-out strategies on one follower graph.
seed: 5
duration: 6s
warmup: 1s
topology:
  regions: [dc]
  nodes: { feed: { count: 3 }, users: { count: 1 } }
components:
  feed:
    type: feed-service
    nodes: feed
    strategy: push
    celebrityThreshold: 60
    activeWindow: 800ms
    costs: { write: 1, fetch: 0.5 }
    graph: { users: 2000, meanFollows: 15, postRate: 0.1/s, readRate: 0.5/s }
workloads:
  people: { type: feed-users, nodes: users, target: feed }
variants:
  - { name: push }
  - { name: pull, set: { components.feed.strategy: pull } }
  - { name: hybrid, set: { components.feed.strategy: hybrid } }
  - { name: selective, set: { components.feed.strategy: selective } }
  - { name: active-push, set: { components.feed.strategy: active-push } }
`;

const PLAIN = plainScenario('no-feed');

let work: string;
const at = (...parts: string[]) => join(work, ...parts);
const readReport = (dir: string) => JSON.parse(readFileSync(at(dir, 'report.json'), 'utf8')) as Report;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-feed-report-'));
  writeFileSync(at('feed.yaml'), FEED);
  writeFileSync(at('plain.yaml'), PLAIN);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the feed section of a run', () => {
  it('agrees with the analytic cost of every strategy, and is valid, compared, drawn and summed up', async () => {
    const r = await faultline(['run', at('feed.yaml'), '--out', at('feed')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = readReport('feed');
    const parsed = parseReport(report);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    const runs = report.variants!;
    expect(report.feed).toEqual(runs[0].feed);
    for (const run of runs) {
      const [feed] = run.feed!.services;
      expect(feed.strategy).toBe(run.name);
      // The theory of the run's own strategy, figure by figure.
      for (const row of feed.theory.rows)
        expect(Math.abs(row.z ?? 0), `${run.name}: ${row.label} ${row.simulated} against ${row.analytic}`).toBeLessThan(
          3,
        );
      expect(feed.theory.agrees).toBe(true);
      expect(feed.theory.departures).toEqual([]);
      expect(feed.costPerSec).toBe(feed.theory.rows.find((x) => x.key === 'cost')!.simulated);
    }
    // Every run has the same graph and rates, so the same analytic table; selective is never dearer than push or pull.
    const table = runs[0].feed!.services[0].theory.strategies;
    for (const run of runs) expect(run.feed!.services[0].theory.strategies).toEqual(table);
    const cost = Object.fromEntries(table.map((s) => [s.strategy, s.costPerSec]));
    expect(cost.selective).toBeLessThanOrEqual(Math.min(cost.push, cost.pull));
    // Common random numbers: the same posts and reads whatever the strategy.
    expect(new Set(runs.map((run) => run.feed!.services[0].posts)).size).toBe(1);
    const [push, pull] = runs.map((run) => run.feed!.services[0]);
    expect(push.fetches).toBe(0);
    expect(pull.timelineWrites).toBe(0);
    expect(pull.visibility.maxUs).toBe(0);
    expect(push.graph.fit).not.toBeNull();

    const row = (key: string) => report.comparison!.rows.find((x) => x.key === key)?.values;
    expect(row('feed-cost-per-sec')).toEqual(runs.map((run) => run.feed!.services[0].costPerSec));
    expect(row('feed-writes-per-sec')).toEqual(runs.map((run) => run.feed!.services[0].timelineWritesPerSec));

    const html = readFileSync(at('feed', 'report.html'), 'utf8');
    expect(html).toContain('<section id="feed">');
    for (const chart of ['timeline-writes', 'backlog', 'visibility', 'degree-distribution']) {
      expect(html).toContain(`id="chart-feed-${chart}-feed"`);
      expect(readFileSync(at('feed', `feed-${chart}-feed.svg`), 'utf8')).toContain('<svg');
    }
    // Long lines wrap at the terminal's width, continued two spaces in.
    const stdout = r.stdout.replaceAll('\n  ', ' ');
    expect(stdout).toMatch(
      /^feed \(push\): [\d.]+ posts\/s, [\d,]+ timeline writes\/s \([\d.]+ per post\), [\d.]+ reads\/s, 0 fetches per read, visible p99 [\d.]+m?s, cost [\d,.]+\/s \(theory [\d,.]+ ± [\d,.]+\)$/m,
    );
    // Pull shows a post to every follower the moment it is stored: "at once", not "0µs".
    expect(stdout).toMatch(/^feed \(pull\): .* visible at once, cost [\d,.]+\/s \(theory [\d,.]+ ± [\d,.]+\)$/m);
    expect(html).toContain('at once<br><span class="muted small">pulled: visible once stored;');
  }, 60_000);

  it('is absent from a run without a feed service', async () => {
    const r = await faultline(['run', at('plain.yaml'), '--out', at('plain')]);
    expect(r.code).toBe(0);
    expect(readReport('plain')).not.toHaveProperty('feed');
    expect(readFileSync(at('plain', 'report.html'), 'utf8')).not.toContain('<section id="feed">');
    expect(r.stdout).not.toContain('timeline writes');
  }, 60_000);
});
