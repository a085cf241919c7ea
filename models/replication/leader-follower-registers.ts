import { NO_KEY, type ReplicationLog } from './replication-log.js';

/**
 * The registers a replica serves, derived from its log: each key's latest
 * value and the index of the entry that wrote it. Volatile: rebuilt from the
 * log after a restart or when reconciliation cuts the log back.
 */
export class AppliedRegisters {
  readonly values = new Map<number, number>();
  private readonly writtenAt = new Map<number, number>();

  /** The index of the last entry that wrote `key`; 0 if none has. */
  indexOf(key: number): number {
    return this.writtenAt.get(key) ?? 0;
  }

  /** Entry `index` of `log`, the newest applied so far (no-op entries write nothing). */
  apply(log: ReplicationLog, index: number): void {
    const key = log.keyAt(index);
    if (key === NO_KEY) return;
    this.values.set(key, log.valueAt(index));
    this.writtenAt.set(key, index);
  }

  /** Forgets everything and applies the whole of `log` again. */
  rebuild(log: ReplicationLog): void {
    this.values.clear();
    this.writtenAt.clear();
    for (let i = 1; i <= log.length; i++) this.apply(log, i);
  }
}
