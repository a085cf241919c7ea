import type { RaftEntry } from './raft-messages.js';

/** What applying a client's entry did: whether it took effect (false only for a cas whose compare failed), and what it found. */
export interface Outcome {
  readonly applied: boolean;
  readonly found: number | null;
}

/**
 * The replicated state: one register per key, changed only by applying
 * committed entries in log order, so every replica that applied the same
 * prefix holds the same values. A cas compares when it is applied: a
 * mismatch is applied as a no-op, which is a definite outcome.
 *
 * The network may deliver a request twice, and a leader may append both
 * copies (or a new leader the copy the old one had appended already). Each
 * client request is applied once: a later copy changes nothing and has the
 * first one's outcome (the Raft thesis's client sessions, §6.3, kept whole
 * here rather than expired).
 */
export class RegisterMachine {
  readonly values = new Map<number, number>();
  /** The value the last applied read or cas found. */
  found: number | null = null;
  /** Per client, the outcome of every request it has had applied. */
  private readonly outcomes = new Map<number, Map<number, Outcome>>();

  /** Applies one entry; false only for a cas whose compare failed. */
  apply(entry: RaftEntry): boolean {
    if (entry.command === 'noop') return true;
    let done = this.outcomes.get(entry.client);
    if (done === undefined) this.outcomes.set(entry.client, (done = new Map()));
    const earlier = done.get(entry.requestId);
    if (earlier !== undefined) {
      this.found = earlier.found;
      return earlier.applied;
    }
    const applied = this.execute(entry);
    done.set(entry.requestId, { applied, found: this.found });
    return applied;
  }

  /** The outcome of a client request already applied, if it was. */
  outcomeOf(client: number, requestId: number): Outcome | undefined {
    return this.outcomes.get(client)?.get(requestId);
  }

  read(key: number): number | null {
    return this.values.get(key) ?? null;
  }

  private execute(entry: RaftEntry): boolean {
    switch (entry.command) {
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
      case 'noop':
        return true;
    }
  }
}
