/**
 * What happened to every message of a run's brokers, for the delivery
 * checker (reports/delivery/): producers record each message when it is made
 * and when the broker acknowledges it (or the producer gives up); brokers
 * record each copy they store and each message they drop, truncate or
 * dead-letter; consumers record each delivery and each processing (the
 * message's effect, which an idempotent consumer applies once however often
 * it is delivered).
 *
 * A topic is what producers write to: a queue, a log topic or a pub-sub
 * topic, named after its broker component. A stream is one way of reading it
 * whose deliveries are judged together: the queue itself, a consumer group of
 * a log, or a subscription of a pub-sub topic. Facts about storing belong to
 * the topic (a log stores a message once for every group); facts about
 * delivering belong to the stream.
 *
 * Message ids are dense per topic (0, 1, 2 …, in the order producers made
 * them), so every fact is an entry in a column indexed by id; nothing is
 * kept per delivery beyond counts, so memory grows with messages only.
 */

/** How a stream's order is judged: within a partition (a log), within an ordering key (a FIFO queue's message group), or not at all. */
export type OrderingUnit = 'partition' | 'key' | 'none';

export type TopicKind = 'queue' | 'log' | 'pubsub';

/** Why the broker no longer holds a message it stored. */
export const REMOVAL_REASONS = ['truncated', 'expired', 'dropped'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

const NONE = Number.NaN;

/** Orders units (partitions or keys) below this many per producer in the ordering map's integer keys. */
const UNITS_PER_PRODUCER = 2 ** 21;

export class DeliveryLog {
  readonly topics: TopicRecord[] = [];
  private readonly byName = new Map<string, TopicRecord>();

  /**
   * The topic written by component `name`, created by whichever of its
   * producers, broker or consumers asks first; its broker names the `kind`
   * (producers and consumers need not know it).
   */
  topic(name: string, kind?: TopicKind): TopicRecord {
    let topic = this.byName.get(name);
    if (topic === undefined) {
      topic = new TopicRecord(name);
      this.byName.set(name, topic);
      this.topics.push(topic);
    }
    if (kind !== undefined) {
      if (topic.kind !== null && topic.kind !== kind)
        throw new RangeError(`topic ${name} is a ${topic.kind}, but a ${kind} asked for it`);
      topic.kind = kind;
    }
    return topic;
  }
}

export class TopicRecord {
  /** True time each message was made (its first send), by id. */
  readonly producedUs: number[] = [];
  /** The producer's node id, and the message's place in that producer's order (0, 1, 2 …). */
  readonly producer: number[] = [];
  readonly producerSequence: number[] = [];
  readonly key: number[] = [];
  /** True time the producer had the broker's acknowledgement; NaN when it never did (acks=0, refused, gave up). */
  readonly acknowledgedUs: number[] = [];
  /** True time the producer gave up on it (refused, retries exhausted); NaN otherwise. */
  readonly failedUs: number[] = [];
  /** Copies the broker appended (more than one: a producer's retry stored it twice), and when it first did. */
  readonly storedCopies: number[] = [];
  readonly storedUs: number[] = [];
  /** When and why the broker stopped holding it (every stream loses it); NaN while held. */
  readonly removedUs: number[] = [];
  readonly removedReason: (RemovalReason | null)[] = [];
  readonly streams: StreamRecord[] = [];
  private readonly sequenceOf = new Map<number, number>();
  private readonly streamByName = new Map<string, StreamRecord>();

  /** Set by the topic's broker; null until it is built. */
  kind: TopicKind | null = null;

  constructor(readonly name: string) {}

  get messages(): number {
    return this.producedUs.length;
  }

  /**
   * The stream read as `subscription` (a queue's own name, a consumer group,
   * a pub-sub subscription), judged by `ordering`; created on first use.
   */
  stream(subscription: string, ordering: OrderingUnit): StreamRecord {
    let stream = this.streamByName.get(subscription);
    if (stream === undefined) {
      stream = new StreamRecord(this, subscription, ordering);
      this.streamByName.set(subscription, stream);
      this.streams.push(stream);
    } else if (stream.ordering !== ordering)
      throw new RangeError(
        `stream ${this.name}/${subscription} is ordered by ${stream.ordering}, but was asked for by ${ordering}`,
      );
    return stream;
  }

  /** The stream read as `subscription`, as its broker created it; undefined when it has none of that name. */
  existingStream(subscription: string): StreamRecord | undefined {
    return this.streamByName.get(subscription);
  }

  /** A new message from producer node `producer`; returns its id. */
  produced(producer: number, key: number, nowUs: number): number {
    const id = this.producedUs.length;
    const sequence = this.sequenceOf.get(producer) ?? 0;
    this.sequenceOf.set(producer, sequence + 1);
    this.producedUs.push(nowUs);
    this.producer.push(producer);
    this.producerSequence.push(sequence);
    this.key.push(key);
    this.acknowledgedUs.push(NONE);
    this.failedUs.push(NONE);
    this.storedCopies.push(0);
    this.storedUs.push(NONE);
    this.removedUs.push(NONE);
    this.removedReason.push(null);
    return id;
  }

  /** The producer has the broker's acknowledgement (the first one counts). */
  acknowledged(id: number, nowUs: number): void {
    if (Number.isNaN(this.acknowledgedUs[id])) this.acknowledgedUs[id] = nowUs;
  }

  /** The producer gave up on the message without an acknowledgement. */
  failed(id: number, nowUs: number): void {
    if (Number.isNaN(this.failedUs[id])) this.failedUs[id] = nowUs;
  }

  /** The broker appended a copy (the leader, for a replicated log: once per copy it accepted, not per replica). */
  stored(id: number, nowUs: number): void {
    if (this.storedCopies[id]++ === 0) this.storedUs[id] = nowUs;
  }

  /** The broker no longer holds the message: a truncated log suffix, retention, a crash of a broker without a disk. */
  removed(id: number, reason: RemovalReason, nowUs: number): void {
    if (Number.isNaN(this.removedUs[id])) {
      this.removedUs[id] = nowUs;
      this.removedReason[id] = reason;
    }
  }

  /** A copy that was removed and then appended again (a retry after a truncation) is held once more. */
  restored(id: number): void {
    this.removedUs[id] = NONE;
    this.removedReason[id] = null;
  }
}

export class StreamRecord {
  /** Deliveries of each message to a consumer of this stream, and when the first was. */
  readonly deliveries: number[] = [];
  readonly firstDeliveredUs: number[] = [];
  /** Times its effect was applied, and when first. */
  readonly processings: number[] = [];
  readonly firstProcessedUs: number[] = [];
  /** When this stream moved it to its dead-letter queue; NaN when it did not. */
  readonly deadLetteredUs: number[] = [];
  /**
   * When and why this stream's own copy was removed (a pub-sub
   * subscription's copy expiring); NaN while held. A removal of the topic's
   * copy (`TopicRecord.removed`) counts for every stream: see `removedAtUs`.
   */
  readonly removedUs: number[] = [];
  readonly removedReason: (RemovalReason | null)[] = [];
  /** Messages first delivered after a later message of the same producer and ordering unit. */
  outOfOrder = 0;
  /** Per partition, which offsets were delivered at least once (a log's streams). */
  readonly deliveredOffsets: Uint8Array[] = [];
  /**
   * Set by the broker: the ids this stream would still deliver when the run
   * ends (a queue's waiting and in-flight messages, a log's messages at or
   * after the group's committed offsets). Unprocessed messages outside it
   * will never be processed; the checker counts the acknowledged ones as lost.
   */
  pendingAtEnd: (() => readonly number[]) | null = null;
  private readonly lastSequence = new Map<number, number>();

  constructor(
    readonly topic: TopicRecord,
    readonly subscription: string,
    readonly ordering: OrderingUnit,
  ) {}

  /**
   * A consumer got message `id` (from `partition` at `offset`, or 0 and -1
   * for a queue). Its first delivery is checked against the producer's order
   * within its ordering unit.
   */
  delivered(id: number, partition: number, offset: number, nowUs: number): void {
    this.grow(id);
    if (this.deliveries[id]++ === 0) {
      this.firstDeliveredUs[id] = nowUs;
      this.checkOrder(id, partition);
    }
    if (offset >= 0) this.markOffset(partition, offset);
  }

  /** A consumer applied the message's effect. */
  processed(id: number, nowUs: number): void {
    this.grow(id);
    if (this.processings[id]++ === 0) this.firstProcessedUs[id] = nowUs;
  }

  deadLettered(id: number, nowUs: number): void {
    this.grow(id);
    if (Number.isNaN(this.deadLetteredUs[id])) this.deadLetteredUs[id] = nowUs;
  }

  /** The broker removed this stream's copy of the message (a subscription's copy expired or was dropped). */
  removed(id: number, reason: RemovalReason, nowUs: number): void {
    this.grow(id);
    if (Number.isNaN(this.removedUs[id])) {
      this.removedUs[id] = nowUs;
      this.removedReason[id] = reason;
    }
  }

  /** The stream holds a copy again (a retry stored it anew); nothing when it was not removed. */
  restored(id: number): void {
    if (id >= this.removedUs.length) return;
    this.removedUs[id] = NONE;
    this.removedReason[id] = null;
  }

  /** When the broker stopped holding the message for this stream: its own copy's removal, else the topic's; NaN while held. */
  removedAtUs(id: number): number {
    const own = id < this.removedUs.length ? this.removedUs[id] : NONE;
    return Number.isNaN(own) ? this.topic.removedUs[id] : own;
  }

  /** Why, as `removedAtUs`; null while held. */
  removalReason(id: number): RemovalReason | null {
    const own = id < this.removedReason.length ? this.removedReason[id] : null;
    return own ?? this.topic.removedReason[id];
  }

  private checkOrder(id: number, partition: number): void {
    if (this.ordering === 'none') return;
    const unit = this.ordering === 'partition' ? partition : this.topic.key[id];
    if (!(unit >= 0 && unit < UNITS_PER_PRODUCER))
      throw new RangeError(`ordering unit ${unit} of message ${id} is out of range 0..${UNITS_PER_PRODUCER - 1}`);
    const slot = this.topic.producer[id] * UNITS_PER_PRODUCER + unit;
    const sequence = this.topic.producerSequence[id];
    const last = this.lastSequence.get(slot);
    if (last !== undefined && sequence < last) this.outOfOrder++;
    else this.lastSequence.set(slot, sequence);
  }

  private markOffset(partition: number, offset: number): void {
    while (this.deliveredOffsets.length <= partition) this.deliveredOffsets.push(new Uint8Array(64));
    let marks = this.deliveredOffsets[partition];
    if (offset >= marks.length) {
      const grown = new Uint8Array(Math.max(offset + 1, marks.length * 2));
      grown.set(marks);
      this.deliveredOffsets[partition] = marks = grown;
    }
    marks[offset] = 1;
  }

  private grow(id: number): void {
    if (!(id >= 0 && id < this.topic.messages))
      throw new RangeError(`message ${id} of topic ${this.topic.name} was never produced`);
    while (this.deliveries.length <= id) {
      this.deliveries.push(0);
      this.firstDeliveredUs.push(NONE);
      this.processings.push(0);
      this.firstProcessedUs.push(NONE);
      this.deadLetteredUs.push(NONE);
      this.removedUs.push(NONE);
      this.removedReason.push(null);
    }
  }
}
