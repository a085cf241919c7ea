/** One key's write that the database has not acknowledged yet: the latest value written (its size, or a delete) and how many writes it merges. */
export interface PendingWrite {
  key: number;
  sizeBytes: number;
  deleted: boolean;
  /** Writes accepted into this entry (a write to a pending key merges into it). */
  writes: number;
}

/**
 * A write-behind cache's writes not yet in the database. A write to a key
 * waits here (merged with any earlier unsent write to it) until a flush takes
 * it, oldest key first; it then stays in flight until the database
 * acknowledges it, so reads keep seeing it even if the cached entry was
 * evicted meanwhile. It is volatile: a crash loses what was not sent.
 */
export class WriteBehindBuffer {
  private readonly unsent = new Map<number, PendingWrite>();
  /** Key → its latest write sent and not acknowledged yet, with the number of its puts in flight. */
  private readonly inFlight = new Map<number, { write: PendingWrite; puts: number }>();
  /** Writes accepted and not sent yet: what a crash now would lose. */
  unsentWrites = 0;

  get unsentKeys(): number {
    return this.unsent.size;
  }

  get keysInFlight(): number {
    return this.inFlight.size;
  }

  add(key: number, sizeBytes: number, deleted: boolean): void {
    this.unsentWrites++;
    const write = this.unsent.get(key);
    if (write === undefined) {
      this.unsent.set(key, { key, sizeBytes, deleted, writes: 1 });
      return;
    }
    write.sizeBytes = sizeBytes;
    write.deleted = deleted;
    write.writes++;
  }

  /** The newest write of `key` the database may not have yet (unsent first, then in flight); undefined when none. */
  latest(key: number): PendingWrite | undefined {
    return this.unsent.get(key) ?? this.inFlight.get(key)?.write;
  }

  /** Takes up to `max` unsent writes, oldest key first, and counts them in flight until `acknowledged`. */
  takeBatch(max: number): PendingWrite[] {
    const batch: PendingWrite[] = [];
    for (const write of this.unsent.values()) {
      if (batch.length === max) break;
      batch.push(write);
    }
    for (const write of batch) {
      this.unsent.delete(write.key);
      this.unsentWrites -= write.writes;
      const flight = this.inFlight.get(write.key);
      if (flight === undefined) this.inFlight.set(write.key, { write, puts: 1 });
      else {
        flight.write = write;
        flight.puts++;
      }
    }
    return batch;
  }

  /**
   * A flushed write the database did not take (failed or timed out) waits for
   * the next flush; when a newer write of its key already waits, it merges
   * into that one (the newer value wins, and its writes are still unsent: a
   * crash would lose them too).
   */
  retry(write: PendingWrite): void {
    this.unsentWrites += write.writes;
    const newer = this.unsent.get(write.key);
    if (newer === undefined) this.unsent.set(write.key, write);
    else newer.writes += write.writes;
  }

  /** The database answered one put of `key` sent by a flush (committed or failed). */
  acknowledged(key: number): void {
    const flight = this.inFlight.get(key);
    if (flight === undefined) return;
    if (--flight.puts === 0) this.inFlight.delete(key);
  }
}
