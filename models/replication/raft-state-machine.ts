import type { RaftEntry } from './raft-messages.js';

/**
 * The replicated state: one register per key, changed only by applying
 * committed entries in log order, so every replica that applied the same
 * prefix holds the same values. A cas compares when it is applied: a
 * mismatch is applied as a no-op, which is a definite outcome.
 */
export class RegisterMachine {
  readonly values = new Map<number, number>();
  /** The value the last applied read or cas found. */
  found: number | null = null;

  /** Applies one entry; false only for a cas whose compare failed. */
  apply(entry: RaftEntry): boolean {
    switch (entry.command) {
      case 'noop':
        return true;
      case 'read':
        this.found = this.values.get(entry.key) ?? null;
        return true;
      case 'write':
        this.values.set(entry.key, entry.value);
        return true;
      case 'cas':
        this.found = this.values.get(entry.key) ?? null;
        if (this.found !== entry.expected) return false;
        this.values.set(entry.key, entry.value);
        return true;
    }
  }

  read(key: number): number | null {
    return this.values.get(key) ?? null;
  }
}
