import type { CacheLog, CacheRecord, DatabaseRecord } from '../../models/measure/cache-log.js';
import type {
  CacheComponentReport,
  CdnOffloadReport,
  CacheKeyClassReport,
  CachesReport,
  CacheTimeline,
  DatabaseLoadReport,
} from '../report-types.js';

/** A reporting window of `metrics.timeline`: the last may be shorter. */
export interface Window {
  startUs: number;
  endUs: number;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const ratio = (part: number, whole: number) => (whole === 0 ? null : round(part / whole, 6));
const seconds = (w: Window) => Math.max(w.endUs - w.startUs, 1) / 1e6;

/**
 * The cache section of a run's report: per cache-like component its hit
 * ratio (hits / lookups) and byte hit ratio (bytes hit / bytes requested),
 * overall and per key class, the load it put behind it, stale reads,
 * evictions, expiries, memory and lost writes; per database the reads and
 * writes it served. Totals and ratios count only the measured windows, those
 * starting at or after `warmupUs` (a window the warm-up ends inside is left
 * out whole, since the log counts per window); timelines keep every window.
 * Undefined when the run had no cache and no database. Linear in windows ×
 * key classes.
 */
export function cachesReport(log: CacheLog, windows: readonly Window[], warmupUs: number): CachesReport | undefined {
  if (log.caches.length === 0 && log.databases.length === 0) return undefined;
  const first = windows.findIndex((w) => w.startUs >= warmupUs);
  const measured = first === -1 ? windows.length : first;
  const caches = log.caches.map((record) => cacheReport(record, windows, measured));
  const cdn = cdnOffload(caches, measuredSeconds(windows, measured));
  return {
    measuredFromUs: measured < windows.length ? windows[measured].startUs : (windows.at(-1)?.endUs ?? 0),
    caches,
    databases: log.databases.map((record) => databaseReport(record, windows, measured)),
    ...(cdn === undefined ? {} : { cdn }),
  };
}

const CDN_TIERS = ['cdn-edge', 'cdn-regional', 'cdn-shield'] as const;

/** What the CDN tiers let through to the origin (see CdnOffloadReport); undefined without an edge tier. */
function cdnOffload(caches: readonly CacheComponentReport[], seconds: number): CdnOffloadReport | undefined {
  const tiers = CDN_TIERS.flatMap((role) => caches.filter((c) => c.role === role).map((c) => ({ ...c, role })));
  const edges = tiers.filter((c) => c.role === 'cdn-edge');
  if (edges.length === 0) return undefined;
  const clientRequests = edges.reduce((total, c) => total + c.lookups, 0);
  const clientBytes = edges.reduce((total, c) => total + c.bytesRequested, 0);
  const top = tiers.filter((c) => c.role === tiers.at(-1)!.role);
  const originRequests = top.reduce((total, c) => total + c.backend.requests, 0);
  const originBytes = top.reduce((total, c) => total + c.backend.bytes, 0);
  const offload = (through: number, whole: number) => (whole === 0 ? null : round(1 - through / whole, 6));
  return {
    clientRequests,
    clientBytes,
    tiers: tiers.map((c) => ({
      component: c.component,
      role: c.role,
      pastShare: ratio(c.backend.requests, clientRequests),
      pastByteShare: ratio(c.backend.bytes, clientBytes),
    })),
    originOffload: offload(originRequests, clientRequests),
    originByteOffload: offload(originBytes, clientBytes),
    originEgressBytesPerSec: seconds === 0 ? null : round(originBytes / seconds, 3),
  };
}

/** Sum of `values` over windows [from, to). */
function sum(values: ArrayLike<number>, from: number, to: number): number {
  let total = 0;
  for (let w = from; w < to; w++) total += values[w];
  return total;
}

function measuredSeconds(windows: readonly Window[], from: number): number {
  let total = 0;
  for (let w = from; w < windows.length; w++) total += seconds(windows[w]);
  return total;
}

function cacheReport(record: CacheRecord, windows: readonly Window[], from: number): CacheComponentReport {
  const to = windows.length;
  const lookups = sum(record.lookups, from, to);
  const hits = sum(record.hits, from, to);
  const bytesRequested = sum(record.bytesRequested, from, to);
  const bytesHit = sum(record.bytesHit, from, to);
  const backendRequests = sum(record.backendRequests, from, to);
  const staleReads = sum(record.staleReadsPerWindow, from, to);
  const span = measuredSeconds(windows, from);
  const timeline = cacheTimeline(record, windows);
  let peakEntries = 0;
  let peakBytes = 0;
  let peakBackendPerSec = 0;
  for (let w = from; w < to; w++) {
    peakEntries = Math.max(peakEntries, timeline.peakEntries[w]);
    peakBytes = Math.max(peakBytes, timeline.peakBytes[w]);
    peakBackendPerSec = Math.max(peakBackendPerSec, timeline.backendPerSec[w]);
  }
  return {
    component: record.component,
    role: record.role,
    lookups,
    hits,
    hitRatio: ratio(hits, lookups),
    bytesRequested,
    bytesHit,
    byteHitRatio: ratio(bytesHit, bytesRequested),
    backend: {
      requests: backendRequests,
      bytes: sum(record.backendBytes, from, to),
      perSec: span === 0 ? null : round(backendRequests / span, 3),
      peakPerSec: from < to ? peakBackendPerSec : null,
    },
    staleReads,
    staleReadRate: ratio(staleReads, lookups),
    evictions: sum(record.evictionsPerWindow, from, to),
    expiries: sum(record.expiriesPerWindow, from, to),
    peakEntries,
    peakBytes,
    entriesAtEnd: record.entries,
    bytesAtEnd: record.bytes,
    writes: record.writes,
    lostWrites: record.lostWrites,
    keyClasses: record.keyClasses.map((name, c) => keyClassReport(record, name, c, from, to)),
    details: Object.fromEntries(record.details),
    timeline,
  };
}

function keyClassReport(record: CacheRecord, name: string, c: number, from: number, to: number): CacheKeyClassReport {
  const classes = record.keyClasses.length;
  let lookups = 0;
  let hits = 0;
  let bytesRequested = 0;
  let bytesHit = 0;
  for (let w = from; w < to; w++) {
    const at = w * classes + c;
    lookups += record.classLookupsPerWindow[at];
    hits += record.classHitsPerWindow[at];
    bytesRequested += record.classBytesRequestedPerWindow[at];
    bytesHit += record.classBytesHitPerWindow[at];
  }
  return {
    name,
    lookups,
    hits,
    hitRatio: ratio(hits, lookups),
    bytesRequested,
    byteHitRatio: ratio(bytesHit, bytesRequested),
  };
}

function cacheTimeline(record: CacheRecord, windows: readonly Window[]): CacheTimeline {
  const n = windows.length;
  const pick = (values: ArrayLike<number>) => Array.from({ length: n }, (_, w) => values[w]);
  // The log leaves the windows after the last memory change at 0: they held the final level throughout.
  const held = (peaks: ArrayLike<number>, atEnd: number) => {
    const out = pick(peaks);
    for (let w = n - 1; w >= 0 && out[w] === 0; w--) out[w] = atEnd;
    return out;
  };
  return {
    lookups: pick(record.lookups),
    hitRatio: windows.map((_, w) => ratio(record.hits[w], record.lookups[w])),
    byteHitRatio: windows.map((_, w) => ratio(record.bytesHit[w], record.bytesRequested[w])),
    backendRequests: pick(record.backendRequests),
    backendPerSec: windows.map((window, w) => round(record.backendRequests[w] / seconds(window), 3)),
    staleReads: pick(record.staleReadsPerWindow),
    evictions: pick(record.evictionsPerWindow),
    expiries: pick(record.expiriesPerWindow),
    peakEntries: held(record.peakEntries, record.entries),
    peakBytes: held(record.peakBytes, record.bytes),
  };
}

function databaseReport(record: DatabaseRecord, windows: readonly Window[], from: number): DatabaseLoadReport {
  const to = windows.length;
  const perSec = windows.map((window, w) => round((record.reads[w] + record.writes[w]) / seconds(window), 3));
  const reads = sum(record.reads, from, to);
  const writes = sum(record.writes, from, to);
  const span = measuredSeconds(windows, from);
  let peak = from;
  for (let w = from + 1; w < to; w++) if (perSec[w] > perSec[peak]) peak = w;
  return {
    component: record.component,
    reads,
    writes,
    perSec: span === 0 ? null : round((reads + writes) / span, 3),
    peakPerSec: from < to ? perSec[peak] : null,
    peakAtUs: from < to ? windows[peak].startUs : null,
    timeline: {
      reads: Array.from({ length: to }, (_, w) => record.reads[w]),
      writes: Array.from({ length: to }, (_, w) => record.writes[w]),
      perSec,
    },
  };
}
