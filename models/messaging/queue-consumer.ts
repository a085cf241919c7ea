import { z } from 'zod';
import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
  type TimerHandle,
} from '../../engine/index.js';
import { inHashedShare } from '../parts/hash.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { StreamRecord, TopicRecord } from '../measure/delivery-log.js';
import { DedupStore } from './dedup-store.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, fraction, positiveDurationUs, positiveInt } from '../kit/units.js';
import type {
  ChangeVisibilityRequest,
  DeleteRequest,
  ReceivedMessage,
  ReceiveReply,
  ReceiveRequest,
} from './broker-messages.js';

/** Figures in the consumer's component details. */
export const CONSUMER_COUNTS = [
  'received',
  'processed',
  'failed',
  'poisoned',
  'duplicatesSkipped',
  'emptyReceives',
] as const;

/** The settings as the scenario gives them, durations in microseconds. */
export type QueueConsumerSettings = z.output<typeof queueConsumerParams>;

/** What the consumer nodes of one workload share. */
export interface QueueConsumerRuntime {
  readonly settings: QueueConsumerSettings;
  /** The broker node the target lives on. */
  readonly broker: string;
  /** The queue's name (a queue component) or the subscription's, as receives name it. */
  readonly subscription: string;
  readonly topic: TopicRecord;
  readonly metrics: ComponentMetrics;
  readonly dedup: DedupStore | null;
}

const DONE = 1;
const POLL = 2;
const RECEIVE_TIMEOUT = 3;

/**
 * A consumer node of a queue or subscription (an SQS poller, a RabbitMQ
 * consumer): each of its `workers` receives up to `batch` messages (a long
 * poll waiting up to `waitTime`, or short polls every `pollInterval`),
 * processes them one after another and deletes them as soon as they are
 * received (at-most-once) or, those processed, once the whole batch is done
 * (at-least-once: a crash mid-batch repeats the effects of those before it). A message
 * whose processing fails is not deleted: its visibility timeout ends and it
 * is delivered again, until the dead-letter queue. Work in progress is
 * volatile: a crash loses it, and the messages come back after their
 * visibility timeout (or never, when already deleted).
 */
export class QueueConsumer implements InspectableProcess<ReceiveReply> {
  private readonly processing: Distribution;
  private readonly rng: RandomStream;
  private readonly workers: number;
  /** Per worker: the receive it waits for (-1: none), its batch and the place in it. */
  private readonly pollIds: Float64Array;
  private readonly pollTimers: (TimerHandle | -1)[];
  private readonly batches: (readonly ReceivedMessage[] | null)[];
  private readonly positions: Int32Array;
  /** Per worker and place in its batch: processed, to delete when the batch is done. */
  private readonly succeeded: Uint8Array;
  private readonly receivedUs: Float64Array;
  private brokerId: NodeId = -1;
  private stream: StreamRecord | null = null;
  private nextPoll = 0;
  private busy = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly runtime: QueueConsumerRuntime,
    private readonly node: number,
  ) {
    const settings = runtime.settings;
    this.processing = distribution(settings.processing);
    this.rng = ctx.random('processing');
    this.workers = settings.workers;
    this.pollIds = new Float64Array(this.workers).fill(-1);
    this.pollTimers = new Array<TimerHandle | -1>(this.workers).fill(-1);
    this.batches = new Array<readonly ReceivedMessage[] | null>(this.workers).fill(null);
    this.positions = new Int32Array(this.workers);
    this.succeeded = new Uint8Array(this.workers * settings.batch);
    this.receivedUs = new Float64Array(this.workers);
  }

  /** Workers processing, and those waiting for a receive. */
  inspect(): InspectedState {
    let polling = 0;
    for (let w = 0; w < this.workers; w++) if (this.pollIds[w] >= 0) polling++;
    return { workersBusy: this.busy, workersPolling: polling, workers: this.workers };
  }

  onStart(): void {
    this.brokerId = this.ctx.lookup(this.runtime.broker);
    for (let w = 0; w < this.workers; w++) this.poll(w);
  }

  onMessage(_from: NodeId, reply: ReceiveReply): void {
    if (reply.kind !== 'receive-reply') return;
    const w = reply.id % this.workers;
    if (this.pollIds[w] !== reply.id) return;
    this.pollIds[w] = -1;
    this.ctx.cancelTimer(this.pollTimers[w] as TimerHandle);
    this.pollTimers[w] = -1;
    const now = this.ctx.nowUs;
    const metrics = this.runtime.metrics;
    const settings = this.runtime.settings;
    if (reply.error !== undefined || reply.messages.length === 0) {
      if (reply.error === undefined) metrics.countDetail('emptyReceives', now);
      // A long poll that came back empty waited already; a short poll or a refusal waits before asking again.
      if (reply.error === undefined && settings.waitTime > 0) this.poll(w);
      else this.ctx.setTimer(settings.pollInterval, POLL, w);
      return;
    }
    const stream = this.streamRecord();
    for (let i = 0; i < reply.messages.length; i++) {
      const m = reply.messages[i];
      stream.delivered(m.message, 0, -1, now);
      metrics.countDetail('received', now);
      metrics.recordArrival(false, now);
      if (settings.deleteWhen === 'on-receive') this.delete(m);
    }
    this.batches[w] = reply.messages;
    this.positions[w] = 0;
    this.receivedUs[w] = now;
    this.startProcessing(w);
  }

  onTimer(tag: number, data: unknown): void {
    const w = tag === RECEIVE_TIMEOUT ? (data as number) % this.workers : (data as number);
    if (tag === POLL) {
      this.poll(w);
      return;
    }
    if (tag === RECEIVE_TIMEOUT) {
      // No answer (the broker is down or cut off): ask again.
      if (this.pollIds[w] !== data) return;
      this.pollTimers[w] = -1;
      this.poll(w);
      return;
    }
    this.finishProcessing(w);
  }

  private poll(w: number): void {
    const settings = this.runtime.settings;
    const id = this.nextPoll++ * this.workers + w;
    this.pollIds[w] = id;
    const request: ReceiveRequest =
      settings.visibilityTimeout === undefined
        ? {
            kind: 'receive',
            id,
            subscription: this.runtime.subscription,
            maxMessages: settings.batch,
            waitUs: settings.waitTime,
          }
        : {
            kind: 'receive',
            id,
            subscription: this.runtime.subscription,
            maxMessages: settings.batch,
            waitUs: settings.waitTime,
            visibilityTimeoutUs: settings.visibilityTimeout,
          };
    this.ctx.send(this.brokerId, request, 0);
    this.pollTimers[w] = this.ctx.setTimer(settings.waitTime + settings.receiveTimeout, RECEIVE_TIMEOUT, id);
  }

  private startProcessing(w: number): void {
    this.busy++;
    this.runtime.metrics.busyChanged(this.node, 1, this.ctx.nowUs);
    this.ctx.setTimer(this.processing.sample(this.rng), DONE, w);
  }

  /**
   * The message's processing ends: it fails (poison, or a transient failure)
   * and is left for redelivery, or its effect is applied (once, for an
   * idempotent consumer) and it is deleted.
   */
  private finishProcessing(w: number): void {
    const batch = this.batches[w]!;
    const m = batch[this.positions[w]];
    const now = this.ctx.nowUs;
    const { settings, metrics, dedup } = this.runtime;
    this.busy--;
    metrics.busyChanged(this.node, -1, now);
    const poisoned = this.isPoison(m);
    const failed = !poisoned && settings.failure > 0 && this.rng.bernoulli(settings.failure);
    if (poisoned || failed) {
      metrics.countDetail(poisoned ? 'poisoned' : 'failed', now);
      if (settings.onFailure === 'release') this.release(m);
    } else {
      if (dedup === null || dedup.firstTime(m.message)) {
        this.streamRecord().processed(m.message, now);
        metrics.countDetail('processed', now);
      } else metrics.countDetail('duplicatesSkipped', now);
      metrics.recordServed(this.receivedUs[w], now);
      this.succeeded[w * settings.batch + this.positions[w]] = 1;
    }
    if (++this.positions[w] < batch.length) {
      this.startProcessing(w);
      return;
    }
    if (settings.deleteWhen === 'after-processing') {
      // One delete batch once the whole batch is done, as SQS consumers (and Lambda) do: a crash before it repeats the batch's effects.
      for (let i = 0; i < batch.length; i++) {
        if (this.succeeded[w * settings.batch + i] === 1) this.delete(batch[i]);
        this.succeeded[w * settings.batch + i] = 0;
      }
    }
    this.batches[w] = null;
    this.poll(w);
  }

  /** A poison message's key always fails: a hash of the key (of the message id when it has none) below the share. */
  private isPoison(m: ReceivedMessage): boolean {
    return inHashedShare(m.key !== 0 ? m.key : m.message, 0x5eed, this.runtime.settings.poison);
  }

  /** Makes the message visible again at once (an AMQP nack with requeue). */
  private release(m: ReceivedMessage): void {
    this.ctx.send(
      this.brokerId,
      {
        kind: 'change-visibility',
        subscription: this.runtime.subscription,
        message: m.message,
        receipt: m.receipt,
        timeoutUs: 0,
      } satisfies ChangeVisibilityRequest,
      0,
    );
  }

  private delete(m: ReceivedMessage): void {
    this.ctx.send(
      this.brokerId,
      {
        kind: 'delete',
        subscription: this.runtime.subscription,
        message: m.message,
        receipt: m.receipt,
      } satisfies DeleteRequest,
      0,
    );
  }

  /** The stream is the broker's, created when it was built; found on first use whatever order the scenario lists them in. */
  private streamRecord(): StreamRecord {
    if (this.stream !== null) return this.stream;
    const { topic, subscription } = this.runtime;
    const stream = topic.existingStream(subscription);
    if (stream === undefined)
      throw new RangeError(`queue-consumer: ${topic.name} has no stream ${subscription}; is it a queue or pubsub?`);
    return (this.stream = stream);
  }
}

const queueConsumerParams = z.strictObject({
  target: z.string().describe('The queue or pubsub component to consume.'),
  subscription: z
    .string()
    .optional()
    .describe('For a pubsub target: the subscription to consume (required). Absent for a queue.'),
  workers: positiveInt
    .default(1)
    .describe('Messages processed at once on each node (each worker receives its own batches).'),
  batch: positiveInt
    .default(1)
    .describe('Most messages per receive (SQS MaxNumberOfMessages, up to 10 there); processed one after another.'),
  waitTime: durationUs
    .default(20_000_000)
    .describe(
      'Long polling: a receive waits up to this long for a message (default 20s). 0: short polling, every pollInterval.',
    ),
  pollInterval: positiveDurationUs
    .default(1_000_000)
    .describe('With short polling, or after a refused receive: wait this long before receiving again (default 1s).'),
  receiveTimeout: positiveDurationUs
    .default(5_000_000)
    .describe(
      'A receive with no answer this long after its wait time is sent again (the broker is down or cut off). Default 5s.',
    ),
  visibilityTimeout: positiveDurationUs
    .optional()
    .describe("Asks this visibility timeout for the messages it receives, instead of the queue's."),
  processing: durationDistribution
    .default({ type: 'constant', value: 10_000 })
    .describe('Time to process one message: a duration or a distribution (default 10ms).'),
  deleteWhen: z
    .enum(['on-receive', 'after-processing'])
    .default('after-processing')
    .describe(
      'Delete (acknowledge) messages as soon as they are received: at-most-once, a crash mid-batch loses the rest of the batch; or after processing, those processed once the whole batch is done: at-least-once, a crash mid-batch or a too-short visibility timeout repeats effects.',
    ),
  idempotent: z
    .boolean()
    .default(false)
    .describe(
      "A deduplication store (shared by the workload's nodes, surviving crashes) applies each message's effect once: effectively-once with after-processing.",
    ),
  poison: fraction
    .default(0)
    .describe(
      'Share of keys (of messages, for messages without a key) whose processing always fails: never deleted, they are redelivered at each visibility timeout until the dead-letter queue.',
    ),
  onFailure: z
    .enum(['wait', 'release'])
    .default('wait')
    .describe(
      'After a failed processing: leave the message until its visibility timeout ends (SQS), or release it at once to be delivered again (an AMQP nack with requeue, SQS ChangeMessageVisibility 0).',
    ),
  failure: fraction
    .default(0)
    .describe('Share of processings that fail transiently (not deleted, redelivered after the visibility timeout).'),
});

export const queueConsumerModel: ModelDefinition<typeof queueConsumerParams> = {
  type: 'queue-consumer',
  role: 'workload',
  description:
    'Consumers of a queue or a pub-sub subscription: workers receive batches (long or short polling), process them, and delete them on receipt or after processing; optional deduplication, poison messages and transient failures.',
  params: queueConsumerParams,
  references: (params) => [
    {
      path: ['target'],
      component: params.target,
      type: ['queue', 'pubsub'],
      fits(target: unknown) {
        const subscriptions = (target as { subscriptions?: object }).subscriptions;
        const names = subscriptions === undefined ? [] : Object.keys(subscriptions);
        if (subscriptions === undefined && params.subscription !== undefined)
          return [
            {
              path: ['subscription'],
              message: `${params.target} is a queue, which has no subscriptions; remove subscription`,
            },
          ];
        if (subscriptions !== undefined && params.subscription === undefined)
          return [
            {
              path: ['subscription'],
              message: `${params.target} is a pubsub topic: name one of its subscriptions (${names.join(', ')})`,
            },
          ];
        if (params.subscription !== undefined && !names.includes(params.subscription))
          return [
            {
              path: ['subscription'],
              message: `${params.target} has no subscription "${params.subscription}"; it has ${names.join(', ')}`,
            },
          ];
        return [];
      },
    },
  ],
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(params.workers);
    for (const name of CONSUMER_COUNTS) metrics.noteDetail(name, 0);
    const runtime: QueueConsumerRuntime = {
      settings: params,
      broker: ctx.nodesOf(params.target)[0],
      subscription: params.subscription ?? params.target,
      topic: ctx.deliveries.topic(params.target),
      metrics,
      dedup: params.idempotent ? new DedupStore() : null,
    };
    return (node) => (nodeCtx) => new QueueConsumer(nodeCtx, runtime, node);
  },
};
