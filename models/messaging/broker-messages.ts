/**
 * How producers talk to every broker of the family (queues, logs, pub-sub
 * topics): find where a topic's partitions are led, then send each message
 * to its partition's leader and wait for the acknowledgement its `acks` asks
 * for. A queue or a pub-sub topic is one partition led by the node holding
 * it. Message ids are the delivery log's (models/measure/delivery-log.ts), so
 * brokers and consumers record facts about the same message.
 */

/** Asks any node of a broker for the topic's partitions and their leaders. */
export interface MetadataRequest {
  readonly kind: 'metadata';
  readonly id: number;
}

export interface MetadataReply {
  readonly kind: 'metadata-reply';
  readonly id: number;
  /** Per partition, the node name of its leader as this node knows it; null when it has none (offline). */
  readonly leaders: readonly (string | null)[];
}

/**
 * How many replicas must hold a message before it is acknowledged: 0 none
 * (the producer does not wait, and the broker sends no reply), 1 the leader,
 * -1 every replica in sync (Kafka's acks=all), of which at least
 * `min.insync.replicas` must exist. Queues treat 1 and -1 alike.
 */
export type Acks = 0 | 1 | -1;

export interface ProduceRequest {
  readonly kind: 'produce';
  /** Wire id, echoed by the reply; a retry gets a new one. */
  readonly id: number;
  /** The message's id in the delivery log: the same on every retry. */
  readonly message: number;
  readonly partition: number;
  /** The message key (ordering key, message group), 0 when the producer has none. */
  readonly key: number;
  readonly sizeBytes: number;
  readonly acks: Acks;
  /** Higher first, for priority queues (0 by default). */
  readonly priority: number;
  /** Keep it invisible to consumers this long after it is stored (a delay queue); 0 for none. */
  readonly delayUs: number;
  /**
   * An idempotent producer's id and this message's sequence number within
   * (producer, partition), 0, 1, 2 …: the leader appends a sequence once and
   * acknowledges a repeat without appending it again. -1 for a producer that
   * is not idempotent.
   */
  readonly producerId: number;
  readonly sequence: number;
}

/**
 * Why a broker did not take a message:
 * - `not-leader`: this node does not lead the partition (`leader` hints at the node that does, when known);
 * - `not-enough-replicas`: acks=all and fewer replicas are in sync than min.insync.replicas;
 * - `full`: a bounded queue is full and refuses (the other backpressure mode holds the reply until there is room);
 * - `out-of-order-sequence`: an idempotent producer skipped a sequence number (an earlier message was lost);
 * - `unavailable`: the broker cannot take writes now (recovering, no leader).
 */
export const PRODUCE_ERRORS = [
  'not-leader',
  'not-enough-replicas',
  'full',
  'out-of-order-sequence',
  'unavailable',
] as const;
export type ProduceError = (typeof PRODUCE_ERRORS)[number];

export interface ProduceReply {
  readonly kind: 'produce-reply';
  readonly id: number;
  readonly message: number;
  /** Absent when the message is stored as `acks` asked. */
  readonly error?: ProduceError;
  /** With not-leader: the node the broker believes leads the partition. */
  readonly leader?: string;
  /** The offset it was stored at in a log partition; -1 for a queue. */
  readonly offset: number;
}

/**
 * A consumer's ReceiveMessage on a queue or subscription (SQS's API): up to
 * `maxMessages` visible messages, waiting up to `waitUs` for one to arrive
 * (long polling; 0 is a short poll that answers at once, possibly empty).
 * Each message received becomes invisible for the queue's visibility timeout
 * (or `visibilityTimeoutUs` when given), measured on the broker's clock.
 */
export interface ReceiveRequest {
  readonly kind: 'receive';
  readonly id: number;
  /** The subscription to read, for a pub-sub topic; the queue's own name otherwise. */
  readonly subscription: string;
  readonly maxMessages: number;
  readonly waitUs: number;
  readonly visibilityTimeoutUs?: number;
}

export interface ReceivedMessage {
  readonly message: number;
  readonly key: number;
  readonly sizeBytes: number;
  /** Identifies this receipt: a delete or visibility change with an older receipt of the message does nothing. */
  readonly receipt: number;
  /** How often it has been received, this time included (SQS's ApproximateReceiveCount). */
  readonly receiveCount: number;
}

export interface ReceiveReply {
  readonly kind: 'receive-reply';
  readonly id: number;
  readonly messages: readonly ReceivedMessage[];
  /** Set when the broker refused the request (no such subscription, not the node holding the queue). */
  readonly error?: 'unavailable';
}

/** Deletes a received message (SQS DeleteMessage, an AMQP ack): it is never delivered again. */
export interface DeleteRequest {
  readonly kind: 'delete';
  readonly subscription: string;
  readonly message: number;
  readonly receipt: number;
}

/** Makes a received message visible again after `timeoutUs` (0: at once, an AMQP nack with requeue). */
export interface ChangeVisibilityRequest {
  readonly kind: 'change-visibility';
  readonly subscription: string;
  readonly message: number;
  readonly receipt: number;
  readonly timeoutUs: number;
}
