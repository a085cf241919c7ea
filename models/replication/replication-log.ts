/** Indexes stay below 2^32, so a packed version is exact while epochs stay below 2^21. */
const INDEX_SPAN = 2 ** 32;

/**
 * A replica's log of writes, kept on its disk: entry i (from 1) holds the
 * epoch it was written in, the key and the value. Stored in growable typed
 * arrays, so appending allocates nothing per entry.
 */
export class ReplicationLog {
  length = 0;
  private epochs = new Int32Array(1024);
  private keys = new Float64Array(1024);
  private values = new Float64Array(1024);
  /** True time the entry was first written, carried for measuring lag only. */
  private writtenUs = new Float64Array(1024);
  /** Set on the replica that answered `ok` for the entry: what a client was told is done. */
  private acknowledged = new Uint8Array(1024);
  /** The index of the entry before it that wrote the same key (0: none), so a key's older values can be found. */
  private previous = new Int32Array(1024);

  append(epoch: number, key: number, value: number, writtenUs: number, previousOfKey: number): number {
    if (this.length + 1 >= this.epochs.length) this.grow();
    const i = ++this.length;
    this.epochs[i] = epoch;
    this.keys[i] = key;
    this.values[i] = value;
    this.writtenUs[i] = writtenUs;
    this.acknowledged[i] = 0;
    this.previous[i] = previousOfKey;
    return i;
  }

  /** The epoch of entry i; 0 for index 0, which every log shares. */
  epochAt(i: number): number {
    return i === 0 ? 0 : this.epochs[i];
  }

  keyAt(i: number): number {
    return this.keys[i];
  }

  valueAt(i: number): number {
    return this.values[i];
  }

  writtenAt(i: number): number {
    return this.writtenUs[i];
  }

  previousOfKeyAt(i: number): number {
    return this.previous[i];
  }

  lastEpoch(): number {
    return this.epochAt(this.length);
  }

  /**
   * The version clients see for entry i: its epoch and index, packed so that
   * comparing numbers compares (epoch, index), since a client keeps the
   * highest it has seen. An index alone would not do: two leaders' logs may
   * hold different entries at one index. 0 for index 0.
   */
  versionOf(i: number): number {
    return this.epochAt(i) * INDEX_SPAN + i;
  }

  /** Whether this log holds the entry `version` names: the same epoch at the same index means the same log up to there (one leader per epoch). */
  holds(version: number): boolean {
    const i = version % INDEX_SPAN;
    return i <= this.length && this.epochAt(i) === Math.floor(version / INDEX_SPAN);
  }

  markAcknowledged(i: number): void {
    this.acknowledged[i] = 1;
  }

  /** The first index of the run of entries sharing entry i's epoch. */
  firstOfEpochRun(i: number): number {
    const epoch = this.epochs[i];
    let j = i;
    while (j > 1 && this.epochs[j - 1] === epoch) j--;
    return j;
  }

  /** The last index whose epoch is at most `epoch` (0 if none): epochs never decrease along a log. */
  lastIndexUpToEpoch(epoch: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.epochs[mid] <= epoch) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Drops every entry after `length`; returns how many of them had been acknowledged to a client. */
  truncate(length: number): number {
    let acknowledged = 0;
    for (let i = length + 1; i <= this.length; i++) acknowledged += this.acknowledged[i];
    this.length = length;
    return acknowledged;
  }

  /** Entries from..to (inclusive) as copies, to ship: a log may be truncated while they travel. */
  slice(from: number, to: number): LogEntries {
    return {
      epochs: this.epochs.slice(from, to + 1),
      keys: this.keys.slice(from, to + 1),
      values: this.values.slice(from, to + 1),
      writtenUs: this.writtenUs.slice(from, to + 1),
    };
  }

  private grow(): void {
    const size = this.epochs.length * 2;
    const epochs = new Int32Array(size);
    epochs.set(this.epochs);
    this.epochs = epochs;
    const keys = new Float64Array(size);
    keys.set(this.keys);
    this.keys = keys;
    const values = new Float64Array(size);
    values.set(this.values);
    this.values = values;
    const writtenUs = new Float64Array(size);
    writtenUs.set(this.writtenUs);
    this.writtenUs = writtenUs;
    const acknowledged = new Uint8Array(size);
    acknowledged.set(this.acknowledged);
    this.acknowledged = acknowledged;
    const previous = new Int32Array(size);
    previous.set(this.previous);
    this.previous = previous;
  }
}

/** Consecutive log entries in transit, one array per field, index 0 first. */
export interface LogEntries {
  readonly epochs: Int32Array;
  readonly keys: Float64Array;
  readonly values: Float64Array;
  readonly writtenUs: Float64Array;
}

/** The key of an entry that writes nothing (a new leader's first entry). */
export const NO_KEY = -1;

export const NO_ENTRIES: LogEntries = {
  epochs: new Int32Array(0),
  keys: new Float64Array(0),
  values: new Float64Array(0),
  writtenUs: new Float64Array(0),
};
