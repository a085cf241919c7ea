import type { ShardLog, ShardRecord, KeySpread } from '../../models/measure/shard-log.js';
import { coefficientOfVariation, expectedRingCv } from '../../models/sharding/key-spread.js';
import type { ReshardReport, ShardingReport, ShardLoadReport, ShardSpreadReport } from '../report-types.js';
import type { Window } from './cache-report.js';

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const finite = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * The sharding figures of a run, one per kv-store: the key space's spread
 * over the shards before and after a reshard (with the ring's expected CV
 * beside the measured one), the keys a reshard moved against the fraction
 * its scheme should move, the migration's copies, bytes and duration, the
 * requests it forwarded, and each shard's load: the max/mean imbalance as
 * measured (a Zipf workload has no formula for it) before the reshard and
 * after the migration, and the operations per second before and during it.
 * Load counts only the measured windows (those starting at or after
 * `warmupUs`); the timeline keeps every window. Undefined when the run had
 * no kv-store.
 */
export function shardingReports(
  log: ShardLog,
  windows: readonly Window[],
  warmupUs: number,
): ShardingReport[] | undefined {
  if (log.stores.length === 0) return undefined;
  return log.stores.map((record) => shardingReport(record, windows, warmupUs));
}

function shardingReport(record: ShardRecord, windows: readonly Window[], warmupUs: number): ShardingReport {
  const before = spreadReport(record.before!, record);
  const after = record.after === null ? null : spreadReport(record.after, record);
  return {
    component: record.component,
    scheme: record.scheme,
    nodes: record.nodes,
    keys: record.keysTotal,
    before,
    after,
    reshard: after === null ? null : reshardReport(record, before.shardNodes.length, after.shardNodes.length),
    load: loadReport(record, windows, warmupUs),
  };
}

function spreadReport(spread: KeySpread, record: ShardRecord): ShardSpreadReport {
  const shardNodes = [...spread.shardNodes];
  const total = record.keysTotal;
  return {
    shardNodes,
    keysPerShard: [...spread.keysPerShard],
    shares: spread.keysPerShard.map((k) => (total === 0 ? 0 : round(k / total, 6))),
    keyShareCv: round(coefficientOfVariation(spread.keysPerShard, shardNodes), 6),
    expectedRingCv: record.virtualNodes > 0 ? round(expectedRingCv(shardNodes.length, record.virtualNodes), 6) : null,
  };
}

/** The fraction a scheme is expected to move when n shards become m (one added or removed). */
function expectedMoved(scheme: string, n: number, m: number): number | null {
  if (scheme === 'modulo') return m > n ? n / m : m / n;
  if (scheme === 'ring') return 1 / Math.max(n, m);
  return null;
}

function reshardReport(record: ShardRecord, shardsBefore: number, shardsAfter: number): ReshardReport {
  const start = finite(record.migrationStartUs);
  const end = finite(record.migrationEndUs);
  const expected = expectedMoved(record.scheme, shardsBefore, shardsAfter);
  return {
    atUs: record.reshardAtUs,
    keysMoved: record.keysMoved,
    movedFraction: record.keysTotal === 0 ? 0 : round(record.keysMoved / record.keysTotal, 6),
    expectedMovedFraction: expected === null ? null : round(expected, 6),
    keysCopied: record.keysCopied,
    bytesCopied: record.bytesCopied,
    copiesResent: record.copiesResent,
    migrationStartUs: start,
    migrationEndUs: end,
    durationUs: start === null || end === null ? null : end - start,
    readsForwarded: record.readsForwarded,
    doubleReads: record.doubleReads,
    writesForwarded: record.writesForwarded,
    requestsParked: record.requestsParked,
  };
}

function loadReport(record: ShardRecord, windows: readonly Window[], warmupUs: number): ShardLoadReport {
  const nodes = record.nodes;
  const count = Math.min(windows.length, record.windowCount);
  const servedPerShard = new Array<number>(nodes).fill(0);
  const sumBefore = new Array<number>(nodes).fill(0);
  const sumAfter = new Array<number>(nodes).fill(0);
  let secondsBefore = 0;
  let secondsDuring = 0;
  let servedDuring = 0;
  let servedBefore = 0;
  const reshardAt = record.reshardAtUs;
  const start = Number.isNaN(record.migrationStartUs) ? reshardAt : record.migrationStartUs;
  const end = Number.isNaN(record.migrationEndUs) ? Infinity : record.migrationEndUs;
  for (let w = 0; w < count; w++) {
    const window = windows[w];
    if (window.startUs < warmupUs) continue;
    const seconds = Math.max(window.endUs - window.startUs, 1) / 1e6;
    const isBefore = Number.isNaN(reshardAt) || window.endUs <= start;
    const isDuring = !Number.isNaN(reshardAt) && window.endUs > start && window.startUs < end;
    const isAfter = !Number.isNaN(reshardAt) && window.startUs >= end;
    let all = 0;
    for (let n = 0; n < nodes; n++) {
      const served = record.servedIn(n, w);
      servedPerShard[n] += served;
      all += served;
      if (isBefore) sumBefore[n] += served;
      if (isAfter) sumAfter[n] += served;
    }
    if (isBefore) {
      secondsBefore += seconds;
      servedBefore += all;
    }
    if (isDuring) {
      secondsDuring += seconds;
      servedDuring += all;
    }
  }
  const timelinePerSec: number[][] = [];
  for (let n = 0; n < nodes; n++) {
    const row: number[] = [];
    for (let w = 0; w < count; w++)
      row.push(round(record.servedIn(n, w) / (Math.max(windows[w].endUs - windows[w].startUs, 1) / 1e6), 3));
    timelinePerSec.push(row);
  }
  return {
    servedPerShard,
    imbalanceBefore: imbalance(sumBefore, record.before!.shardNodes),
    imbalanceAfter: record.after === null ? null : imbalance(sumAfter, record.after.shardNodes),
    perSecBefore: secondsBefore === 0 ? null : round(servedBefore / secondsBefore, 3),
    perSecDuringMigration: secondsDuring === 0 ? null : round(servedDuring / secondsDuring, 3),
    timelinePerSec,
  };
}

/** Max over mean of the shards' counts; null when they served nothing. */
function imbalance(served: readonly number[], shards: readonly number[]): number | null {
  let max = 0;
  let sum = 0;
  for (const s of shards) {
    sum += served[s];
    if (served[s] > max) max = served[s];
  }
  return sum === 0 ? null : round(max / (sum / shards.length), 6);
}
