/**
 * One broker's replica of one partition, as its disk holds it: the records
 * (columns of numbers indexed by offset, so appending and reading are O(1)
 * per record and nothing is allocated per record), the leader-epoch cache
 * (the offset at which each leader epoch began, Kafka's
 * leader-epoch-checkpoint, used to find where a follower's log diverges), the
 * high watermark last learned, the idempotent producers' last sequences, and
 * the offset log of consumer-group commits for the groups this partition
 * coordinates. It survives crashes (it lives in the node's durable state);
 * retention moves `startOffset` up without freeing the columns' memory.
 */

/** A column of numbers that doubles when full. */
class Column {
  values: Float64Array;
  constructor(capacity = 256) {
    this.values = new Float64Array(capacity);
  }
  set(index: number, value: number): void {
    if (index >= this.values.length) {
      const grown = new Float64Array(Math.max(index + 1, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[index] = value;
  }
}

/**
 * What a leader's follower-fetch reply carries: `count` records as one block
 * of seven columns (message, key, size, epoch, producer id, sequence, and the
 * leader's append time on its clock, the timestamp retention compares with),
 * column c of record i at data[c * count + i]: one allocation per batch.
 */
export interface RecordBatch {
  readonly count: number;
  readonly data: Float64Array;
}

export interface OffsetCommit {
  readonly group: string;
  readonly partition: number;
  readonly offset: number;
}

/** Called with each record a replica no longer holds (truncation, retention), for the delivery log's copy count. */
export type RecordDropped = (message: number, reason: 'truncated' | 'expired') => void;

export class PartitionReplica {
  /** Offsets [startOffset, endOffset) are held; endOffset is Kafka's log end offset (LEO). */
  startOffset = 0;
  endOffset = 0;
  highWatermark = 0;
  private readonly messages = new Column();
  private readonly keys = new Column();
  private readonly sizes = new Column();
  private readonly epochs = new Column();
  private readonly producerIds = new Column();
  private readonly sequences = new Column();
  private readonly appendedLocalUs = new Column();
  /** The columns in a batch's order. */
  private readonly columns = [
    this.messages,
    this.keys,
    this.sizes,
    this.epochs,
    this.producerIds,
    this.sequences,
    this.appendedLocalUs,
  ];
  /** Leader epochs and the offsets they began at, ascending (only epochs that appended a record or led). */
  private readonly epochStartEpochs: number[] = [];
  private readonly epochStartOffsets: number[] = [];
  /** Per idempotent producer, the last sequence appended and its offset. */
  private readonly lastSequence = new Map<number, number>();
  private readonly lastSequenceOffset = new Map<number, number>();
  /** Commits in the order the leader took them; `committed` is their result per group (offset per partition, -1 none). */
  readonly offsetLog: OffsetCommit[] = [];
  readonly committed = new Map<string, number[]>();

  constructor(
    readonly partition: number,
    private readonly partitions: number,
  ) {}

  message(offset: number): number {
    return this.messages.values[offset];
  }
  key(offset: number): number {
    return this.keys.values[offset];
  }
  size(offset: number): number {
    return this.sizes.values[offset];
  }

  /** The epoch of the last record held; -1 when the log is empty. */
  lastEpoch(): number {
    return this.endOffset > this.startOffset ? this.epochs.values[this.endOffset - 1] : -1;
  }

  /** The latest epoch cached (a leader records its epoch when it takes over, before any record). */
  latestEpoch(): number {
    const n = this.epochStartEpochs.length;
    return n === 0 ? -1 : this.epochStartEpochs[n - 1];
  }

  /** Notes that `epoch` begins at the current end (a new leader does this when it takes over). */
  beginEpoch(epoch: number): void {
    const n = this.epochStartEpochs.length;
    if (n > 0 && this.epochStartEpochs[n - 1] >= epoch) return;
    this.epochStartEpochs.push(epoch);
    this.epochStartOffsets.push(this.endOffset);
  }

  /** The offset at which the current epoch began (a follower rejoins the ISR only once it holds everything before it). */
  latestEpochStart(): number {
    const n = this.epochStartOffsets.length;
    return n === 0 ? 0 : this.epochStartOffsets[n - 1];
  }

  /**
   * Kafka's OffsetsForLeaderEpoch: the largest epoch this log knows at or
   * below `epoch`, and the offset where it ended (where the next epoch began,
   * or the log end). [-1, startOffset] when it knows none.
   */
  endOfEpoch(epoch: number): { epoch: number; endOffset: number } {
    for (let i = this.epochStartEpochs.length - 1; i >= 0; i--) {
      if (this.epochStartEpochs[i] <= epoch) {
        const end = i + 1 < this.epochStartOffsets.length ? this.epochStartOffsets[i + 1] : this.endOffset;
        return { epoch: this.epochStartEpochs[i], endOffset: end };
      }
    }
    return { epoch: -1, endOffset: this.startOffset };
  }

  /** The last sequence appended for an idempotent producer (-1: none), and the offset it went to. */
  producerSequence(producerId: number): number {
    return this.lastSequence.get(producerId) ?? -1;
  }
  producerSequenceOffset(producerId: number): number {
    return this.lastSequenceOffset.get(producerId) ?? -1;
  }

  append(
    message: number,
    key: number,
    sizeBytes: number,
    epoch: number,
    producerId: number,
    sequence: number,
    appendedLocalUs: number,
  ): number {
    this.beginEpoch(epoch);
    const offset = this.endOffset++;
    this.messages.set(offset, message);
    this.keys.set(offset, key);
    this.sizes.set(offset, sizeBytes);
    this.epochs.set(offset, epoch);
    this.producerIds.set(offset, producerId);
    this.sequences.set(offset, sequence);
    this.appendedLocalUs.set(offset, appendedLocalUs);
    if (producerId >= 0) {
      this.lastSequence.set(producerId, sequence);
      this.lastSequenceOffset.set(producerId, offset);
    }
    return offset;
  }

  /** Records [from, from + count) as a batch for a follower. */
  batch(from: number, count: number): RecordBatch {
    const data = new Float64Array(7 * count);
    const columns = this.columns;
    for (let c = 0; c < 7; c++) data.set(columns[c].values.subarray(from, from + count), c * count);
    return { count, data };
  }

  appendBatch(batch: RecordBatch): void {
    const { count, data } = batch;
    for (let i = 0; i < count; i++)
      this.append(
        data[i],
        data[count + i],
        data[2 * count + i],
        data[3 * count + i],
        data[4 * count + i],
        data[5 * count + i],
        data[6 * count + i],
      );
  }

  /**
   * Removes records from `offset` on (a follower's suffix that diverged
   * from its leader's log), with the epochs that began there and the
   * producers' sequences they carried: a producer's state goes back to the
   * sequence before its first removed record (the leader takes a producer's
   * sequences consecutively, so that record held the one before).
   */
  truncateTo(offset: number, dropped: RecordDropped): number {
    if (offset >= this.endOffset) return 0;
    const from = Math.max(offset, this.startOffset);
    const firstRemoved = new Map<number, number>();
    for (let o = this.endOffset - 1; o >= from; o--) {
      dropped(this.messages.values[o], 'truncated');
      const producer = this.producerIds.values[o];
      if (producer >= 0) firstRemoved.set(producer, this.sequences.values[o]);
    }
    for (const [producer, sequence] of firstRemoved) {
      if (sequence === 0) {
        this.lastSequence.delete(producer);
        this.lastSequenceOffset.delete(producer);
      } else {
        this.lastSequence.set(producer, sequence - 1);
        this.lastSequenceOffset.set(producer, this.lastOffsetBelow(producer, from));
      }
    }
    const removed = this.endOffset - from;
    this.endOffset = from;
    while (this.epochStartOffsets.length > 0 && this.epochStartOffsets[this.epochStartOffsets.length - 1] >= from) {
      this.epochStartEpochs.pop();
      this.epochStartOffsets.pop();
    }
    if (this.highWatermark > this.endOffset) this.highWatermark = this.endOffset;
    return removed;
  }

  /** Drops everything and starts again at `offset` (a follower far behind a leader whose retention removed what it needs). */
  resetTo(offset: number, dropped: RecordDropped): void {
    this.truncateTo(this.startOffset, dropped);
    this.startOffset = this.endOffset = offset;
    this.highWatermark = offset;
  }

  /** Drops records the leader appended before `cutoffLocalUs`, never at or past the high watermark; returns how many. */
  expireBefore(cutoffLocalUs: number, dropped: RecordDropped): number {
    let removed = 0;
    while (this.startOffset < this.highWatermark && this.appendedLocalUs.values[this.startOffset] < cutoffLocalUs) {
      dropped(this.messages.values[this.startOffset], 'expired');
      this.startOffset++;
      removed++;
    }
    return removed;
  }

  applyCommit(commit: OffsetCommit): void {
    this.offsetLog.push(commit);
    let offsets = this.committed.get(commit.group);
    if (offsets === undefined)
      this.committed.set(commit.group, (offsets = new Array<number>(this.partitions).fill(-1)));
    offsets[commit.partition] = commit.offset;
  }

  /** Replaces the offset log with the leader's (a follower starting to follow a new leader). */
  resetCommits(): void {
    this.offsetLog.length = 0;
    this.committed.clear();
  }

  private lastOffsetBelow(producer: number, offset: number): number {
    for (let o = offset - 1; o >= this.startOffset; o--) if (this.producerIds.values[o] === producer) return o;
    return -1;
  }
}
