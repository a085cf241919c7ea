import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { cacheLines } from '../cli/cache-summary.js';
import { CacheLog } from '../models/measure/cache-log.js';
import { cachesReport } from '../reports/caches/cache-report.js';
import { cacheHitRatioCharts } from '../reports/charts/cache-hit-ratio.js';
import { databaseLoadCharts } from '../reports/charts/database-load.js';
import { renderCharts } from '../reports/charts/index.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { parseReport } from '../reports/report-schema.js';
import type { Report, RunOutcome } from '../reports/report-types.js';
import { sampleReport } from './fixtures/sample-report.js';

const SECOND_US = 1_000_000;
const at = (seconds: number) => seconds * SECOND_US;

/**
 * A hand-filled log over `windows` one-second windows, as a cache in front of
 * a database would fill it. In every window from 2 s on: 6 lookups of hot
 * keys (100 B, all hits) and 4 of cold keys (1000 B, one hit); before, 10
 * misses (the warm-up, left out of the totals). Three fills a window and 7
 * more at 5 s, 2 stale reads at 4 s, 5 evictions in the warm-up and 3 at
 * 6 s, 100 entries (10 kB) held from 0.5 s and 40 of them freed at 6.5 s.
 * The database serves a read a window, and 20 reads and 5 writes more at 7 s.
 */
function handLog(windows: number, lostWrites = 2) {
  const log = new CacheLog(SECOND_US, windows);
  const cache = log.cache('front', 'cache', ['hot', 'cold']);
  const db = log.database('db');
  for (let w = 0; w < windows; w++) {
    const t = at(w) + 100_000;
    for (let i = 0; i < 10; i++) {
      if (w < 2) cache.lookup(t, 1000 + i, 100, false, 0);
      else if (i < 6) cache.lookup(t, i + 1, 100, true, 0);
      else cache.lookup(t, 100 + i, 1000, i === 6, 1);
    }
    for (let i = 0; i < 3; i++) cache.backendRequest(t, 1000);
    db.served(t, false);
  }
  for (let i = 0; i < 7; i++) cache.backendRequest(at(5.5), 1000);
  cache.staleRead(at(4.2));
  cache.staleRead(at(4.3));
  cache.evicted(at(1.5), 5);
  cache.evicted(at(6.2), 3);
  cache.memoryChanged(at(0.5), 100, 10_000);
  cache.memoryChanged(at(6.5), -40, -4000);
  cache.writes = 5;
  cache.lostWrites = lostWrites;
  cache.count('coalesced', 4);
  for (let i = 0; i < 20; i++) db.served(at(7.5), false);
  for (let i = 0; i < 5; i++) db.served(at(7.5), true);
  return log;
}

const windowsOf = (n: number) => Array.from({ length: n }, (_, w) => ({ startUs: at(w), endUs: at(w + 1) }));

/** The sample report with a cache section per run, the i-th run losing i writes. */
function withCaches(report: Report): Report {
  const runs: RunOutcome[] = report.variants ?? [report];
  runs.forEach((run, i) => {
    run.caches = cachesReport(handLog(run.metrics.timeline.length, i), run.metrics.timeline, at(2));
  });
  if (report.variants) report.caches = report.variants[0].caches;
  return report;
}

describe('the cache section', () => {
  it('counts the windows after the warm-up in its totals and ratios, and every window in its timelines', () => {
    const r = cachesReport(handLog(10), windowsOf(10), at(2))!;
    expect(r.measuredFromUs).toBe(at(2));
    const [cache] = r.caches;
    expect(cache).toMatchObject({
      component: 'front',
      role: 'cache',
      lookups: 80,
      hits: 56,
      hitRatio: 0.7,
      bytesRequested: 8 * 4600,
      bytesHit: 8 * 1600,
      byteHitRatio: Number((1600 / 4600).toFixed(6)),
      backend: { requests: 31, bytes: 31_000, perSec: 3.875, peakPerSec: 10 },
      staleReads: 2,
      staleReadRate: 0.025,
      evictions: 3,
      expiries: 0,
      peakEntries: 100,
      peakBytes: 10_000,
      entriesAtEnd: 60,
      bytesAtEnd: 6000,
      writes: 5,
      lostWrites: 2,
      details: { coalesced: 4 },
    });
    expect(cache.keyClasses).toEqual([
      { name: 'hot', lookups: 48, hits: 48, hitRatio: 1, bytesRequested: 4800, byteHitRatio: 1 },
      { name: 'cold', lookups: 32, hits: 8, hitRatio: 0.25, bytesRequested: 32_000, byteHitRatio: 0.25 },
    ]);
    expect(cache.timeline.hitRatio).toEqual([0, 0, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]);
    expect(cache.timeline.backendPerSec).toEqual([3, 3, 3, 3, 3, 10, 3, 3, 3, 3]);
    expect(cache.timeline.evictions).toEqual([0, 5, 0, 0, 0, 0, 3, 0, 0, 0]);
    // Held from 0.5 s: 100 entries in every window until 40 leave at 6.5 s, 60 after.
    expect(cache.timeline.peakEntries).toEqual([100, 100, 100, 100, 100, 100, 100, 60, 60, 60]);

    const [db] = r.databases;
    expect(db).toMatchObject({ component: 'db', reads: 28, writes: 5, perSec: 4.125, peakPerSec: 26, peakAtUs: at(7) });
    expect(db.timeline.perSec).toEqual([1, 1, 1, 1, 1, 1, 1, 26, 1, 1]);
  });

  it('leaves a window the warm-up ends in out whole, has no ratio without lookups, and is absent without caches', () => {
    const r = cachesReport(handLog(4), windowsOf(4), at(1.5))!;
    expect(r.measuredFromUs).toBe(at(2));
    expect(r.caches[0].lookups).toBe(20);
    const idle = new CacheLog(SECOND_US, 3);
    idle.cache('edge', 'cdn-edge');
    const empty = cachesReport(idle, windowsOf(3), 0)!.caches[0];
    expect([empty.hitRatio, empty.byteHitRatio, empty.staleReadRate]).toEqual([null, null, null]);
    expect(empty.keyClasses).toEqual([
      { name: 'all', lookups: 0, hits: 0, hitRatio: null, bytesRequested: 0, byteHitRatio: null },
    ]);
    expect(empty.timeline.hitRatio).toEqual([null, null, null]);
    expect(cachesReport(new CacheLog(SECOND_US, 3), windowsOf(3), 0)).toBeUndefined();
  });

  it("sums a CDN's tiers into what got past each and what the origin never saw", () => {
    const log = new CacheLog(SECOND_US, 2);
    const tiers = [
      log.cache('edge-a', 'cdn-edge'),
      log.cache('edge-b', 'cdn-edge'),
      log.cache('mid', 'cdn-regional'),
      log.cache('shield', 'cdn-shield'),
    ];
    // 100 client lookups of 1 kB on each edge; 60 fills of them in all to mid, 30 on to the shield, 10 to the origin.
    for (const edge of tiers.slice(0, 2)) for (let i = 0; i < 100; i++) edge.lookup(at(1.5), i, 1000, i >= 30);
    for (let i = 0; i < 60; i++) tiers[i < 30 ? 0 : 1].backendRequest(at(1.5), 1000);
    for (let i = 0; i < 30; i++) tiers[2].backendRequest(at(1.5), 1000);
    for (let i = 0; i < 10; i++) tiers[3].backendRequest(at(1.5), 2000);
    const cdn = cachesReport(log, windowsOf(2), at(1))!.cdn!;
    expect(cdn.clientRequests).toBe(200);
    expect(cdn.tiers.map((t) => [t.component, t.pastShare])).toEqual([
      ['edge-a', 0.15],
      ['edge-b', 0.15],
      ['mid', 0.15],
      ['shield', 0.05],
    ]);
    expect(cdn.originOffload).toBe(0.95);
    expect(cdn.originByteOffload).toBe(0.9);
    expect(cdn.originEgressBytesPerSec).toBe(20_000);
    expect(cachesReport(handLog(4), windowsOf(4), 0)!.cdn).toBeUndefined();
  });

  it('round-trips through report.json, and a timeline without one entry a window is refused', () => {
    const report = withCaches(sampleReport({ variants: true }));
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(parsed.ok && parsed.report.variants![1].caches).toEqual(report.variants![1].caches);

    const damaged = JSON.parse(JSON.stringify(report));
    damaged.variants[1].caches.caches[0].timeline.hitRatio.pop();
    damaged.caches.databases[0].timeline.perSec.push(1);
    const windows = report.metrics.timeline.length;
    const refused = parseReport(damaged);
    expect(refused.ok ? [] : refused.problems).toEqual([
      `caches.databases[0].timeline.perSec: expected ${windows} entries, one a window of metrics.timeline, got ${windows + 1}`,
      `variants[1].caches.caches[0].timeline.hitRatio: expected ${windows} entries, one a window of metrics.timeline, got ${windows - 1}`,
    ]);
  });

  it('renders a table per cache and database with the variants side by side, and their charts inside the section', () => {
    const report = withCaches(sampleReport({ variants: true }));
    const html = renderHtmlReport(report, renderCharts(report));
    const start = html.indexOf('<section id="caches">');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('<h2>Caches</h2>');
    expect(section).toContain('front <span class="muted">(cache)</span>');
    for (const variant of report.variants!) expect(section).toContain(variant.name);
    expect(section).toContain('70.00%<br><span class="muted small">406 hits of 580 lookups</span>');
    expect(section).toContain('<td>hit ratio: cold</td>');
    expect(section).toContain('3.12/s<br><span class="muted small">peak 10/s in a window; 181 requests, 181 KB</span>');
    expect(section).toContain('<td>writes, lost</td><td class="num">0<br>');
    expect(section).toContain(
      '<strong class="bad">2</strong><br><span class="muted small">of 5 writes accepted</span>',
    );
    expect(section).toContain('<td>coalesced</td>');
    expect(section).toContain('1.43/s<br><span class="muted small">78 reads, 5 writes</span>');
    expect(section).toContain('id="chart-caches-hit-ratio-front"');
    expect(section).toContain('id="chart-caches-database-load-db"');
    // Drawn in its section only, not among the main charts.
    expect(html.split('id="chart-caches-hit-ratio-front"')).toHaveLength(2);
  });

  it('draws variants with the same hit ratios as one line named after all of them, with the faults shaded', () => {
    const report = withCaches(sampleReport({ variants: true }));
    const [first, second, third] = report.variants!;
    third.caches!.caches[0].timeline.hitRatio[5] = 0.1;
    const [chart] = cacheHitRatioCharts(report);
    expect(chart.svg).toContain(`${first.name} = ${second.name}`);
    expect(chart.svg).toContain(`>${third.name}<`);
    expect(chart.svg).toContain('fault: crash');
  });

  it('draws variants whose lines would lie on each other as one line, and lines a pixel apart as two', () => {
    const report = withCaches(sampleReport({ variants: true }));
    const [first, second, third] = report.variants!;
    // 0.02 points off on a 0–100% scale: no eye tells them apart. 3 points off: a visible line of its own.
    second.caches!.caches[0].timeline.hitRatio[4] = 0.7002;
    third.caches!.caches[0].timeline.hitRatio[4] = 0.73;
    const [chart] = cacheHitRatioCharts(report);
    expect(chart.svg).toContain(`${first.name} = ${second.name}`);
    expect(chart.svg).toContain(`>${third.name}<`);
    // The third lies on the first everywhere but one window: dashed, so the first shows through.
    expect(chart.svg).toContain('stroke-dasharray');
    third.caches!.caches[0].timeline.hitRatio = third.caches!.caches[0].timeline.hitRatio.map((r) => r! / 2);
    expect(cacheHitRatioCharts(report)[0].svg).not.toContain('stroke-dasharray');
    // The database load is scaled by its busiest window: 26/s, so 0.1/s is within a pixel and 1/s is not.
    second.caches!.databases[0].timeline.perSec[3] += 0.1;
    third.caches!.databases[0].timeline.perSec[3] += 1;
    const [load] = databaseLoadCharts(report);
    expect(load.svg).toContain(`${first.name} = ${second.name}`);
    expect(load.svg).toContain(`>${third.name}<`);
  });

  it('leaves out what has nothing to show and writes model counters in words, bytes as bytes', () => {
    const report = withCaches(sampleReport({ variants: true }));
    for (const run of report.variants!) {
      const cache = run.caches!.caches[0];
      cache.keyClasses.push({
        name: 'other',
        lookups: 0,
        hits: 0,
        hitRatio: null,
        bytesRequested: 0,
        byteHitRatio: null,
      });
      Object.assign(cache.details, {
        pushedBytes: 80_052_344,
        staleServedAfterPurge: 3,
        hotKeyExpiries: 4,
        hotKeyFetches: 10,
      });
      run.caches!.sharding = [
        {
          component: 'db',
          scheme: 'ring',
          nodes: 1,
          keys: 1000,
          before: { shardNodes: [0], keysPerShard: [1000], shares: [1], keyShareCv: 0, expectedRingCv: 0 },
          after: null,
          reshard: null,
          load: {
            servedPerShard: [33],
            imbalanceBefore: 1,
            imbalanceAfter: null,
            perSecBefore: 4,
            perSecDuringMigration: null,
            timelinePerSec: [run.caches!.databases[0].timeline.perSec],
          },
        },
      ];
    }
    const html = renderHtmlReport(report, []);
    expect(html).toContain('<td>hit ratio: cold</td>');
    expect(html).not.toContain('hit ratio: other');
    // One shard and no reshard: no spread, move or imbalance to show.
    expect(html).not.toContain('(sharding)');
    expect(html).toContain('<td>stale served after purge</td>');
    expect(html).toContain('<td>pushed bytes</td><td class="num">80.1 MB</td>');
    expect(html).toContain('<td>backend fetches per hot-key expiry</td><td class="num">2.50</td>');
    expect(cacheLines(report, pc.createColors(false))[0]).toContain(', 2.50 fetches per hot-key expiry');
    // Fetches of the hot key with no expiry of it (writes invalidated it) are no load per expiry.
    for (const run of report.variants!) run.caches!.caches[0].details.hotKeyExpiries = 0;
    const noExpiry = renderHtmlReport(report, []);
    expect(noExpiry).not.toContain('hot key fetches');
    expect(noExpiry).not.toContain('per hot-key expiry');
  });

  it('shows the sharding figures and the cache and CDN theory beside the simulated values when a run has them', () => {
    const report = withCaches(sampleReport());
    const windows = report.metrics.timeline.length;
    const spread = (shares: number[]) => ({
      shardNodes: shares.map((_, n) => n),
      keysPerShard: shares.map((x) => x * 1000),
      shares,
      keyShareCv: 0.1,
      expectedRingCv: 0.09,
    });
    report.caches!.sharding = [
      {
        component: 'db',
        scheme: 'ring',
        nodes: 2,
        keys: 1000,
        before: spread([0.45, 0.55]),
        after: null,
        reshard: null,
        load: {
          servedPerShard: [450, 550],
          imbalanceBefore: 1.1,
          imbalanceAfter: null,
          perSecBefore: 20,
          perSecDuringMigration: null,
          timelinePerSec: [new Array<number>(windows).fill(9), new Array<number>(windows).fill(11)],
        },
      },
    ];
    report.caches!.cdnTheory = {
      note: "Che's approximation tier by tier",
      origin: 'db',
      tiers: [
        {
          component: 'front',
          tier: 'edge',
          method: "Che's approximation (LRU)",
          approximate: false,
          requestRatePerSec: 10,
          hitRatio: { theory: 0.71, simulated: 0.7 },
          byteHitRatio: { theory: 0.35, simulated: 0.347826 },
        },
      ],
      originOffload: { theory: 0.71, simulated: 0.7 },
      originByteOffload: { theory: 0.35, simulated: 0.347826 },
      originBytesPerSec: 3000,
    };
    report.caches!.theory = [
      {
        component: 'front',
        policy: 'lru',
        ttlMode: null,
        method: "Che's approximation (LRU)",
        note: null,
        nodes: 1,
        keys: 1000,
        zipf: 0.8,
        capacity: 100,
        ttlUs: null,
        requestRatePerSec: 10,
        characteristicTimeUs: 2_500_000,
        rows: [{ key: 'hit-ratio', label: 'hit ratio', simulated: 0.7, theory: 0.705, difference: -0.005 }],
      },
    ];
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    const damaged = JSON.parse(JSON.stringify(report));
    damaged.caches.sharding[0].load.timelinePerSec[1].pop();
    const refused = parseReport(damaged);
    expect(refused.ok ? [] : refused.problems).toEqual([
      `caches.sharding[0].load.timelinePerSec[1]: expected ${windows} entries, one a window of metrics.timeline, got ${windows - 1}`,
    ]);

    const html = renderHtmlReport(report, []);
    expect(html).toContain('db <span class="muted">(sharding)</span>');
    expect(html).toContain(
      'CV 0.10<br><span class="muted small">ring&#39;s expected CV 0.09; 2 shards: 45.0%, 55.0%</span>',
    );
    expect(html).not.toContain('keys moved');
    expect(html).toContain('<h3>Theory: caches</h3>');
    expect(html).toContain(
      '1,000 keys, Zipf 0.80; 100 entries; 10/s per node; T 2.50s</span></td><td>Che&#39;s approximation (LRU)</td><td>hit ratio</td><td class="num">70.50%</td><td class="num">70.00%</td><td class="num">-0.50 pt</td>',
    );
    expect(html).toContain('<h3>Theory: CDN tiers</h3>');
    expect(html).toContain('<td class="num">71.00%</td><td class="num">70.00%</td>');
    expect(html).toContain('egress 3 KB/s in theory');
  });

  it('is left out of a report without caches', () => {
    const report = sampleReport();
    expect(renderHtmlReport(report, renderCharts(report))).not.toContain('<section id="caches">');
    expect(cacheLines(report, pc.createColors(false))).toEqual([]);
  });

  it('gives a line a person reads per cache and database and run in the terminal', () => {
    const lines = cacheLines(withCaches(sampleReport({ variants: true })), pc.createColors(false));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      /^[\w-]+: front: hit ratio 70\.00% \(bytes 34\.78%\), 3\.12\/s behind it, 2 stale reads, 0 lost writes$/,
    );
    expect(lines[1]).toMatch(/^[\w-]+: db: 1\.43\/s reads \+ writes, peak 26\/s at 7\.000s$/);
    expect(lines[4]).toContain('2 lost writes');
  });
});
