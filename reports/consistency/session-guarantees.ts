import type { ReplicaValue } from '../../models/measure/replica-sampler.js';
import type { GuaranteeCount } from '../report-types.js';
import {
  readValues,
  writtenValue,
  type RegisterWrite,
  type StoreHistory,
  type StoreOperation,
} from './store-operations.js';

/** The values one replica held for one register key, in the order it held them (sampled). */
export interface ReplicaKeyHistory {
  key: number;
  values: readonly ReplicaValue[];
}

/**
 * Read-your-writes, per session (a client's user), on registers. A read R
 * is checked when its session had a write W to R's key acknowledged before
 * R was invoked (the latest such W); R violates the guarantee when the
 * value it returned is older than W: written by a write acknowledged before
 * W was invoked, or the empty initial value. A value from a write that
 * overlapped W is no violation (the store may have ordered it after W).
 */
export function readYourWrites(history: StoreHistory): GuaranteeCount {
  const count = { checked: 0, violations: 0 };
  forEachSessionKey(history, (ops) => {
    let latest: RegisterWrite | undefined;
    for (const op of ops) {
      if (op.outcome !== 'ok') continue;
      const value = writtenValue(op);
      if (value !== null) latest = history.writeOf(value);
      else if (op.f === 'read' && latest !== undefined) {
        count.checked++;
        if (isOlderThan(history, readValues(op), latest)) count.violations++;
      }
    }
  });
  return count;
}

/**
 * Monotonic reads, per session, on registers. A read R2 is checked when an
 * earlier read R1 of the same key in its session returned a written value;
 * R2 violates the guarantee when the value it returned is older than a value
 * some earlier read returned (written by a write acknowledged before that
 * value's write was invoked, or the empty initial value): the session saw the
 * key go back in time. The session's own writes are read-your-writes' concern.
 */
export function monotonicReads(history: StoreHistory): GuaranteeCount {
  const count = { checked: 0, violations: 0 };
  forEachSessionKey(history, (ops) => {
    let newestSeen: RegisterWrite | undefined;
    for (const op of ops) {
      if (op.f !== 'read' || op.outcome !== 'ok') continue;
      const values = readValues(op);
      if (newestSeen !== undefined) {
        count.checked++;
        if (isOlderThan(history, values, newestSeen)) count.violations++;
      }
      // The newest value seen so far is the one invoked last: anything older than it is older than the others too.
      for (const value of values) {
        const write = value === null ? undefined : history.writeOf(value);
        if (write !== undefined && (newestSeen === undefined || write.op.invokeUs > newestSeen.op.invokeUs))
          newestSeen = write;
      }
    }
  });
  return count;
}

/**
 * Monotonic writes, per session, on registers, as the replicas applied them.
 * Take two acknowledged writes W1 then W2 by one session to one key (W2 was
 * invoked after W1 was acknowledged, since a session does one thing at a
 * time). W1 is checked when the session wrote the key again after it; it
 * violates the guarantee when some replica took W1's value after holding
 * W2's, that is applied the session's writes out of order (a replica fed by
 * a stale copy, or last-write-wins on skewed clocks). Judged from replica
 * samples, so an inversion that a replica repaired between two samples is
 * missed: a lower bound.
 */
export function monotonicWrites(history: StoreHistory, replicas: Iterable<ReplicaKeyHistory>): GuaranteeCount {
  /** For each acknowledged register write: its session and its position among that session's writes to the key. */
  const position = new Map<number, { session: number; index: number }>();
  let checked = 0;
  forEachSessionKey(history, (ops) => {
    const writes = ops.filter((op) => op.outcome === 'ok' && writtenValue(op) !== null);
    writes.forEach((op, index) => position.set(writtenValue(op)!, { session: op.session, index }));
    checked += Math.max(0, writes.length - 1);
  });
  const violating = new Set<number>();
  for (const { values } of replicas) {
    const highest = new Map<number, number>();
    for (const held of values) {
      // Siblings are held at once, not one after another: check them all before raising the marks.
      const now = (Array.isArray(held) ? held : [held]).flatMap((value) => {
        const p = typeof value === 'number' ? position.get(value) : undefined;
        return p === undefined ? [] : [{ value: value as number, ...p }];
      });
      for (const w of now) if (w.index < (highest.get(w.session) ?? -1)) violating.add(w.value);
      for (const w of now) if (w.index > (highest.get(w.session) ?? -1)) highest.set(w.session, w.index);
    }
  }
  return { checked, violations: violating.size };
}

/** True when every value is older than `write` (so none of them reflects it). */
function isOlderThan(history: StoreHistory, values: (number | null)[], write: RegisterWrite): boolean {
  return values.length > 0 && values.every((v) => history.isOlder(v, write));
}

/** Each session's operations on each register key, in the order the session made them. */
function forEachSessionKey(history: StoreHistory, visit: (ops: StoreOperation[]) => void): void {
  for (const key of history.keysOf('register')) {
    const bySession = new Map<number, StoreOperation[]>();
    for (const op of history.byKey.get(key)!) {
      let list = bySession.get(op.session);
      if (list === undefined) bySession.set(op.session, (list = []));
      list.push(op);
    }
    for (const ops of bySession.values()) visit(ops);
  }
}
