import { cacheHitRatioChartId } from './charts/cache-hit-ratio.js';
import { databaseLoadChartId } from './charts/database-load.js';
import type { Chart } from './charts/index.js';
import {
  formatBytes,
  formatCount,
  formatDurationUs,
  formatNumber,
  formatPercent,
  formatRatePerSec,
  formatTimestampUs,
  MISSING,
} from './format.js';
import {
  badCount,
  detail,
  escapeHtml,
  figure,
  range,
  runsWith,
  section,
  table,
  type NamedRun,
} from './html-elements.js';
import type {
  CacheComponentReport,
  CachesReport,
  CdnOffloadReport,
  DatabaseLoadReport,
  Report,
  ShardingReport,
  ShardSpreadReport,
} from './report-types.js';

/**
 * The Caches section: per cache (a cache tier, a CDN tier) a table with the
 * runs side by side — hit ratio and byte hit ratio, per key class, the load
 * it put behind it, stale reads, evictions and expiries, memory, lost
 * writes, the model's own counters — and its hit-ratio chart; then per
 * database its load and chart.
 */
export function cachesSection(report: Report, charts: Chart[]): string {
  const runs = runsWith(report, (r) => r.caches !== undefined);
  if (runs.length === 0) return '';
  const sections = runs.map((r) => r.caches!);
  const measuredFrom = sections[0].measuredFromUs;
  const parts = [
    `<p>Over the windows from ${escapeHtml(formatTimestampUs(measuredFrom))} (the end of the warm-up, to a window) to the end of the run; the charts show every window. <strong>Hit ratio</strong>: lookups answered from the cache, of all lookups (reads; writes are not lookups). <strong>Byte hit ratio</strong>: the same share of the bytes requested. <strong>Behind the cache</strong>: requests it sent to the next tier or the database (fills, write-throughs, flushes). <strong>Stale reads</strong>: reads answered with a value older than a write acknowledged before the read arrived (or a copy a purge had replaced). <strong>Lost writes</strong> (over the whole run): writes the cache accepted and a crash lost before they reached the database.</p>`,
  ];
  for (const component of names(sections, (s) => s.caches.map((c) => c.component))) {
    const cells = sections.map((s) => s.caches.find((c) => c.component === component));
    const role = cells.find((c) => c !== undefined)!.role;
    parts.push(
      `<h3>${escapeHtml(component)} <span class="muted">(${escapeHtml(role)})</span></h3>`,
      table(['', ...runs.map((r) => r.name)], cacheRows(cells), range(1, runs.length + 1), {
        columnPerVariant: true,
      }),
    );
    const chart = charts.find((c) => c.id === cacheHitRatioChartId(component));
    if (chart !== undefined) parts.push(figure(chart));
  }
  for (const component of names(sections, (s) => s.databases.map((d) => d.component))) {
    const cells = sections.map((s) => s.databases.find((d) => d.component === component));
    parts.push(
      `<h3>${escapeHtml(component)} <span class="muted">(database load)</span></h3>`,
      table(['', ...runs.map((r) => r.name)], databaseRows(cells), range(1, runs.length + 1), {
        columnPerVariant: true,
      }),
    );
    const chart = charts.find((c) => c.id === databaseLoadChartId(component));
    if (chart !== undefined) parts.push(figure(chart));
  }
  for (const component of names(sections, (s) => (s.sharding ?? []).map((x) => x.component))) {
    const cells = sections.map((s) => s.sharding?.find((x) => x.component === component));
    // A store of one shard that no run reshards has no spread, moves or imbalance to show.
    if (cells.every((x) => x === undefined || (x.before.shardNodes.length <= 1 && x.reshard === null))) continue;
    parts.push(
      `<h3>${escapeHtml(component)} <span class="muted">(sharding)</span></h3>`,
      '<p class="note">Key spread: the keys 1..count each shard holds (uniform keys); CV, their standard deviation over their mean. Load imbalance: the most operations a shard served over the mean, as measured (Zipf keys have no formula for it).</p>',
      table(['', ...runs.map((r) => r.name)], shardingRows(cells), range(1, runs.length + 1), {
        columnPerVariant: true,
      }),
    );
  }
  const cdn = sections.map((s) => s.cdn);
  if (cdn.some((x) => x !== undefined))
    parts.push(
      '<h3>CDN: what reaches the origin</h3>',
      "<p class=\"note\">Client requests are the edges' lookups; each tier's row is the share of them (and of their bytes) it sent on to the tier behind it. Origin offload: the share the origin never saw. Origin egress: the bytes it sent to fill the tier in front of it (pushed content is that tier's pushed bytes).</p>",
      table(['', ...runs.map((r) => r.name)], cdnRows(cdn), range(1, runs.length + 1), { columnPerVariant: true }),
    );
  if (runs.some((run) => run.caches!.theory !== undefined)) parts.push(cacheTheoryTable(runs));
  for (const run of runs) if (run.caches!.cdnTheory !== undefined) parts.push(cdnTheoryTable(run, runs.length > 1));
  return section('caches', 'Caches', parts.join('\n'));
}

/**
 * Every run's caches that the closed-form theory describes, a row per figure:
 * what the formula assumes (keys, Zipf exponent, capacity and requests per
 * node, its characteristic time T), its value, the simulated one and the
 * difference; a policy without a formula says so instead.
 */
function cacheTheoryTable(runs: NamedRun[]): string {
  const named = runs.length > 1;
  const rows: string[][] = [];
  for (const run of runs)
    for (const check of run.caches!.theory ?? []) {
      const assumes = [
        `${formatCount(check.keys)} keys, ${check.zipf === null ? 'mixed popularity' : check.zipf === 0 ? 'uniform' : `Zipf ${formatNumber(check.zipf)}`}`,
        check.capacity === null ? 'no capacity limit' : `${formatCount(check.capacity)} entries`,
        ...(check.ttlUs === null ? [] : [`TTL ${formatDurationUs(check.ttlUs)} (${check.ttlMode ?? 'fixed'})`]),
        `${formatRatePerSec(check.requestRatePerSec)} per node${check.nodes > 1 ? ` of ${check.nodes}` : ''}`,
        ...(check.characteristicTimeUs === null ? [] : [`T ${formatDurationUs(check.characteristicTimeUs)}`]),
      ];
      for (const r of check.rows)
        rows.push([
          ...(named ? [escapeHtml(run.name)] : []),
          `${escapeHtml(check.component)}${detail(assumes.join('; '))}`,
          `${escapeHtml(check.method ?? check.policy)}${check.note === null ? '' : detail(check.note)}`,
          escapeHtml(r.label),
          escapeHtml(formatPercent(r.theory)),
          escapeHtml(formatPercent(r.simulated)),
          escapeHtml(
            r.difference === null ? MISSING : `${r.difference >= 0 ? '+' : ''}${(r.difference * 100).toFixed(2)} pt`,
          ),
        ]);
    }
  const first = named ? 4 : 3;
  return `<h3>Theory: caches</h3>
<p class="note">Caches fed by independent requests of fixed popularity (Poisson, no writes, no faults), per node: Che&#39;s approximation for LRU, h = q·T/(1+q·T) for FIFO and random, the static top C for perfect LFU, the exact TTL formulas; T solves Σ h = C. Simulated over the measured windows; the difference is in percentage points.</p>
${table([...(named ? ['variant'] : []), 'cache', 'method', 'figure', 'theory', 'simulated', 'difference'], rows, range(first, first + 3))}`;
}

/** Theory beside the simulated values, tier by tier, for one run. */
function cdnTheoryTable(run: NamedRun, named: boolean): string {
  const t = run.caches!.cdnTheory!;
  const pair = (x: { theory: number; simulated: number | null }) => [
    escapeHtml(formatPercent(x.theory)),
    escapeHtml(formatPercent(x.simulated)),
  ];
  const rows = t.tiers.map((tier) => [
    `${escapeHtml(tier.component)} <span class="muted">(${escapeHtml(tier.tier)})</span>`,
    `${escapeHtml(tier.method)}${tier.approximate ? detail('fed by a miss stream: an approximation') : ''}`,
    escapeHtml(formatRatePerSec(tier.requestRatePerSec)),
    ...pair(tier.hitRatio),
    ...pair(tier.byteHitRatio),
  ]);
  rows.push([
    `${escapeHtml(t.origin)} <span class="muted">(origin offload)</span>`,
    escapeHtml(`egress ${formatBytes(t.originBytesPerSec)}/s in theory`),
    MISSING,
    ...pair(t.originOffload),
    ...pair(t.originByteOffload),
  ]);
  const heading = `Theory: CDN tiers${named ? ` <span class="muted">(${escapeHtml(run.name)})</span>` : ''}`;
  return `<h3>${heading}</h3>\n<p class="note">${escapeHtml(t.note)}</p>\n${table(
    ['tier', 'method', 'arrivals', 'hit ratio: theory', 'simulated', 'byte hit ratio: theory', 'simulated'],
    rows,
    range(2, 7),
  )}`;
}

/** The CDN's pass-through per tier and the origin's offload and egress, the runs side by side. */
function cdnRows(cells: (CdnOffloadReport | undefined)[]): string[][] {
  const { rows, row, present } = rowsOf(cells);
  const tiers: string[] = [];
  for (const c of present) for (const t of c.tiers) if (!tiers.includes(t.component)) tiers.push(t.component);
  row('client requests', (c) => `${escapeHtml(formatCount(c.clientRequests))}${detail(formatBytes(c.clientBytes))}`);
  for (const component of tiers)
    row(`past ${component}`, (c) => {
      const t = c.tiers.find((x) => x.component === component);
      return t === undefined
        ? MISSING
        : `${escapeHtml(formatPercent(t.pastShare))}${detail(`${formatPercent(t.pastByteShare)} of bytes`)}`;
    });
  row(
    'origin offload',
    (c) => `${escapeHtml(formatPercent(c.originOffload))}${detail(`${formatPercent(c.originByteOffload)} of bytes`)}`,
  );
  row('origin egress', (c) =>
    c.originEgressBytesPerSec === null ? MISSING : escapeHtml(`${formatBytes(c.originEgressBytesPerSec)}/s`),
  );
  return rows;
}

/** Per kv-store, the runs side by side: key spread, a reshard's moves and migration, per-shard load. */
function shardingRows(cells: (ShardingReport | undefined)[]): string[][] {
  const { rows, row, any } = rowsOf(cells);
  const shares = (spread: ShardSpreadReport) =>
    spread.shardNodes.map((n) => formatPercent(spread.shares[n], 1)).join(', ');
  const spread = (spread: ShardSpreadReport) =>
    `${escapeHtml(`CV ${formatNumber(spread.keyShareCv)}`)}${detail(
      `${spread.expectedRingCv === null ? '' : `ring's expected CV ${formatNumber(spread.expectedRingCv)}; `}${spread.shardNodes.length} shard${spread.shardNodes.length === 1 ? '' : 's'}: ${shares(spread)}`,
    )}`;
  row('scheme', (x) => escapeHtml(`${x.scheme}, ${formatCount(x.keys)} keys`));
  row('key spread', (x) => spread(x.before));
  row(
    'key spread after the reshard',
    (x) => (x.after === null ? MISSING : spread(x.after)),
    any((x) => x.after !== null),
  );
  row(
    'keys moved',
    (x) =>
      x.reshard === null
        ? MISSING
        : `${escapeHtml(formatPercent(x.reshard.movedFraction))}${detail(
            `${formatCount(x.reshard.keysMoved)} keys${x.reshard.expectedMovedFraction === null ? '' : `; expected ${formatPercent(x.reshard.expectedMovedFraction)}`}`,
          )}`,
    any((x) => x.reshard !== null),
  );
  row(
    'migration',
    (x) => {
      const r = x.reshard;
      if (r === null) return MISSING;
      const took = r.durationUs === null ? 'not finished by the end' : `took ${formatDurationUs(r.durationUs)}`;
      const resent = r.copiesResent === 0 ? '' : ` (${formatCount(r.copiesResent)} resent)`;
      return `${escapeHtml(`${formatCount(r.keysCopied)} copies${resent}, ${formatBytes(r.bytesCopied)}`)}${detail(
        `${took}; ${formatCount(r.readsForwarded)} reads forwarded, ${formatCount(r.doubleReads)} double reads, ${formatCount(r.writesForwarded)} writes forwarded, ${formatCount(r.requestsParked)} parked`,
      )}`;
    },
    any((x) => x.reshard !== null),
  );
  row('load imbalance (max / mean)', (x) => {
    const l = x.load;
    const after = l.imbalanceAfter === null ? '' : `; after the migration ${formatNumber(l.imbalanceAfter)}`;
    return `${escapeHtml(formatNumber(l.imbalanceBefore))}${detail(
      `before any reshard${after}; served per shard ${l.servedPerShard.map((n) => formatCount(n)).join(', ')}`,
    )}`;
  });
  row(
    'operations served',
    (x) =>
      `${escapeHtml(formatRatePerSec(x.load.perSecBefore))}${
        x.load.perSecDuringMigration === null
          ? ''
          : detail(`${formatRatePerSec(x.load.perSecDuringMigration)} during the migration`)
      }`,
  );
  return rows;
}

/** Every name any run has, in the order the runs first have them. */
function names(sections: CachesReport[], of: (s: CachesReport) => string[]): string[] {
  const all: string[] = [];
  for (const s of sections) for (const name of of(s)) if (!all.includes(name)) all.push(name);
  return all;
}

function rowsOf<T>(cells: (T | undefined)[]) {
  const rows: string[][] = [];
  const present = cells.filter((c): c is T => c !== undefined);
  const row = (label: string, cell: (c: T) => string, show = true) => {
    if (show) rows.push([escapeHtml(label), ...cells.map((c) => (c === undefined ? MISSING : cell(c)))]);
  };
  const any = (pick: (c: T) => boolean) => present.some(pick);
  return { rows, row, any, present };
}

function cacheRows(cells: (CacheComponentReport | undefined)[]): string[][] {
  const { rows, row, any, present } = rowsOf(cells);
  row(
    'hit ratio',
    (c) =>
      `${escapeHtml(formatPercent(c.hitRatio))}${detail(`${formatCount(c.hits)} hits of ${formatCount(c.lookups)} lookups`)}`,
  );
  row(
    'byte hit ratio',
    (c) =>
      `${escapeHtml(formatPercent(c.byteHitRatio))}${detail(`${formatBytes(c.bytesHit)} of ${formatBytes(c.bytesRequested)}`)}`,
  );
  // Classes some run looked up (the catch-all `other` is often empty); one alone would repeat the hit ratio.
  const classes: string[] = [];
  for (const c of present)
    for (const k of c.keyClasses) if (k.lookups > 0 && !classes.includes(k.name)) classes.push(k.name);
  if (classes.length > 1)
    for (const name of classes)
      row(`hit ratio: ${name}`, (c) => {
        const k = c.keyClasses.find((x) => x.name === name);
        return k === undefined
          ? MISSING
          : `${escapeHtml(formatPercent(k.hitRatio))}${detail(`${formatCount(k.hits)} of ${formatCount(k.lookups)}; bytes ${formatPercent(k.byteHitRatio)}`)}`;
      });
  row(
    'behind the cache',
    (c) =>
      `${escapeHtml(formatRatePerSec(c.backend.perSec))}${detail(`peak ${formatRatePerSec(c.backend.peakPerSec)} in a window; ${formatCount(c.backend.requests)} requests, ${formatBytes(c.backend.bytes)}`)}`,
  );
  row(
    'stale reads',
    (c) => `${badCount(c.staleReads)}${c.staleReads > 0 ? detail(`${formatPercent(c.staleReadRate)} of lookups`) : ''}`,
  );
  row('evictions', (c) => escapeHtml(formatCount(c.evictions)));
  row(
    'expiries',
    (c) => escapeHtml(formatCount(c.expiries)),
    any((c) => c.expiries > 0),
  );
  row(
    'memory (peak)',
    (c) =>
      `${escapeHtml(`${formatCount(c.peakEntries)} entries`)}${detail(`${formatBytes(c.peakBytes)}; at the end ${formatCount(c.entriesAtEnd)} entries, ${formatBytes(c.bytesAtEnd)}`)}`,
  );
  row(
    'writes, lost',
    (c) => `${badCount(c.lostWrites)}${detail(`of ${formatCount(c.writes)} writes accepted`)}`,
    any((c) => c.writes > 0 || c.lostWrites > 0),
  );
  const details: string[] = [];
  for (const c of present) for (const key of Object.keys(c.details)) if (!details.includes(key)) details.push(key);
  // The model's own counters, those that counted something in some run, in words; byte counts as bytes.
  // Hot-key fetches measure the load per expiry: without an expiry (every cache watches key 1 by default) they say nothing.
  const hotExpiries = any((c) => (c.details.hotKeyExpiries ?? 0) > 0);
  for (const key of details) {
    row(
      counterLabel(key),
      (c) => escapeHtml(key.endsWith('Bytes') ? formatBytes(c.details[key] ?? 0) : formatNumber(c.details[key] ?? 0)),
      any((c) => (c.details[key] ?? 0) !== 0) && (key !== 'hotKeyFetches' || hotExpiries),
    );
    if (key === 'hotKeyFetches')
      row(
        'backend fetches per hot-key expiry',
        (c) => {
          const expiries = c.details.hotKeyExpiries ?? 0;
          return expiries === 0 ? MISSING : escapeHtml(formatNumber((c.details.hotKeyFetches ?? 0) / expiries));
        },
        hotExpiries,
      );
  }
  return rows;
}

/** A model counter's name in words: "staleServedAfterPurge" → "stale served after purge". */
export function counterLabel(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function databaseRows(cells: (DatabaseLoadReport | undefined)[]): string[][] {
  const { rows, row } = rowsOf(cells);
  row(
    'reads + writes',
    (d) =>
      `${escapeHtml(formatRatePerSec(d.perSec))}${detail(`${formatCount(d.reads)} reads, ${formatCount(d.writes)} writes`)}`,
  );
  row('peak', (d) =>
    d.peakAtUs === null
      ? MISSING
      : `${escapeHtml(formatRatePerSec(d.peakPerSec))}${detail(`in the window from ${formatTimestampUs(d.peakAtUs)}`)}`,
  );
  return rows;
}
