import { z } from 'zod';
import { type NodeContext, type NodeId, type RandomStream, type TimerHandle, type TimeUs } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import type { ErrorKind } from '../measure/outcomes.js';
import type { TopicRecord } from '../measure/delivery-log.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import { Deque } from '../parts/deque.js';
import { hash32 } from '../parts/hash.js';
import { durationUs, nonNegativeInt, positiveDurationUs, positiveInt, ratePerSec, sizeBytes } from '../kit/units.js';
import { KeyPopularity, type KeyPopularitySpec } from '../workload/key-popularity.js';
import { rateShapeOf, rateShapeParam, type RateShape } from '../workload/rate-shape.js';
import { ShapedArrivals } from '../workload/shaped-arrivals.js';
import { backoffUs, JITTER_KINDS, type RetryPolicy } from '../workload/retry-policy.js';
import type { Acks, MetadataReply, ProduceError, ProduceReply, ProduceRequest } from './broker-messages.js';
import { IntMap } from '../parts/int-map.js';

/** The broker models a producer can write to. */
export const BROKER_TYPES = ['queue', 'pubsub', 'log'] as const;

export interface ProducerSettings {
  target: string;
  brokers: readonly string[];
  ratePerSec: number;
  shape?: RateShape;
  stopAtUs?: TimeUs;
  keys?: KeyPopularitySpec;
  messageSizeBytes: number;
  acks: Acks;
  idempotent: boolean;
  maxInFlight: number;
  bufferMessages: number;
  requestTimeoutUs: number;
  deliveryTimeoutUs: number;
  retry: RetryPolicy;
  priority: number;
  delayUs: number;
  partitioner: 'key-hash' | 'round-robin';
  metadataRefreshUs: number;
}

/** One message the producer owns until it is acknowledged or given up. */
interface Outgoing {
  message: number;
  key: number;
  /** -1 until the message's partition is chosen (at its first send, once metadata is known). */
  partition: number;
  sequence: number;
  /** The producer epoch its sequence belongs to; a message re-sent in a later epoch is numbered again. */
  epoch: number;
  /** Refused for a gap with nothing earlier outstanding: once may be a refusal that crossed the earlier one's acknowledgement. */
  gapRefused: boolean;
  attempts: number;
  previousBackoffUs: number;
  wire: number;
  /** The leader its attempt went to, whose in-flight count it holds. */
  to: NodeId;
  timer: TimerHandle | -1;
}

const ARRIVAL = 1;
const TIMEOUT = 2;
const RETRY = 3;
const METADATA = 4;

/** Producer errors as the report's request outcomes count them. */
const ERROR_KIND: Record<ProduceError | 'timeout' | 'buffer-full', ErrorKind> = {
  'not-leader': 'unavailable',
  'not-enough-replicas': 'rejected',
  full: 'rejected',
  'out-of-order-sequence': 'rejected',
  unavailable: 'unavailable',
  timeout: 'timeout',
  'buffer-full': 'rejected',
};

/**
 * A producer client (Kafka's producer, an SQS SendMessage loop): messages
 * are made at Poisson times of a shaped rate, wait in a bounded buffer (a
 * line per partition), and go to their partition's leader with at most
 * `maxInFlight` unanswered per leader. A
 * message is retried (after a backoff, or at once to the new leader after
 * `not-leader`) until it is acknowledged, its `deliveryTimeout` runs out or
 * its attempts are spent. When the broker holds replies back (a full queue
 * that blocks), the in-flight limit fills, the buffer grows, and once it is
 * full new messages fail at once: the producer is blocked.
 *
 * With `idempotent`, each message keeps one sequence number per partition
 * across retries, so the leader appends it once and in order; the producer id
 * changes with each incarnation, as a restarted Kafka producer gets a new one.
 * Every message is recorded in the run's delivery log, and as a `produce`
 * request (latency from its making to its acknowledgement) in the request
 * metrics; with acks=0 it counts as done when sent.
 */
export class Producer implements InspectableProcess<MetadataReply | ProduceReply> {
  private readonly arrivals: ShapedArrivals;
  private readonly keys: KeyPopularity | null;
  private readonly backoffRng: RandomStream;
  private readonly routing: RandomStream;
  private readonly operation: OperationMetrics;
  private readonly incarnation: number;
  /** Bumped when an idempotent producer gives a numbered message up: the gap it leaves would refuse every later one. */
  private epoch = 0;
  /** Messages made before the partitions are known. */
  private readonly unsorted = new Deque<Outgoing>();
  /** Per partition, messages waiting for their first send, oldest first (Kafka's accumulator). */
  private readonly lines: Deque<Outgoing>[] = [];
  /** Per partition, messages back from a failed attempt, oldest first: sent before the line, so retries keep the making order. */
  private readonly retries: Outgoing[][] = [];
  /** Messages in `unsorted` and the lines: what the bounded buffer holds. */
  private waiting = 0;
  /** Unanswered requests per leader node: the in-flight limit is per broker connection, as Kafka's is. */
  private readonly inFlightTo = new Map<NodeId, number>();
  /** The partition the next pump starts from, so no partition always goes last. */
  private firstPartition = 0;
  private readonly byWire = new IntMap<Outgoing>();
  private readonly sequences: number[] = [];
  /** Idempotent only: per partition, the sequences of this epoch sent and not yet acknowledged, lowest first. */
  private readonly outstanding: number[][] = [];
  /** Idempotent only: per partition, messages refused for a gap that an earlier outstanding message will fill. */
  private readonly parked: Outgoing[][] = [];
  private leaders: (NodeId | -1)[] = [];
  private metadataWire = -1;
  private metadataTimer: TimerHandle | -1 = -1;
  private nextWire = 0;
  private inFlight = 0;
  private backingOff = 0;
  private roundRobin = 0;

  constructor(
    private readonly ctx: NodeContext<{ incarnations?: number }>,
    private readonly settings: ProducerSettings,
    private readonly topic: TopicRecord,
    private readonly requests: RequestMetrics,
  ) {
    this.arrivals = new ShapedArrivals(ctx, settings.ratePerSec, settings.shape, settings.stopAtUs, ARRIVAL);
    this.keys = settings.keys === undefined ? null : new KeyPopularity(settings.keys, ctx.random('keys'));
    this.backoffRng = ctx.random('backoff');
    this.routing = ctx.random('routing');
    this.operation = requests.operation('produce');
    this.incarnation = (ctx.durable.incarnations ?? 0) + 1;
    ctx.durable.incarnations = this.incarnation;
  }

  /** Messages waiting in the buffer, awaiting an answer, and waiting out a backoff; partitions with a known leader. */
  inspect(): InspectedState {
    return {
      buffered:
        this.waiting +
        this.retries.reduce((sum, r) => sum + r.length, 0) +
        this.parked.reduce((sum, p) => sum + p.length, 0),
      inFlight: this.inFlight,
      backingOff: this.backingOff,
      partitionsKnown: this.leaders.filter((l) => l !== -1).length,
    };
  }

  onStart(): void {
    this.askMetadata();
    this.arrivals.scheduleNext();
  }

  onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case ARRIVAL:
        if (this.arrivals.keep()) this.make();
        this.arrivals.scheduleNext();
        return;
      case TIMEOUT: {
        const out = data as Outgoing;
        out.timer = -1;
        if (this.byWire.delete(out.wire)) {
          this.answered(out);
          this.failedAttempt(out, 'timeout');
          this.pump();
        }
        return;
      }
      case RETRY:
        this.backingOff--;
        this.requeue(data as Outgoing);
        this.pump();
        return;
      case METADATA:
        this.metadataTimer = -1;
        this.askMetadata();
        return;
    }
  }

  onMessage(_from: NodeId, reply: MetadataReply | ProduceReply): void {
    if (reply.kind === 'metadata-reply') {
      if (reply.id !== this.metadataWire) return;
      this.metadataWire = -1;
      if (this.metadataTimer !== -1) this.ctx.cancelTimer(this.metadataTimer);
      this.metadataTimer = -1;
      this.leaders = reply.leaders.map((name) => (name === null ? -1 : this.ctx.lookup(name)));
      while (this.sequences.length < this.leaders.length) {
        this.lines.push(new Deque());
        this.retries.push([]);
        this.sequences.push(0);
        this.outstanding.push([]);
        this.parked.push([]);
      }
      if (this.leaders.includes(-1)) this.refreshMetadataLater();
      this.pump();
      return;
    }
    const out = this.byWire.get(reply.id);
    if (out === undefined) return;
    this.byWire.delete(reply.id);
    this.answered(out);
    if (out.timer !== -1) this.ctx.cancelTimer(out.timer);
    out.timer = -1;
    if (reply.error === undefined) {
      this.topic.acknowledged(out.message, this.ctx.nowUs);
      this.requests.recordSuccess(this.operation, this.topic.producedUs[out.message], this.ctx.nowUs);
      if (out.sequence !== -1 && out.epoch === this.epoch) this.settled(out);
    } else {
      if (reply.error === 'not-leader') this.noteLeader(out.partition, reply.leader);
      this.failedAttempt(out, reply.error);
    }
    this.pump();
  }

  private make(): void {
    const now = this.ctx.nowUs;
    const key = this.keys === null ? 0 : this.keys.pick(now);
    const message = this.topic.produced(this.ctx.id, key, now);
    this.requests.recordSent(this.operation, now);
    if (this.waiting >= this.settings.bufferMessages) {
      this.giveUp(message, 'buffer-full');
      return;
    }
    this.waiting++;
    this.unsorted.push({
      message,
      key,
      partition: -1,
      sequence: -1,
      epoch: 0,
      gapRefused: false,
      attempts: 0,
      previousBackoffUs: 0,
      wire: -1,
      to: -1,
      timer: -1,
    });
    this.pump();
  }

  /**
   * Sends what each partition has waiting, retries first, oldest first, while
   * its leader is known and under the in-flight limit. Partitions go their
   * own ways: one whose leader is gone or slow holds up only itself and the
   * partitions sharing that leader.
   */
  private pump(): void {
    const partitions = this.leaders.length;
    if (partitions === 0) return;
    while (this.unsorted.length > 0) {
      const out = this.unsorted.shift();
      this.choosePartition(out);
      this.lines[out.partition].push(out);
    }
    for (let k = 0; k < partitions; k++) this.pumpPartition((this.firstPartition + k) % partitions);
    this.firstPartition = (this.firstPartition + 1) % partitions;
  }

  private pumpPartition(partition: number): void {
    const retries = this.retries[partition];
    const line = this.lines[partition];
    const leader = this.leaders[partition];
    while (retries.length > 0 || line.length > 0) {
      const fromRetries = retries.length > 0;
      const out = fromRetries ? retries[0] : line.front();
      const expired = this.ctx.nowUs - this.topic.producedUs[out.message] >= this.settings.deliveryTimeoutUs;
      if (!expired && leader === -1) {
        this.refreshMetadataLater();
        return;
      }
      if (!expired && (this.inFlightTo.get(leader) ?? 0) >= this.settings.maxInFlight) return;
      if (fromRetries) retries.shift();
      else {
        line.shift();
        this.waiting--;
      }
      if (expired) this.giveUp(out, 'timeout');
      else this.send(out, leader);
    }
  }

  /** Back into its partition's retry line at its place by making order (few are ever there at once). */
  private requeue(out: Outgoing): void {
    const retries = this.retries[out.partition];
    let i = retries.length;
    while (i > 0 && retries[i - 1].message > out.message) i--;
    retries.splice(i, 0, out);
  }

  /** An attempt is over (answered or timed out): its leader may take another. */
  private answered(out: Outgoing): void {
    this.inFlight--;
    this.inFlightTo.set(out.to, this.inFlightTo.get(out.to)! - 1);
  }

  private choosePartition(out: Outgoing): void {
    const partitions = this.leaders.length;
    out.partition =
      this.settings.partitioner === 'key-hash' && this.keys !== null
        ? hash32(out.key) % partitions
        : this.roundRobin++ % partitions;
  }

  /** Unique per node, incarnation and epoch, as Kafka's producer id and epoch are; node ids stay below 2^20. */
  private get producerId(): number {
    return (this.incarnation * 1024 + this.epoch) * 2 ** 20 + this.ctx.id;
  }

  private send(out: Outgoing, leader: NodeId): void {
    const s = this.settings;
    out.attempts++;
    out.wire = this.nextWire++;
    if (s.idempotent && (out.sequence === -1 || out.epoch !== this.epoch)) {
      out.sequence = this.sequences[out.partition]++;
      out.epoch = this.epoch;
      this.outstanding[out.partition].push(out.sequence);
    }
    const request: ProduceRequest = {
      kind: 'produce',
      id: out.wire,
      message: out.message,
      partition: out.partition,
      key: out.key,
      sizeBytes: s.messageSizeBytes,
      acks: s.acks,
      priority: s.priority,
      delayUs: s.delayUs,
      producerId: s.idempotent ? this.producerId : -1,
      sequence: s.idempotent ? out.sequence : -1,
    };
    this.ctx.send(leader, request, s.messageSizeBytes);
    if (s.acks === 0) {
      // Fire and forget: done once it is on the wire; nothing will answer.
      this.requests.recordSuccess(this.operation, this.topic.producedUs[out.message], this.ctx.nowUs);
      return;
    }
    this.inFlight++;
    out.to = leader;
    this.inFlightTo.set(leader, (this.inFlightTo.get(leader) ?? 0) + 1);
    this.byWire.set(out.wire, out);
    out.timer = this.ctx.setTimer(s.requestTimeoutUs, TIMEOUT, out);
  }

  /** An attempt failed: retry it (at once after a leader change, else after a backoff) or give the message up. */
  private failedAttempt(out: Outgoing, error: ProduceError | 'timeout'): void {
    const s = this.settings;
    const elapsedUs = this.ctx.nowUs - this.topic.producedUs[out.message];
    if (error === 'out-of-order-sequence') {
      this.outOfOrder(out, elapsedUs);
      return;
    }
    if (out.attempts >= s.retry.maxAttempts || elapsedUs >= s.deliveryTimeoutUs) {
      this.giveUp(out, error);
      return;
    }
    this.requests.recordRetry();
    if (error === 'not-leader') {
      this.requeue(out);
      return;
    }
    if (error === 'timeout' || error === 'unavailable') this.refreshMetadataLater();
    const delayUs = backoffUs(s.retry, out.attempts, out.previousBackoffUs, this.backoffRng);
    out.previousBackoffUs = delayUs;
    this.backingOff++;
    this.ctx.setTimer(delayUs, RETRY, out);
  }

  /**
   * The leader refused a sequence past the next one it expects. While an
   * earlier message of the partition is still outstanding (on its way, or
   * waiting out a backoff), it will fill the gap: this one waits for it and is
   * then resent in order, as Kafka's producer retries in sequence order. When
   * nothing earlier is outstanding, the refusal may have crossed the earlier
   * message's acknowledgement on the way, so the message is resent at once;
   * refused so again, the leader has lost sequences it acknowledged (a
   * truncated log), and a new epoch starts numbering afresh.
   * Bounded by the delivery timeout alone, since the gap is another message's.
   */
  private outOfOrder(out: Outgoing, elapsedUs: number): void {
    out.attempts--;
    if (elapsedUs >= this.settings.deliveryTimeoutUs) {
      this.giveUp(out, 'out-of-order-sequence');
      return;
    }
    this.requests.recordRetry();
    const current = out.epoch === this.epoch;
    const lowest = this.outstanding[out.partition][0];
    if (current && lowest !== undefined && lowest < out.sequence) {
      this.parked[out.partition].push(out);
      return;
    }
    if (current && out.gapRefused) this.bumpEpoch();
    out.gapRefused = current && !out.gapRefused;
    this.requeue(out);
  }

  /** An idempotent message of this epoch is acknowledged: those parked behind a gap may go again. */
  private settled(out: Outgoing): void {
    const line = this.outstanding[out.partition];
    const at = line.indexOf(out.sequence);
    if (at >= 0) line.splice(at, 1);
    this.release(out.partition);
  }

  private release(partition: number): void {
    const parked = this.parked[partition];
    for (const out of parked) this.requeue(out);
    parked.length = 0;
  }

  private giveUp(out: Outgoing | number, why: ProduceError | 'timeout' | 'buffer-full'): void {
    const message = typeof out === 'number' ? out : out.message;
    if (typeof out !== 'number' && out.sequence !== -1 && out.epoch === this.epoch) this.bumpEpoch();
    this.topic.failed(message, this.ctx.nowUs);
    this.requests.recordFailure(this.operation, ERROR_KIND[why], this.topic.producedUs[message], this.ctx.nowUs);
  }

  private bumpEpoch(): void {
    this.epoch++;
    this.sequences.fill(0);
    for (let p = 0; p < this.outstanding.length; p++) {
      this.outstanding[p].length = 0;
      this.release(p);
    }
  }

  private noteLeader(partition: number, hint: string | undefined): void {
    if (hint !== undefined) this.leaders[partition] = this.ctx.lookup(hint);
    else this.refreshMetadataLater();
  }

  private askMetadata(): void {
    const brokers = this.settings.brokers;
    const to = this.ctx.lookup(brokers[this.routing.int(brokers.length)]);
    this.metadataWire = this.nextWire++;
    this.ctx.send(to, { kind: 'metadata', id: this.metadataWire }, 0);
    this.refreshMetadataLater();
  }

  /** Asks (again) after the refresh interval: a guard for an answer that never comes, or a partition without a leader. */
  private refreshMetadataLater(): void {
    if (this.metadataTimer === -1) this.metadataTimer = this.ctx.setTimer(this.settings.metadataRefreshUs, METADATA);
  }
}

const producerParams = z.strictObject({
  target: z.string().describe('The broker every message goes to: a queue, pubsub or log component.'),
  rate: ratePerSec.describe('Messages made per node, like 500/s: the Poisson rate (the base of a shape).'),
  shape: rateShapeParam
    .optional()
    .describe('How the rate changes over time: ramp, spike or diurnal. Constant when absent.'),
  stopAt: durationUs.optional().describe('Make no new messages from this simulated time on.'),
  keys: z
    .strictObject({
      count: positiveInt.describe('Distinct keys, 1..count.'),
      zipf: z.number().min(0).optional().describe('Zipf exponent s: rank r weighs 1/r^s. Uniform when absent.'),
    })
    .optional()
    .describe(
      'Give each message a key: a log partition is chosen by its hash, a FIFO queue orders by it (its message group). No keys when absent.',
    ),
  partitioner: z
    .enum(['key-hash', 'round-robin'])
    .default('key-hash')
    .describe('key-hash: hash(key) mod partitions, so one key keeps its order; round-robin: spread, ignoring keys.'),
  messageSize: sizeBytes.default(1024).describe('Bytes per message (default 1KiB).'),
  acks: z
    .union([z.literal(0), z.literal(1), z.literal('all')], { error: 'expected 0, 1 or all' })
    .default('all')
    .describe(
      "Replicas that must hold a message before it is acknowledged: 0 none (fire and forget), 1 the leader, all every in-sync replica (Kafka's default since 3.0). Queues treat 1 and all alike.",
    ),
  idempotent: z
    .boolean()
    .default(false)
    .describe(
      'Number messages per partition so a log appends each once and in order, however often it is retried (Kafka enable.idempotence; its default since 3.0).',
    ),
  maxInFlight: positiveInt
    .default(5)
    .describe(
      'Unanswered produce requests per leader broker at most (max.in.flight.requests.per.connection); more wait in the buffer.',
    ),
  buffer: positiveInt
    .default(10_000)
    .describe('Messages waiting to be sent at most (buffer.memory); a message made when it is full fails at once.'),
  requestTimeout: positiveDurationUs
    .default(30_000_000)
    .describe('Retry an attempt unanswered after this long (default 30s).'),
  deliveryTimeout: positiveDurationUs
    .default(120_000_000)
    .describe('Give a message up this long after it was made, however many attempts it had (default 2m).'),
  retry: z
    .strictObject({
      attempts: positiveInt.default(10).describe('Attempts in all, the first included.'),
      base: durationUs.default(100_000).describe('Backoff before the first retry (default 100ms, retry.backoff.ms).'),
      multiplier: z.number().min(1).default(2).describe('Backoff growth per retry.'),
      cap: durationUs.default(1_000_000).describe('Longest backoff (default 1s, retry.backoff.max.ms).'),
      jitter: z.enum(JITTER_KINDS).default('full').describe('none, full U(0,b), equal b/2+U(0,b/2), or decorrelated.'),
    })
    .prefault({})
    .describe('Retries with exponential backoff; a not-leader answer is retried at once to the new leader.'),
  priority: nonNegativeInt.default(0).describe('Priority of every message, for priority queues (higher first).'),
  delay: durationUs
    .default(0)
    .describe('Keep each message invisible to consumers this long after it is stored (a delay queue).'),
  metadataRefresh: positiveDurationUs
    .default(500_000)
    .describe(
      'Ask for the partition leaders again this long after an unanswered request or a partition without a leader.',
    ),
});

export const producerModel: ModelDefinition<typeof producerParams> = {
  type: 'producer',
  role: 'workload',
  description:
    'Producer clients writing messages to a queue, pub-sub topic or log: Poisson rate, keys, acks, idempotence, retries, an in-flight limit and a bounded buffer.',
  params: producerParams,
  references: (params) => [{ path: ['target'], component: params.target, type: BROKER_TYPES }],
  instantiate(params, ctx) {
    const settings: ProducerSettings = {
      target: params.target,
      brokers: ctx.nodesOf(params.target),
      ratePerSec: params.rate,
      shape: rateShapeOf(params.shape),
      stopAtUs: params.stopAt,
      keys: params.keys === undefined ? undefined : { count: params.keys.count, zipf: params.keys.zipf },
      messageSizeBytes: params.messageSize,
      acks: params.acks === 'all' ? -1 : params.acks,
      idempotent: params.idempotent,
      maxInFlight: params.maxInFlight,
      bufferMessages: params.buffer,
      requestTimeoutUs: params.requestTimeout,
      deliveryTimeoutUs: params.deliveryTimeout,
      retry: {
        maxAttempts: params.retry.attempts,
        baseUs: params.retry.base,
        capUs: params.retry.cap,
        multiplier: params.retry.multiplier,
        jitter: params.retry.jitter,
        retryOn: ['timeout', 'rejected', 'unavailable'],
        honorRetryAfter: false,
      },
      priority: params.priority,
      delayUs: params.delay,
      partitioner: params.partitioner,
      metadataRefreshUs: params.metadataRefresh,
    };
    const topic = ctx.deliveries.topic(params.target);
    return () => (nodeCtx) =>
      new Producer(nodeCtx as NodeContext<{ incarnations?: number }>, settings, topic, ctx.requests);
  },
};
