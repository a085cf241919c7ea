import { distribution, Simulation, type NodeContext, type NodeId } from '../../engine/index.js';
import { DeliveryLog, type StreamRecord, type TopicRecord } from '../../models/measure/delivery-log.js';
import type { MetadataReply, MetadataRequest } from '../../models/messaging/broker-messages.js';
import { GroupCoordinator, isGroupMessage, type CoordinatorHost } from '../../models/messaging/group-coordinator.js';
import type { FetchReply, FetchRequest, LogRecord } from '../../models/messaging/log-messages.js';
import { DedupStore } from '../../models/messaging/dedup-store.js';
import { LogConsumer, type CommitMode, type LogConsumerOptions } from '../../models/messaging/log-consumer.js';
import type { Assignor } from '../../models/messaging/partition-assignors.js';

/**
 * A one-node log for testing the group coordinator and the consumer apart
 * from the replicated broker: `partitions` partitions of `perPartition`
 * records each, all there from the start (offset i of partition p holds
 * message p * perPartition + i), a coordinator whose offsets are on the
 * node's disk and durable at once. Fetches answer at once (long polls wait
 * out `waitUs` when there is nothing).
 */
export class SingleLogBroker {
  readonly coordinator: GroupCoordinator;

  constructor(
    private readonly ctx: NodeContext<{ offsets?: Map<string, number> }>,
    private readonly logs: readonly LogRecord[][],
    deliveries: DeliveryLog,
    topic: string,
  ) {
    const offsets = (ctx.durable.offsets ??= new Map<string, number>());
    const name = ctx.name;
    const host: CoordinatorHost = {
      topic,
      partitions: logs.length,
      brokers: [name],
      deliveries,
      coordinatorPartition: () => 0,
      leaderOf: () => name,
      leads: () => true,
      committedOffset: (group, partition) => offsets.get(`${group}/${partition}`) ?? -1,
      commitOffsets: (group, committed, done) => {
        for (const { partition, offset } of committed) offsets.set(`${group}/${partition}`, offset);
        done(true);
      },
      pendingAtEnd: () => () => [],
    };
    this.coordinator = new GroupCoordinator(ctx, host);
  }

  inspect() {
    return this.coordinator.inspect();
  }

  onMessage(from: NodeId, message: { readonly kind: string }): void {
    if (isGroupMessage(message)) this.coordinator.onMessage(from, message);
    else if (message.kind === 'metadata') {
      const request = message as MetadataRequest;
      this.ctx.send(from, {
        kind: 'metadata-reply',
        id: request.id,
        leaders: this.logs.map(() => this.ctx.name),
      } satisfies MetadataReply);
    } else if (message.kind === 'fetch') this.fetch(from, message as FetchRequest);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag >= 1000) this.coordinator.onTimer(tag, data);
    else this.ctx.send((data as { from: NodeId }).from, (data as { reply: FetchReply }).reply);
  }

  private fetch(from: NodeId, request: FetchRequest): void {
    const log = this.logs[request.partition];
    if (request.offset > log.length) {
      this.ctx.send(from, {
        kind: 'fetch-reply',
        id: request.id,
        partition: request.partition,
        records: [],
        highWatermark: log.length,
        error: 'offset-out-of-range',
        resetTo: log.length,
      } satisfies FetchReply);
      return;
    }
    const records = log.slice(request.offset, request.offset + request.maxMessages);
    const reply: FetchReply = {
      kind: 'fetch-reply',
      id: request.id,
      partition: request.partition,
      records,
      highWatermark: log.length,
    };
    if (records.length === 0 && request.waitUs > 0) this.ctx.setTimer(request.waitUs, 1, { from, reply });
    else this.ctx.send(from, reply);
  }
}

export interface GroupRunOptions {
  partitions: number;
  perPartition: number;
  consumers: number;
  commit: CommitMode;
  idempotent?: boolean;
  workers?: number;
  batch?: number;
  processingUs?: number;
  assignor?: Assignor;
  heartbeatIntervalUs?: number;
  sessionTimeoutUs?: number;
  autoCommitIntervalUs?: number;
  seed?: number;
  autoOffsetReset?: 'earliest' | 'latest';
  poison?: number;
  /** Per consumer (1-based index in the name), optional join and leave times. */
  joinAtUs?: (i: number) => number | undefined;
  leaveAtUs?: (i: number) => number | undefined;
}

export interface GroupRun {
  sim: Simulation;
  broker: NodeId;
  consumers: NodeId[];
  topic: TopicRecord;
  stream: StreamRecord;
  dedup: DedupStore | null;
}

/** A single broker and `consumers` log-consumers in group `g`, on a simulation not yet run. */
export function groupRun(o: GroupRunOptions): GroupRun {
  const sim = new Simulation({
    seed: o.seed ?? 1,
    network: { sameRegionRttUs: { type: 'constant', value: 1_000 } },
  });
  const deliveries = new DeliveryLog();
  const topic = deliveries.topic('log', 'log');
  const logs: LogRecord[][] = [];
  for (let p = 0; p < o.partitions; p++) {
    const log: LogRecord[] = [];
    for (let i = 0; i < o.perPartition; i++) {
      const message = topic.produced(1000, topic.messages, 0);
      topic.acknowledged(message, 0);
      topic.stored(message, 0);
      log.push({ offset: i, message, key: message, sizeBytes: 100 });
    }
    logs.push(log);
  }
  const stream = topic.stream('g', 'partition');
  const broker = sim.addNode<{ offsets?: Map<string, number> }>({
    name: 'broker-1',
    process: (ctx) => new SingleLogBroker(ctx, logs, deliveries, 'log'),
  });
  const dedup = o.idempotent ? new DedupStore() : null;
  const consumers: NodeId[] = [];
  for (let i = 1; i <= o.consumers; i++) {
    const options: LogConsumerOptions = {
      topic: 'log',
      brokers: ['broker-1'],
      group: 'g',
      workers: o.workers ?? 1,
      batch: o.batch ?? 10,
      processing: distribution({ type: 'constant', value: o.processingUs ?? 1_000 }),
      heartbeatIntervalUs: o.heartbeatIntervalUs ?? 20_000,
      sessionTimeoutUs: o.sessionTimeoutUs ?? 100_000,
      rebalanceTimeoutUs: 1_000_000,
      commit: o.commit,
      autoCommitIntervalUs: o.autoCommitIntervalUs ?? 50_000,
      autoOffsetReset: o.autoOffsetReset ?? 'earliest',
      assignor: o.assignor ?? 'range',
      fetchWaitUs: 20_000,
      requestTimeoutUs: 50_000,
      poison: o.poison ?? 0,
      maxAttempts: 3,
      joinAtUs: o.joinAtUs?.(i),
      leaveAtUs: o.leaveAtUs?.(i),
      stream,
      dedup,
      metrics: null,
      nodeIndex: i - 1,
    };
    consumers.push(sim.addNode({ name: `consumer-${i}`, process: (ctx) => new LogConsumer(ctx, options) }));
  }
  return { sim, broker, consumers, topic, stream, dedup };
}

/** Messages never processed, and messages processed more than once (repeated effects). */
export function tally(stream: StreamRecord, messages: number): { lost: number; repeated: number; processed: number } {
  let lost = 0;
  let repeated = 0;
  let processed = 0;
  for (let id = 0; id < messages; id++) {
    const n = stream.processings[id] ?? 0;
    if (n === 0) lost++;
    else processed++;
    if (n > 1) repeated++;
  }
  return { lost, repeated, processed };
}
