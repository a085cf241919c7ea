/**
 * An idempotent consumer's deduplication store: the ids of the messages
 * whose effect has been applied, checked and written in the same step as the
 * effect (a table with a unique key, updated in the effect's transaction).
 * One store serves a whole consumer group (or a workload's queue consumers) and survives their crashes,
 * as the database holding the effects would: a partition that moves to
 * another member after a crash must find the ids its previous owner applied.
 * A bit per message id (ids are dense per topic), so memory grows with
 * messages only.
 */
export class DedupStore {
  private seen = new Uint8Array(1024);
  /** Effects skipped because they had been applied before. */
  repeatsSkipped = 0;

  /** Records `message` as applied; true the first time, false for a repeat (whose effect must be skipped). */
  firstTime(message: number): boolean {
    if (!(message >= 0 && Number.isInteger(message)))
      throw new RangeError(`DedupStore: message ids are integers >= 0, got ${message}`);
    if (message >= this.seen.length) {
      const grown = new Uint8Array(Math.max(message + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    if (this.seen[message] === 1) {
      this.repeatsSkipped++;
      return false;
    }
    this.seen[message] = 1;
    return true;
  }
}
