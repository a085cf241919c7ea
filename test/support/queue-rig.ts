import { CacheLog } from '../../models/measure/cache-log.js';
import { ShardLog } from '../../models/measure/shard-log.js';
import { FeedLog } from '../../models/measure/feed-log.js';
import { ChatLog } from '../../models/measure/chat-log.js';
import type { NodeContext, NodeId, Process } from '../../engine/node-context.js';
import { Simulation } from '../../engine/simulation.js';
import type {
  ProduceReply,
  ProduceRequest,
  ReceiveReply,
  ReceiveRequest,
} from '../../models/messaging/broker-messages.js';
import { pubsubModel, queueModel } from '../../models/messaging/queue-broker.js';
import { queueConsumerModel } from '../../models/messaging/queue-consumer.js';
import { ComponentMetrics } from '../../models/measure/component-metrics.js';
import { DeliveryLog, type TopicRecord } from '../../models/measure/delivery-log.js';
import { HistoryRecorder } from '../../models/measure/history-recorder.js';
import { RequestMetrics } from '../../models/measure/request-metrics.js';
import { StalenessProbes } from '../../models/measure/staleness-probes.js';
import type { InstanceContext } from '../../models/kit/model-contract.js';
import { instanceContext } from '../../scenarios/harness/instance-context.js';

/** One message a test producer sends, at a true time. */
export interface Send {
  atUs: number;
  key?: number;
  priority?: number;
  delayUs?: number;
  sizeBytes?: number;
}

export interface ProduceOutcome {
  message: number;
  /** True time of the reply; NaN while none came. */
  repliedUs: number;
  error: string | null;
}

/** Sends ProduceRequests to the broker at given times (each a new message of the topic) and keeps the replies. */
export class TestProducer implements Process<ProduceReply> {
  private readonly byMessage = new Map<number, ProduceOutcome>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly topic: TopicRecord,
    private readonly sends: readonly Send[],
    readonly outcomes: ProduceOutcome[],
  ) {}

  onStart(): void {
    this.sends.forEach((s, i) => this.ctx.setTimer(s.atUs - this.ctx.nowUs, 0, i));
  }

  onTimer(_tag: number, data: unknown): void {
    const s = this.sends[data as number];
    const message = this.topic.produced(this.ctx.id, s.key ?? 0, this.ctx.nowUs);
    const outcome = { message, repliedUs: NaN, error: null };
    this.outcomes.push(outcome);
    this.byMessage.set(message, outcome);
    const request: ProduceRequest = {
      kind: 'produce',
      id: message,
      message,
      partition: 0,
      key: s.key ?? 0,
      sizeBytes: s.sizeBytes ?? 100,
      acks: 1,
      priority: s.priority ?? 0,
      delayUs: s.delayUs ?? 0,
      producerId: -1,
      sequence: -1,
    };
    this.ctx.send(this.ctx.lookup('broker-1'), request, request.sizeBytes);
  }

  onMessage(_from: NodeId, reply: ProduceReply): void {
    const outcome = this.byMessage.get(reply.message)!;
    outcome.repliedUs = this.ctx.nowUs;
    outcome.error = reply.error ?? null;
    if (reply.error === undefined) this.topic.acknowledged(reply.message, this.ctx.nowUs);
  }
}

export interface Receipt {
  message: number;
  receiveCount: number;
  /** True time the reply reached the receiver. */
  atUs: number;
}

export interface ReceiveOptions {
  waitUs?: number;
  maxMessages?: number;
  /** Receive again as soon as each reply comes. */
  repeat?: boolean;
  /** Ask this visibility timeout instead of the queue's. */
  visibilityTimeoutUs?: number;
}

/**
 * Sends one receive at each given time (and, with `repeat`, another as soon as
 * each reply comes) and keeps every message received, never deleting.
 */
export class TestReceiver implements Process<ReceiveReply> {
  private next = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly subscription: string,
    private readonly atUs: readonly number[],
    private readonly options: ReceiveOptions,
    readonly receipts: Receipt[],
    readonly replies: { atUs: number; count: number }[],
  ) {}

  onStart(): void {
    this.atUs.forEach((t) => this.ctx.setTimer(t - this.ctx.nowUs, 0));
  }

  onTimer(): void {
    this.receive();
  }

  onMessage(_from: NodeId, reply: ReceiveReply): void {
    this.replies.push({ atUs: this.ctx.nowUs, count: reply.messages.length });
    for (const m of reply.messages)
      this.receipts.push({ message: m.message, receiveCount: m.receiveCount, atUs: this.ctx.nowUs });
    if (this.options.repeat) this.receive();
  }

  private receive(): void {
    const request: ReceiveRequest = {
      kind: 'receive',
      id: this.next++,
      subscription: this.subscription,
      maxMessages: this.options.maxMessages ?? 10,
      waitUs: this.options.waitUs ?? 0,
      ...(this.options.visibilityTimeoutUs === undefined
        ? {}
        : { visibilityTimeoutUs: this.options.visibilityTimeoutUs }),
    };
    this.ctx.send(this.ctx.lookup('broker-1'), request, 0);
  }
}

export interface Rig {
  sim: Simulation;
  deliveries: DeliveryLog;
  topic: TopicRecord;
  brokerMetrics: ComponentMetrics;
  consumerMetrics: ComponentMetrics;
  broker: NodeId;
  /** Adds a node running `process`, 1 ms from the broker each way. */
  add(name: string, process: (ctx: NodeContext) => Process<any>): NodeId;
  /** Adds producer-1, sending these messages; its outcomes fill in as replies come. */
  produce(sends: readonly Send[]): ProduceOutcome[];
  /** Adds a receiver node that never deletes; its receipts and replies fill in as the run goes. */
  receive(
    atUs: readonly number[],
    options?: ReceiveOptions,
    subscription?: string,
    name?: string,
  ): { receipts: Receipt[]; replies: { atUs: number; count: number }[] };
  /** Adds `count` queue-consumer nodes with these parameters (target `q`). */
  addConsumers(count: number, params: Record<string, unknown>): NodeId[];
}

const LINK_US = 1000;

/**
 * A broker `q` on node broker-1 (a `queue`, or a `pubsub` when the
 * parameters name subscriptions), built through its registered model
 * definition, with 1 ms links to the nodes a test adds.
 */
export function queueRig(params: Record<string, unknown>, options: { seed?: number; durationUs?: number } = {}): Rig {
  const sim = new Simulation({
    seed: options.seed ?? 1,
    network: { sameRegionRttUs: { type: 'constant', value: 2 * LINK_US } },
  });
  const durationUs = options.durationUs ?? 600_000_000;
  const windowUs = 1_000_000;
  const windows = Math.ceil(durationUs / windowUs);
  const deliveries = new DeliveryLog();
  const brokerMetrics = new ComponentMetrics('q', 'queue', 1, 0, windowUs, windows, 0);
  const consumerMetrics = new ComponentMetrics('consumers', 'queue-consumer', 1, 1, windowUs, windows, 0);
  const context = (name: string, nodeNames: string[], metrics: ComponentMetrics): InstanceContext =>
    instanceContext(sim, {
      name,
      nodeNames,
      nodesOf: () => ['broker-1'],
      requests: new RequestMetrics({ windowUs, durationUs, availabilityThresholdUs: 1_000_000, measureFromUs: 0 }),
      history: new HistoryRecorder(sim),
      probes: new StalenessProbes(),
      deliveries,
      caches: new CacheLog(1_000_000, 1),
      shards: new ShardLog(1_000_000, 1),
      feeds: new FeedLog(1_000_000, 1, 0),
      chats: new ChatLog(1_000_000, 1, 0),
      shared: (_key, build) => build(),
      paramsOf: () => ({}),
      metricsOf: () => undefined,
      componentMetrics: () => metrics,
    });
  const brokerContext = context('q', ['broker-1'], brokerMetrics);
  const process =
    params.subscriptions === undefined
      ? queueModel.instantiate(queueModel.params.parse(params), brokerContext)(0)
      : pubsubModel.instantiate(pubsubModel.params.parse(params), brokerContext)(0);
  const broker = sim.addNode({ name: 'broker-1', process });
  const topic = deliveries.topics[0];
  let consumerGroups = 0;
  const rig: Rig = {
    sim,
    deliveries,
    topic,
    brokerMetrics,
    consumerMetrics,
    broker,
    add: (name, make) => sim.addNode({ name, process: make }),
    produce(sends) {
      const outcomes: ProduceOutcome[] = [];
      sim.addNode({ name: 'producer-1', process: (ctx) => new TestProducer(ctx, topic, sends, outcomes) });
      return outcomes;
    },
    receive(atUs, receiveOptions = {}, subscription = 'q', name = 'receiver-1') {
      const receipts: Receipt[] = [];
      const replies: { atUs: number; count: number }[] = [];
      sim.addNode({
        name,
        process: (ctx) => new TestReceiver(ctx, subscription, atUs, receiveOptions, receipts, replies),
      });
      return { receipts, replies };
    },
    addConsumers(count, consumerParams) {
      const names = Array.from({ length: count }, (_, i) => `consumer${consumerGroups}-${i + 1}`);
      consumerGroups++;
      const parsed = queueConsumerModel.params.parse({ target: 'q', ...consumerParams });
      const factory = queueConsumerModel.instantiate(parsed, context('consumers', names, consumerMetrics));
      return names.map((name, i) => sim.addNode({ name, process: factory(i) }));
    },
  };
  return rig;
}
