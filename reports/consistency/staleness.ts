import { lowerBound, upperBound } from '../../models/parts/sorted-numbers.js';
import { readValues, type StoreHistory, type StoreOperation } from './store-operations.js';

/** A read that returned a value already superseded when it began. */
export interface StaleRead {
  read: StoreOperation;
  /** Acknowledged writes the value was behind: superseding writes done before the read began. */
  versionsBehind: number;
  /** How long before the read began the value was first superseded: the read's invocation − the acknowledgement of the first superseding write. */
  timeBehindUs: number;
}

export interface StalenessResult {
  /** Completed reads of registers, the ones judged. */
  reads: StoreOperation[];
  stale: StaleRead[];
}

/**
 * Stale reads of registers. A write W supersedes a value v when W was
 * invoked after v's write was acknowledged (v's write precedes W in real
 * time; the empty initial value is superseded by every write). A completed
 * read R is stale when a write that supersedes the value it returned was
 * acknowledged before R was invoked: a fresher value had been confirmed to
 * some client before R even asked. Writes overlapping v's write do not
 * supersede it, since the store may have ordered them either way: ordering
 * writes by acknowledgement alone would flag correct reads whenever writes
 * overlap, and a linearizable store would show stale reads. Reads that
 * return a value whose write was never acknowledged (it may have taken
 * effect at any time since its invocation) or a value no write explains are
 * not judged stale; the linearizability check catches the latter. A read
 * returning siblings is judged by its freshest sibling.
 */
export function findStaleReads(history: StoreHistory): StalenessResult {
  const reads: StoreOperation[] = [];
  const stale: StaleRead[] = [];
  for (const key of history.keysOf('register')) {
    const ops = history.byKey.get(key)!;
    const acked = ops
      .filter((op) => op.outcome === 'ok' && (op.f === 'write' || op.f === 'cas'))
      .sort((a, b) => a.completeUs! - b.completeUs! || a.invokeUs - b.invokeUs);
    const ackUs = acked.map((op) => op.completeUs!);
    for (const read of ops) {
      if (read.f !== 'read' || read.outcome !== 'ok') continue;
      reads.push(read);
      let freshest: { versions: number; firstAckUs: number } | null = null;
      for (const value of readValues(read)) {
        const behind = supersededBy(history, value, acked, ackUs, read.invokeUs);
        if (behind === null || behind.versions === 0) {
          freshest = null;
          break;
        }
        if (freshest === null || behind.versions < freshest.versions) freshest = behind;
      }
      if (freshest !== null)
        stale.push({ read, versionsBehind: freshest.versions, timeBehindUs: read.invokeUs - freshest.firstAckUs });
    }
  }
  return { reads, stale };
}

/** The writes acknowledged before `beforeUs` that supersede `value`; null when the value cannot be judged. */
function supersededBy(
  history: StoreHistory,
  value: number | null,
  acked: StoreOperation[],
  ackUs: number[],
  beforeUs: number,
): { versions: number; firstAckUs: number } | null {
  const end = lowerBound(ackUs, beforeUs);
  if (value === null) return { versions: end, firstAckUs: end > 0 ? ackUs[0] : 0 };
  const write = history.writeOf(value);
  if (write === undefined || write.ackUs === null) return null;
  const since = write.ackUs;
  let versions = 0;
  let firstAckUs = 0;
  for (let i = upperBound(ackUs, since); i < end; i++) {
    if (acked[i].invokeUs <= since) continue;
    if (versions === 0) firstAckUs = ackUs[i];
    versions++;
  }
  return { versions, firstAckUs };
}
