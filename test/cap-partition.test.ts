import { beforeAll, describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { buildScenario, type BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { isReplica } from '../models/kit/inspect-contract.js';
import type { RecordedEvent } from '../models/measure/history-recorder.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';

const PARTITION_US = 15_000_000;
const HEAL_US = 45_000_000;
/** Long enough for the majority to elect a leader (CP) and for requests in flight at the cut to end. */
const SETTLE_US = 1_000_000;

interface Run {
  built: BuiltScenario;
  /** Per store node, what it held just before the heal. */
  atHeal: Map<string, ReadonlyMap<number, unknown>>;
  /** The side (region) of the client that ran each process. */
  side(process: number): string;
}

/** One variant, stopped just before the heal to look at every replica, then run to the end. */
function run(variant: string): Run {
  const loaded = loadScenario(resolveScenarioArgument('cap-partition'));
  const built = buildScenario(loaded.variants.find((v) => v.name === variant)!.scenario);
  const { sim, history } = built;
  sim.run({ untilUs: HEAL_US - 1 });
  const atHeal = new Map<string, ReadonlyMap<number, unknown>>();
  for (const id of sim.group('store')) {
    const replica = sim.process(id);
    if (isReplica(replica)) atHeal.set(sim.nodeName(id), new Map(replica.localValues()));
  }
  sim.run({ untilUs: built.scenario.duration });
  return { built, atHeal, side: (process) => sim.context(history.clientOf(process)).region };
}

interface Completed {
  invoke: RecordedEvent;
  end: RecordedEvent;
  side: string;
}

function completed(r: Run): Completed[] {
  const open = new Map<number, RecordedEvent>();
  const out: Completed[] = [];
  for (const e of r.built.history.events) {
    if (e.type === 'invoke') open.set(e.process, e);
    else out.push({ invoke: open.get(e.process)!, end: e, side: r.side(e.process) });
  }
  return out;
}

/** Outcomes of the operations a side invoked in [fromUs, toUs). */
function outcomes(r: Run, side: string, fromUs: number, toUs: number) {
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const op of completed(r))
    if (op.side === side && op.invoke.timeUs! >= fromUs && op.invoke.timeUs! < toUs)
      counts[op.end.type as 'ok' | 'fail' | 'info']++;
  return { ...counts, availability: counts.ok / (counts.ok + counts.fail + counts.info) };
}

/** Reads that returned a value some write had already overwritten before the read began (the overwrite acknowledged, and begun after the value's write ended). */
function staleReads(r: Run, side: string, fromUs: number, toUs: number): number {
  const ops = completed(r);
  const ended = new Map<unknown, number>();
  // Per key, acknowledged writes by end time, with the latest invocation among those ended so far.
  const byKey = new Map<string, { endUs: number; latestInvokeUs: number }[]>();
  const writes = ops
    .filter((op) => op.invoke.f === 'write' && op.end.type === 'ok')
    .sort((a, b) => a.end.timeUs! - b.end.timeUs!);
  for (const w of writes) {
    ended.set(w.invoke.value, w.end.timeUs!);
    let list = byKey.get(w.invoke.key!);
    if (list === undefined) byKey.set(w.invoke.key!, (list = []));
    list.push({
      endUs: w.end.timeUs!,
      latestInvokeUs: Math.max(w.invoke.timeUs!, list.at(-1)?.latestInvokeUs ?? -Infinity),
    });
  }
  let stale = 0;
  for (const op of ops) {
    if (
      op.invoke.f !== 'read' ||
      op.end.type !== 'ok' ||
      op.side !== side ||
      op.invoke.timeUs! < fromUs ||
      op.invoke.timeUs! >= toUs
    )
      continue;
    const seenEndUs = op.end.value === null ? -Infinity : ended.get(op.end.value);
    const list = byKey.get(op.invoke.key!);
    if (seenEndUs === undefined || list === undefined) continue;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].endUs < op.invoke.timeUs!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && list[lo - 1].latestInvokeUs > seenEndUs) stale++;
  }
  return stale;
}

/** Values written by `side`'s clients and acknowledged, with when the write was invoked. */
function acknowledgedWrites(r: Run, side: string): Map<unknown, number> {
  const values = new Map<unknown, number>();
  for (const op of completed(r))
    if (op.side === side && op.invoke.f === 'write' && op.end.type === 'ok')
      values.set(op.invoke.value, op.invoke.timeUs!);
  return values;
}

/** Final values per key, one per store node; the run must have ended with every replica inspectable. */
function finalValues(r: Run): Map<number, unknown[]> {
  const values = new Map<number, unknown[]>();
  for (const id of r.built.sim.group('store')) {
    const replica = r.built.sim.process(id);
    if (!isReplica(replica)) throw new Error(`${r.built.sim.nodeName(id)} is down or not inspectable`);
    for (const [key, value] of replica.localValues()) values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}

/**
 * Acknowledged writes lost: the key came to rest, on every replica, on a
 * value whose write was acknowledged before this one was even invoked.
 */
function lostWrites(r: Run): number {
  const writes = completed(r).filter((op) => op.invoke.f === 'write' && op.end.type === 'ok');
  const ackedAt = new Map<unknown, number>(writes.map((w) => [w.invoke.value, w.end.timeUs!]));
  const final = finalValues(r);
  return writes.filter((w) =>
    (final.get(Number(w.invoke.key)) ?? [null]).every(
      (v) => v !== w.invoke.value && (ackedAt.get(v) ?? -Infinity) < w.invoke.timeUs!,
    ),
  ).length;
}

const linearizable = (r: Run) =>
  checkLinearizability(pairOperations(r.built.history.events, registerSpec.isReadOnly), registerSpec).linearizable;

describe('cap-partition', () => {
  const runs = new Map<string, Run>();
  beforeAll(() => {
    for (const variant of ['raft-read-index', 'raft-lease', 'ap-one-lww', 'cp-quorum-lww', 'cp-quorum-abd'])
      runs.set(variant, run(variant));
  });

  it('CP (Raft, and the quorum store with ABD): every history is linearizable and loses no write; the minority side is unavailable for the whole partition while the majority serves', () => {
    for (const variant of ['raft-read-index', 'raft-lease', 'cp-quorum-abd']) {
      const r = runs.get(variant)!;
      expect(linearizable(r), variant).toBe(true);
      const minority = outcomes(r, 'dc-a', PARTITION_US + SETTLE_US, HEAL_US);
      expect(minority.ok, variant).toBe(0);
      expect(minority.fail + minority.info, variant).toBeGreaterThan(1_000);
      expect(outcomes(r, 'dc-b', PARTITION_US + SETTLE_US, HEAL_US).availability, variant).toBeGreaterThan(0.99);
      // Both sides are served again once the partition heals.
      for (const side of ['dc-a', 'dc-b'])
        expect(outcomes(r, side, HEAL_US + SETTLE_US, 58_000_000).availability, `${variant} ${side}`).toBeGreaterThan(
          0.98,
        );
      expect(lostWrites(r), variant).toBe(0);
      // Nothing the minority wrote was acknowledged, so no replica can hold such a value at the heal.
      const minorityWrites = acknowledgedWrites(r, 'dc-a');
      for (const values of r.atHeal.values())
        for (const value of values.values()) expect((minorityWrites.get(value) ?? 0) < PARTITION_US).toBe(true);
    }
  });

  it('AP (ONE/ONE, LWW): both sides stay available, the minority reads stale values, the history is not linearizable, the sides diverge, and last-write-wins on skewed clocks loses acknowledged writes', () => {
    const r = runs.get('ap-one-lww')!;
    for (const side of ['dc-a', 'dc-b'])
      expect(outcomes(r, side, PARTITION_US, HEAL_US).availability, side).toBeGreaterThan(0.99);
    expect(staleReads(r, 'dc-a', PARTITION_US + SETTLE_US, HEAL_US)).toBeGreaterThan(500);
    expect(linearizable(r)).toBe(false);
    // At the heal, for every key, dc-a's replicas hold a value dc-a acknowledged during the partition and dc-b's hold one of dc-b's.
    const written = { 'dc-a': acknowledgedWrites(r, 'dc-a'), 'dc-b': acknowledgedWrites(r, 'dc-b') };
    const sideOf = (store: string) => r.built.sim.context(r.built.sim.nodeId(store)).region as 'dc-a' | 'dc-b';
    const diverged = new Set<number>();
    for (const [storeA, valuesA] of r.atHeal) {
      if (sideOf(storeA) !== 'dc-a') continue;
      for (const [storeB, valuesB] of r.atHeal) {
        if (sideOf(storeB) !== 'dc-b') continue;
        for (const [key, a] of valuesA) {
          const b = valuesB.get(key);
          if (a !== b && (written['dc-a'].get(a) ?? 0) >= PARTITION_US && (written['dc-b'].get(b) ?? 0) >= PARTITION_US)
            diverged.add(key);
        }
      }
    }
    expect(diverged.size).toBe(20);
    // After the clients stop, every replica holds one and the same value per key, and dc-a's skewed clock cost acknowledged writes.
    for (const values of finalValues(r).values()) expect(new Set(values).size).toBe(1);
    expect(lostWrites(r)).toBeGreaterThan(0);
  });

  it('majority quorums alone (QUORUM/QUORUM, last write wins on skewed clocks) refuse the minority side but are not linearizable and lose acknowledged writes', () => {
    const r = runs.get('cp-quorum-lww')!;
    expect(outcomes(r, 'dc-a', PARTITION_US + SETTLE_US, HEAL_US).ok).toBe(0);
    expect(outcomes(r, 'dc-b', PARTITION_US + SETTLE_US, HEAL_US).availability).toBeGreaterThan(0.99);
    expect(linearizable(r)).toBe(false);
    expect(lostWrites(r)).toBeGreaterThan(0);
    // ABD's write-back makes every read a write too: more messages for the same work.
    const messagesPerOperation = (v: Run) => v.built.sim.messages.sent / v.built.history.events.length;
    expect(messagesPerOperation(runs.get('cp-quorum-abd')!)).toBeGreaterThan(messagesPerOperation(r));
  });
});
