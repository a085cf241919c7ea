import type { ReplicaValue } from '../../models/measure/replica-sampler.js';
import type { CounterReport, FinalStateSource, LostWritesReport, SetReport } from '../report-types.js';
import { writtenValue, type StoreHistory, type StoreOperation } from './store-operations.js';

/** Each key's final state: what every live replica holds at the end (one entry per replica), or the last read. */
export interface FinalState {
  source: FinalStateSource;
  values: ReadonlyMap<number, readonly ReplicaValue[]>;
  /** Every write value some live replica's log still holds, for stores that keep a log. */
  retainedWrites?: ReadonlySet<number>;
  /**
   * From reads: when each key's final read was invoked. Only operations
   * acknowledged before then are judged against its value; a later one it
   * could not have seen, so it is unjudged rather than lost.
   */
  readInvokedUs?: ReadonlyMap<number, number>;
}

const EXAMPLES = 5;

/**
 * The final state from each key's last read, for stores whose replicas
 * cannot be inspected: the completed read invoked last (of two invoked
 * together, the one completed last), since it judges the most writes.
 */
export function finalStateFromReads(history: StoreHistory): FinalState {
  const values = new Map<number, ReplicaValue[]>();
  const readInvokedUs = new Map<number, number>();
  for (const [key, ops] of [...history.byKey].sort((a, b) => a[0] - b[0])) {
    let last: StoreOperation | undefined;
    for (const op of ops) {
      if (op.f !== 'read' || op.outcome !== 'ok') continue;
      if (
        last === undefined ||
        op.invokeUs > last.invokeUs ||
        (op.invokeUs === last.invokeUs && op.completeUs! > last.completeUs!)
      )
        last = op;
    }
    if (last === undefined) continue;
    values.set(key, [last.output as ReplicaValue]);
    readInvokedUs.set(key, last.invokeUs);
  }
  return { source: 'last-reads', values, readInvokedUs };
}

/** Whether the final state can judge `op` as acknowledged: with replicas, when it was; from reads, when that was before the key's final read began. */
function judged(final: FinalState, key: number, op: StoreOperation): boolean {
  if (op.outcome !== 'ok') return false;
  if (final.readInvokedUs === undefined) return true;
  const readUs = final.readInvokedUs.get(key);
  return readUs !== undefined && op.completeUs! < readUs;
}

/**
 * Acknowledged register writes lost. With replica logs (`retainedWrites`),
 * exactly: an acknowledged write no live replica's log holds was discarded.
 * Otherwise from the final values: an acknowledged write W is lost when
 * every value its key holds in the final state is older than W (written by
 * a write acknowledged before W was invoked, the empty initial value, or a
 * value no write explains): the store came to rest on a state that W had
 * already replaced, so W is visible nowhere after convergence and nothing
 * that could legitimately have overwritten it is either. Writes overlapping
 * W may overwrite it; they do not make it lost. Only the final state is
 * judged, so a write lost and then overwritten by a later one is not seen:
 * with few keys this undercounts, and experiments about lost writes use many
 * keys (each write then most likely its key's last) or sets. From reads,
 * only writes acknowledged before the key's final read began are judged; a
 * key with none (or never read) counts among `unjudgedKeys`.
 */
export function lostRegisterWrites(history: StoreHistory, final: FinalState): LostWritesReport | null {
  const keys = history.keysOf('register');
  if (!keys.some((k) => history.byKey.get(k)!.some((op) => writtenValue(op) !== null))) return null;
  let acknowledged = 0;
  let unjudgedKeys = 0;
  const lost: LostWritesReport['examples'] = [];
  let lostCount = 0;
  for (const key of keys) {
    const writes = history.byKey.get(key)!.filter((op) => op.outcome === 'ok' && writtenValue(op) !== null);
    acknowledged += writes.length;
    const retained = final.retainedWrites;
    if (retained !== undefined) {
      for (const op of writes) {
        const write = history.writeOf(writtenValue(op)!)!;
        if (retained.has(write.value)) continue;
        lostCount++;
        if (lost.length < EXAMPLES)
          lost.push({
            key,
            value: write.value,
            acknowledgedUs: write.ackUs!,
            finalValues: (final.values.get(key) ?? []).flatMap((v) => (Array.isArray(v) ? v : [v ?? null])),
          });
      }
      continue;
    }
    const held = final.values.get(key);
    const judgedWrites = writes.filter((op) => judged(final, key, op));
    if (held === undefined || held.length === 0 || judgedWrites.length === 0) {
      if (writes.length > 0) unjudgedKeys++;
      continue;
    }
    const values = held.flatMap((v) => (Array.isArray(v) ? v : [v ?? null])) as (number | null)[];
    for (const op of judgedWrites) {
      const write = history.writeOf(writtenValue(op)!)!;
      if (!values.every((v) => v !== write.value && history.isOlder(v, write))) continue;
      lostCount++;
      if (lost.length < EXAMPLES)
        lost.push({ key, value: write.value, acknowledgedUs: write.ackUs!, finalValues: values });
    }
  }
  return { acknowledged, lost: lostCount, judgedOn: final.source, unjudgedKeys, examples: lost };
}

/**
 * Counters: the sum of acknowledged adds against the final total. With
 * replicas that disagree at the end, the most generous replica is taken for
 * each: increments are lost when even the largest total lacks acknowledged
 * ones, and double-counted when even the smallest exceeds every add that may
 * have happened (acknowledged plus unknown outcome). From reads, only adds
 * acknowledged before the final read began must be in its total.
 */
export function counterTotals(history: StoreHistory, final: FinalState): CounterReport | null {
  const keys = history.keysOf('counter');
  if (keys.length === 0) return null;
  const report: CounterReport = {
    keys: keys.length,
    acknowledged: 0,
    unknown: 0,
    finalTotal: 0,
    lostIncrements: 0,
    doubleCounted: 0,
    judgedOn: final.source === 'replica-logs' ? 'replicas' : final.source,
  };
  for (const key of keys) {
    let acknowledged = 0;
    let judgedAdds = 0;
    let unknown = 0;
    for (const op of history.byKey.get(key)!) {
      if (op.f !== 'add' || typeof op.input !== 'number') continue;
      if (op.outcome === 'ok') acknowledged += op.input;
      else if (op.outcome !== 'fail') unknown += op.input;
      if (judged(final, key, op)) judgedAdds += op.input;
    }
    const totals = (final.values.get(key) ?? []).map((v) => (typeof v === 'number' ? v : 0));
    const highest = totals.length > 0 ? totals.reduce((a, b) => Math.max(a, b)) : 0;
    const lowest = totals.length > 0 ? totals.reduce((a, b) => Math.min(a, b)) : 0;
    report.acknowledged += acknowledged;
    report.unknown += unknown;
    report.finalTotal += highest;
    report.lostIncrements += Math.max(0, judgedAdds - highest);
    report.doubleCounted += Math.max(0, lowest - acknowledged - unknown);
  }
  return report;
}

/**
 * Sets: an element is lost when an acknowledged insert of it was followed
 * by no delete that could have removed it (every delete of it that may have
 * happened was acknowledged before that insert was invoked) and no live
 * replica holds it at the end. An element is resurrected when an
 * acknowledged delete of it came after every insert of it that may have
 * happened (each acknowledged before the delete was invoked), yet some
 * replica holds it at the end: the delete was undone (a last-write-wins set,
 * or a merge that forgot it). From reads, only inserts and deletes
 * acknowledged before the final read began are judged.
 */
export function setLosses(history: StoreHistory, final: FinalState): SetReport | null {
  const keys = history.keysOf('set');
  if (keys.length === 0) return null;
  const report: SetReport = {
    keys: keys.length,
    acknowledgedInserts: 0,
    lostElements: 0,
    resurrectedElements: 0,
    judgedOn: final.source === 'replica-logs' ? 'replicas' : final.source,
  };
  for (const key of keys) {
    const present = new Set<number>();
    for (const v of final.values.get(key) ?? []) if (Array.isArray(v)) for (const e of v) present.add(e);
    const byElement = new Map<number, { inserts: StoreOperation[]; deletes: StoreOperation[] }>();
    for (const op of history.byKey.get(key)!) {
      if ((op.f !== 'insert' && op.f !== 'delete') || op.outcome === 'fail' || typeof op.input !== 'number') continue;
      let entry = byElement.get(op.input);
      if (entry === undefined) byElement.set(op.input, (entry = { inserts: [], deletes: [] }));
      (op.f === 'insert' ? entry.inserts : entry.deletes).push(op);
    }
    for (const [element, { inserts, deletes }] of byElement) {
      report.acknowledgedInserts += inserts.filter((op) => op.outcome === 'ok').length;
      const judgedOps = (ops: StoreOperation[]) => ops.filter((op) => judged(final, key, op));
      const before = (a: StoreOperation, b: StoreOperation) => a.outcome === 'ok' && a.completeUs! < b.invokeUs;
      if (!present.has(element) && judgedOps(inserts).some((i) => deletes.every((d) => before(d, i))))
        report.lostElements++;
      if (present.has(element) && judgedOps(deletes).some((d) => inserts.every((i) => before(i, d))))
        report.resurrectedElements++;
    }
  }
  return report;
}
