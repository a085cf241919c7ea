import { z } from 'zod';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import { Deque } from '../parts/deque.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { StreamRecord, TopicKind, TopicRecord } from '../measure/delivery-log.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { InstanceContext, ModelDefinition } from '../kit/model-contract.js';
import type {
  ChangeVisibilityRequest,
  DeleteRequest,
  MetadataReply,
  MetadataRequest,
  ProduceError,
  ProduceReply,
  ProduceRequest,
  ReceivedMessage,
  ReceiveReply,
  ReceiveRequest,
} from './broker-messages.js';
import { emptyQueueDisk, MessageQueue, type QueueDisk, type QueuedMessage } from './message-queue.js';
import { queueSettingsSchema, type QueueSettings } from './queue-settings.js';

type BrokerMessage =
  MetadataRequest | ProduceRequest | ProduceReply | ReceiveRequest | DeleteRequest | ChangeVisibilityRequest;

/** A long-polling receive waiting for a message. */
interface Waiter {
  readonly queue: number;
  readonly from: NodeId;
  readonly request: ReceiveRequest;
  timer: TimerHandle;
  answered: boolean;
}

/** A produce held while the queue is full (whenFull: block). */
interface Blocked {
  readonly from: NodeId;
  readonly request: ProduceRequest;
}

/** What a broker keeps on disk: its queues' messages and, for idempotent producers, the last sequence stored of each. */
interface BrokerDisk {
  queues?: QueueDisk[];
  sequences?: Map<number, number>;
}

/** One queue of a broker: a `queue` component's own, or a subscription of a `pubsub` topic. */
export interface QueueSpec {
  /** The name receives give: the queue component's name, or the subscription's. */
  readonly name: string;
  readonly settings: QueueSettings;
  readonly stream: StreamRecord;
  /** Where its dead-lettered messages go: the dead-letter queue's node and topic; null to keep them here. */
  readonly deadLetterQueue: { readonly node: string; readonly topic: TopicRecord } | null;
}

/** What every node of a broker component shares: where it records, and its queues. */
export interface BrokerRuntime {
  readonly topic: TopicRecord;
  readonly queues: readonly QueueSpec[];
  readonly metrics: ComponentMetrics;
  /** Prefix detail names with the subscription name (pub-sub). */
  readonly prefixed: boolean;
}

const WAKE = 1;
const WAIT_ENDED = 2;
/**
 * The broker re-reads its clock at least this often while it holds messages:
 * timers cannot see a clock stepped forward, and deadlines on the broker's
 * clock must fall due when it reads past them (as a wall-clock check would).
 */
const CLOCK_CHECK_US = 1_000_000;
const NO_MESSAGES: readonly ReceivedMessage[] = [];

export const REFUSED = 'refused';
export const BLOCKED = 'blocked';
export const BLOCKED_PRODUCERS = 'blockedProducers';

/**
 * A message broker node holding one topic fanned out to one or more queues:
 * a `queue` component (its one queue) or a `pubsub` topic (a queue per
 * subscription, each produce copied to all). It answers metadata (one
 * partition, led by itself), produce (stored when every queue has room; else
 * refused as `full`, or held until there is room), and the queue consumer
 * protocol: receive (long polls wait for a message), delete, change
 * visibility. Idempotent producers' repeats are acknowledged without storing
 * them again.
 */
export class QueueBroker implements InspectableProcess<BrokerMessage> {
  readonly queues: MessageQueue[];
  private readonly waiters: Deque<Waiter>[];
  /** Per queue, the long polls still waiting (its line also holds answered ones until they reach the front). */
  private readonly waiting: Int32Array;
  private readonly blocked = new Deque<Blocked>();
  private readonly sequences: Map<number, number>;
  private readonly byName = new Map<string, number>();
  private readonly block: boolean;
  private readonly maxBlocked: number;
  /** Dead-lettered messages sent on and not yet acknowledged, by wire id: the dead-letter topic and message id. */
  private readonly forwarded = new Map<number, { topic: TopicRecord; message: number }>();
  private nextWire = 0;
  private wake: TimerHandle | -1 = -1;
  private wakeAtLocalUs = Infinity;

  constructor(
    private readonly ctx: NodeContext<BrokerDisk>,
    private readonly runtime: BrokerRuntime,
    node: number,
  ) {
    const specs = runtime.queues;
    const durable = specs.every((q) => q.settings.durable);
    const disk = ctx.durable;
    if (specs.some((q) => q.settings.durable)) disk.queues ??= specs.map(() => emptyQueueDisk());
    this.sequences = durable ? (disk.sequences ??= new Map()) : new Map();
    const local = ctx.localTimeUs();
    const now = ctx.nowUs;
    this.queues = specs.map((q, i) => {
      this.byName.set(q.name, i);
      const recorder = {
        topic: runtime.topic,
        stream: q.stream,
        metrics: runtime.metrics,
        node,
        prefix: runtime.prefixed ? `${q.name}.` : '',
        deadLetterTo:
          q.deadLetterQueue === null
            ? null
            : (m: QueuedMessage, nowUs: number) => this.forward(q.deadLetterQueue!, m, nowUs),
      };
      return new MessageQueue(
        q.settings,
        q.settings.durable ? disk.queues![i] : emptyQueueDisk(),
        recorder,
        local,
        now,
      );
    });
    this.waiters = specs.map(() => new Deque<Waiter>());
    this.waiting = new Int32Array(specs.length);
    // Topic-wide like the depth check: blocking when any subscription blocks.
    this.block = specs.some((q) => q.settings.whenFull === 'block');
    this.maxBlocked = specs.reduce((least, q) => Math.min(least, q.settings.maxBlocked), Infinity);
  }

  /** Per queue: messages visible, in flight, delayed and dead-lettered; long polls waiting; produces held back. */
  inspect(): InspectedState {
    const queues: Record<string, InspectedState> = {};
    this.queues.forEach((q, i) => {
      queues[this.runtime.queues[i].name] = {
        depth: q.depth,
        visible: q.visible,
        inFlight: q.inFlight,
        delayed: q.delayed,
        deadLettered: q.deadLettered,
        waitingReceives: this.waiting[i],
      };
    });
    return { queues, blockedProduces: this.blocked.length };
  }

  onStart(): void {
    this.settle();
  }

  onMessage(from: NodeId, message: BrokerMessage): void {
    this.advance();
    switch (message.kind) {
      case 'metadata':
        this.ctx.send(
          from,
          { kind: 'metadata-reply', id: message.id, leaders: [this.ctx.name] } satisfies MetadataReply,
          0,
        );
        return;
      case 'produce':
        this.onProduce(from, message);
        break;
      case 'produce-reply':
        this.onForwarded(message);
        break;
      case 'receive':
        this.onReceive(from, message);
        break;
      case 'delete': {
        const q = this.byName.get(message.subscription);
        if (q !== undefined) this.queues[q].delete(message.message, message.receipt, this.ctx.nowUs);
        break;
      }
      case 'change-visibility': {
        const q = this.byName.get(message.subscription);
        if (q !== undefined)
          this.queues[q].changeVisibility(
            message.message,
            message.receipt,
            message.timeoutUs,
            this.ctx.localTimeUs(),
            this.ctx.nowUs,
          );
        break;
      }
    }
    this.settle();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === WAIT_ENDED) {
      const waiter = data as Waiter;
      if (waiter.answered) return;
      waiter.answered = true;
      this.waiting[waiter.queue]--;
      this.reply(waiter.from, waiter.request.id, NO_MESSAGES, 0);
      return;
    }
    this.wake = -1;
    this.wakeAtLocalUs = Infinity;
    this.advance();
    this.settle();
  }

  /** A crash: without a disk, every message held is lost. */
  crashed(atUs: number): void {
    this.queues.forEach((q) => {
      if (!q.settings.durable) q.dropAll(atUs);
    });
  }

  /**
   * Sends a dead-lettered message to the dead-letter queue as a producer
   * would, once, without retries: if the dead-letter queue is down, the
   * message is lost (its topic shows it never acknowledged).
   */
  private forward(to: { node: string; topic: TopicRecord }, m: QueuedMessage, nowUs: number): void {
    const message = to.topic.produced(this.ctx.id, m.key, nowUs);
    const id = this.nextWire++;
    this.forwarded.set(id, { topic: to.topic, message });
    const request: ProduceRequest = {
      kind: 'produce',
      id,
      message,
      partition: 0,
      key: m.key,
      sizeBytes: m.sizeBytes,
      acks: 1,
      priority: m.priority,
      delayUs: 0,
      producerId: -1,
      sequence: -1,
    };
    this.ctx.send(this.ctx.lookup(to.node), request, m.sizeBytes);
  }

  private onForwarded(reply: ProduceReply): void {
    const sent = this.forwarded.get(reply.id);
    if (sent === undefined) return;
    this.forwarded.delete(reply.id);
    if (reply.error === undefined) sent.topic.acknowledged(sent.message, this.ctx.nowUs);
    else sent.topic.failed(sent.message, this.ctx.nowUs);
  }

  private onProduce(from: NodeId, request: ProduceRequest): void {
    if (this.hasRoom()) {
      this.admit(from, request);
      return;
    }
    const metrics = this.runtime.metrics;
    if (this.block && this.blocked.length < this.maxBlocked) {
      this.blocked.push({ from, request });
      metrics.countDetail(BLOCKED, this.ctx.nowUs);
      metrics.noteWindowMax(BLOCKED_PRODUCERS, this.blocked.length, this.ctx.nowUs);
      return;
    }
    metrics.countDetail(REFUSED, this.ctx.nowUs);
    metrics.recordRejected(this.ctx.nowUs);
    this.answerProduce(from, request, 'full');
  }

  /**
   * Stores the message in every queue, unless an idempotent producer sent
   * this sequence before (acknowledged again, not stored) or skipped one
   * (refused). A producer the broker does not know yet starts anywhere.
   */
  private admit(from: NodeId, request: ProduceRequest): void {
    if (request.producerId >= 0) {
      const last = this.sequences.get(request.producerId);
      if (last !== undefined && request.sequence <= last) {
        this.answerProduce(from, request, undefined);
        return;
      }
      if (last !== undefined && request.sequence > last + 1) {
        this.answerProduce(from, request, 'out-of-order-sequence');
        return;
      }
      this.sequences.set(request.producerId, request.sequence);
    }
    const local = this.ctx.localTimeUs();
    const now = this.ctx.nowUs;
    const topic = this.runtime.topic;
    topic.stored(request.message, now);
    for (const q of this.queues)
      q.store(request.message, request.key, request.sizeBytes, request.priority, request.delayUs, local, now);
    this.answerProduce(from, request, undefined);
  }

  private answerProduce(from: NodeId, request: ProduceRequest, error: ProduceError | undefined): void {
    if (request.acks === 0) return;
    const reply: ProduceReply =
      error === undefined
        ? { kind: 'produce-reply', id: request.id, message: request.message, offset: -1 }
        : { kind: 'produce-reply', id: request.id, message: request.message, error, offset: -1 };
    this.ctx.send(from, reply, 0);
  }

  private onReceive(from: NodeId, request: ReceiveRequest): void {
    const q = this.byName.get(request.subscription);
    if (q === undefined) {
      this.ctx.send(
        from,
        { kind: 'receive-reply', id: request.id, messages: NO_MESSAGES, error: 'unavailable' } satisfies ReceiveReply,
        0,
      );
      return;
    }
    if (this.queues[q].visible > 0 || request.waitUs <= 0) {
      this.answer(from, request, q);
      return;
    }
    const waiting = this.waiters[q];
    // Answered polls leave the line lazily; those at its front go now, so an idle queue does not collect them.
    while (waiting.length > 0 && waiting.front().answered) waiting.shift();
    const waiter: Waiter = { queue: q, from, request, timer: -1, answered: false };
    waiter.timer = this.ctx.setTimer(request.waitUs, WAIT_ENDED, waiter);
    waiting.push(waiter);
    this.waiting[q]++;
  }

  /** Receives up to the request's maxMessages from queue `q` and replies with them. */
  private answer(from: NodeId, request: ReceiveRequest, q: number): void {
    const queue = this.queues[q];
    const visibilityUs = request.visibilityTimeoutUs ?? queue.settings.visibilityTimeout;
    const local = this.ctx.localTimeUs();
    const now = this.ctx.nowUs;
    let messages: ReceivedMessage[] | null = null;
    let bytes = 0;
    for (let n = 0; n < request.maxMessages; n++) {
      const m = queue.take(local, visibilityUs, now);
      if (m === null) break;
      (messages ??= []).push({
        message: m.message,
        key: m.key,
        sizeBytes: m.sizeBytes,
        receipt: m.receipt,
        receiveCount: m.receiveCount,
      });
      bytes += m.sizeBytes;
    }
    this.reply(from, request.id, messages ?? NO_MESSAGES, bytes);
  }

  private reply(to: NodeId, id: number, messages: readonly ReceivedMessage[], bytes: number): void {
    this.ctx.send(to, { kind: 'receive-reply', id, messages } satisfies ReceiveReply, bytes);
  }

  private advance(): void {
    const local = this.ctx.localTimeUs();
    const now = this.ctx.nowUs;
    for (const q of this.queues) q.advance(local, now);
  }

  /**
   * After anything that may have made messages visible or freed room: answer
   * waiting long polls, take held produces, re-arm the wake-up for the next
   * deadline, note the levels.
   */
  private settle(): void {
    const now = this.ctx.nowUs;
    for (let q = 0; q < this.queues.length; q++) {
      const queue = this.queues[q];
      const waiting = this.waiters[q];
      while (queue.visible > 0 && waiting.length > 0) {
        const waiter = waiting.shift();
        if (waiter.answered) continue;
        waiter.answered = true;
        this.waiting[q]--;
        this.ctx.cancelTimer(waiter.timer);
        this.answer(waiter.from, waiter.request, q);
      }
    }
    while (this.blocked.length > 0 && this.hasRoom()) {
      const { from, request } = this.blocked.shift();
      this.admit(from, request);
    }
    if (this.block) this.runtime.metrics.noteWindowMax(BLOCKED_PRODUCERS, this.blocked.length, now);
    for (const q of this.queues) q.noteLevels(now);
    this.armWake();
  }

  private armWake(): void {
    let next = Infinity;
    for (const q of this.queues) next = Math.min(next, q.nextDeadlineLocalUs());
    if (next === Infinity || next >= this.wakeAtLocalUs) return;
    if (this.wake !== -1) this.ctx.cancelTimer(this.wake);
    const local = this.ctx.localTimeUs();
    // Whole microseconds, at least one: a deadline a fraction of a microsecond ahead would otherwise fire at once, forever.
    const delay = Math.min(Math.max(Math.ceil(next - local), 1), CLOCK_CHECK_US);
    this.wakeAtLocalUs = local + delay;
    this.wake = this.ctx.setTimer(delay, WAKE);
  }

  private hasRoom(): boolean {
    for (const q of this.queues) if (!q.hasRoom()) return false;
    return true;
  }
}

/** Builds the per-node processes of a broker component with these queues. */
function brokerFactory(
  ctx: InstanceContext,
  kind: TopicKind,
  queues: readonly { name: string; settings: QueueSettings }[],
  prefixed: boolean,
): (node: number) => (nodeCtx: NodeContext<any>) => QueueBroker {
  const metrics = ctx.componentMetrics(0);
  const topic = ctx.deliveries.topic(ctx.name, kind);
  const specs: QueueSpec[] = queues.map((q) => {
    const dlq = q.settings.deadLetterQueue;
    return {
      name: q.name,
      settings: q.settings,
      stream: topic.stream(q.name, q.settings.fifo ? 'key' : 'none'),
      deadLetterQueue: dlq === undefined ? null : { node: ctx.nodesOf(dlq)[0], topic: ctx.deliveries.topic(dlq) },
    };
  });
  for (const q of specs) MessageQueue.initDetails(metrics, prefixed ? `${q.name}.` : '');
  metrics.noteDetail(REFUSED, 0);
  if (specs.some((q) => q.settings.whenFull === 'block')) {
    metrics.noteDetail(BLOCKED, 0);
    metrics.noteDetail(BLOCKED_PRODUCERS, 0);
  }
  const runtime: BrokerRuntime = { topic, queues: specs, metrics, prefixed };
  // The latest process of each node, for what the run measures after it (a crash's losses, what is pending at the end).
  const latest: (QueueBroker | null)[] = ctx.nodeNames.map(() => null);
  specs.forEach((spec, i) => {
    spec.stream.pendingAtEnd = () => {
      const ids: number[] = [];
      for (const broker of latest) broker?.queues[i].heldIds(ids);
      return ids;
    };
  });
  let nodeIds: NodeId[] | null = null;
  ctx.onCrash((node, atUs) => {
    nodeIds ??= ctx.nodeNames.map((name) => ctx.nodeId(name));
    const i = nodeIds.indexOf(node);
    if (i >= 0) latest[i]?.crashed(atUs);
  });
  return (node) => (nodeCtx) => (latest[node] = new QueueBroker(nodeCtx, runtime, node));
}

const oneNode = (_params: unknown, instance: { nodeCount: number }) =>
  instance.nodeCount === 1
    ? []
    : [
        {
          path: ['nodes'],
          message: `a queue lives on one broker node, but its group has ${instance.nodeCount}; give the group count: 1 (durable: true keeps its messages across a crash of that node)`,
        },
      ];

const queueParams = queueSettingsSchema;

export const queueModel: ModelDefinition<typeof queueParams> = {
  type: 'queue',
  role: 'component',
  description:
    'A message queue (SQS, RabbitMQ) on one broker node: visibility timeout and redelivery, receive counts and a dead-letter queue, delays, priorities, long polling, retention, a bounded depth that refuses or blocks producers, optional FIFO message groups.',
  params: queueParams,
  check: oneNode,
  references: (params) =>
    params.deadLetterQueue === undefined
      ? []
      : [{ path: ['deadLetterQueue'], component: params.deadLetterQueue, type: 'queue' }],
  instantiate(params, ctx) {
    return brokerFactory(ctx, 'queue', [{ name: ctx.name, settings: params }], false);
  },
};

const pubsubParams = z.strictObject({
  subscriptions: z
    .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'), queueSettingsSchema)
    .refine((s) => Object.keys(s).length > 0, 'name at least one subscription')
    .describe(
      "The subscriptions by name, each a queue with its own settings (the `queue` component's knobs, e.g. { email: {}, sms: { visibilityTimeout: 10s } }); every message produced is copied to each. The topic takes a message only when every subscription has room (maxDepth), and holds it back when any subscription's whenFull is block.",
    ),
});

export const pubsubModel: ModelDefinition<typeof pubsubParams> = {
  type: 'pubsub',
  role: 'component',
  description:
    'A pub-sub topic (SNS fanned out to SQS queues, a Google Pub/Sub topic) on one broker node: every message is copied to each named subscription, a queue with its own consumers and settings.',
  params: pubsubParams,
  check: oneNode,
  references: (params) =>
    Object.entries(params.subscriptions).flatMap(([name, q]) =>
      q.deadLetterQueue === undefined
        ? []
        : [{ path: ['subscriptions', name, 'deadLetterQueue'], component: q.deadLetterQueue, type: 'queue' }],
    ),
  instantiate(params, ctx) {
    const queues = Object.entries(params.subscriptions).map(([name, settings]) => ({ name, settings }));
    return brokerFactory(ctx, 'pubsub', queues, true);
  },
};
