import { z } from 'zod';
import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
  type TimerHandle,
} from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { DeliveryLog, StreamRecord, TopicRecord } from '../measure/delivery-log.js';
import type { ErrorKind } from '../measure/outcomes.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ComponentReference, ModelDefinition } from '../kit/model-contract.js';
import type { Response } from '../kit/request-messages.js';
import { durationUs, fraction, positiveDurationUs, positiveInt, ratePerSec } from '../kit/units.js';
import { Deque } from '../parts/deque.js';
import { TokenBucket } from '../rate-limits/limiter-algorithms.js';
import { CircuitBreaker, type CircuitBreakerPolicy } from '../servers/circuit-breaker.js';
import { backoffUs, JITTER_KINDS, type RetryPolicy } from '../workload/retry-policy.js';
import type {
  ChangeVisibilityRequest,
  DeleteRequest,
  MetadataReply,
  MetadataRequest,
  ProduceReply,
  ProduceRequest,
  ReceivedMessage,
  ReceiveReply,
  ReceiveRequest,
} from './broker-messages.js';
import {
  DEDUP_PLACES,
  DEDUP_WRITES,
  NotificationDedup,
  type DedupPlace,
  type DedupWrite,
} from './notification-dedup.js';
import type { NotifyRequest } from './notification-messages.js';
import { channelSeed, UserPreferences, type QuietHours } from './user-preferences.js';
import { IntMap } from '../parts/int-map.js';

export interface WorkerSettings {
  channel: string;
  /** The queue or pub-sub component read, and the stream (queue name or subscription) within it. */
  topic: string;
  subscription: string;
  brokers: readonly string[];
  providers: readonly string[];
  /** Where calls go while the primary's circuit breaker is open; empty for none. */
  fallbacks: readonly string[];
  workers: number;
  batch: number;
  waitUs: number;
  visibilityTimeoutUs: number;
  processing: Distribution | null;
  timeoutUs: number;
  retry: RetryPolicy;
  breaker: CircuitBreakerPolicy | null;
  /** Calls per second this node sends at most, waiting for a token rather than being throttled; 0 for no limit. */
  rateLimitPerSec: number;
  preferences: UserPreferences;
  dedup: { place: DedupPlace; ttlUs: number; write: DedupWrite } | null;
  /** The node of the queue component given-up notifications are produced to; null to only record them. */
  deadLetterQueue: string | null;
}

/**
 * What the workload's nodes share: the stream they read in the delivery log
 * (found on first use, as the broker may create it), a `shared` dedup store,
 * and which notifications have had their outcome counted in the request
 * metrics (once per notification, however many deliveries and attempts).
 */
class WorkerShared {
  private streamRecord: StreamRecord | null = null;
  /** Per notification id: 0 nothing counted yet, 1 counted as sent, 2 its outcome counted too. */
  private counted = new Uint8Array(1024);

  constructor(
    private readonly deliveries: DeliveryLog,
    private readonly settings: WorkerSettings,
    private readonly requests: RequestMetrics,
    readonly operation: OperationMetrics,
    readonly metrics: ComponentMetrics,
    readonly sharedDedup: NotificationDedup | null,
    readonly deadLetterTopic: TopicRecord | null,
  ) {}

  stream(): StreamRecord {
    if (this.streamRecord !== null) return this.streamRecord;
    const { topic: name, subscription } = this.settings;
    const topic = this.deliveries.topic(name);
    this.streamRecord = topic.existingStream(subscription) ?? topic.stream(subscription, 'none');
    return this.streamRecord;
  }

  /** The notification is to be sent (its first delivery to a worker that did not drop it for the user's preferences). */
  countSent(id: number): void {
    if (this.state(id) !== 0) return;
    this.counted[id] = 1;
    this.requests.recordSent(this.operation, this.stream().topic.producedUs[id]);
  }

  /** A provider accepted it: its delivery latency is from when it was produced. */
  countDelivered(id: number, nowUs: number): void {
    if (this.state(id) === 2) return;
    this.counted[id] = 2;
    this.requests.recordSuccess(this.operation, this.stream().topic.producedUs[id], nowUs);
  }

  countGivenUp(id: number, kind: ErrorKind, nowUs: number): void {
    if (this.state(id) === 2) return;
    this.counted[id] = 2;
    this.requests.recordFailure(this.operation, kind, this.stream().topic.producedUs[id], nowUs);
  }

  private state(id: number): number {
    if (id >= this.counted.length) {
      const grown = new Uint8Array(Math.max(id + 1, this.counted.length * 2));
      grown.set(this.counted);
      this.counted = grown;
    }
    return this.counted[id];
  }
}

/** One notification in a worker's hands, from its receipt until it is deleted, dead-lettered or released. */
interface Job {
  readonly message: number;
  readonly user: number;
  readonly receipt: number;
  /** Calls made to a provider for it so far. */
  attempts: number;
  previousBackoffUs: number;
  /** The call out now (its wire id) and its timeout; -1 when none. */
  wire: number;
  timer: TimerHandle | -1;
  toFallback: boolean;
}

/** Timer tags. */
const LOCATE_TIMEOUT = 1;
const RECEIVE_TIMEOUT = 2;
const RESUME = 3;
const PROCESSED = 4;
const CALL_TIMEOUT = 5;
const RETRY = 6;
const TOKEN = 7;

/** What the node is asking the broker: nothing, where the queue is, or for messages; or it waits to ask. */
const IDLE = 0;
const LOCATING = 1;
const RECEIVING = 2;
const WAITING = 3;

/** Pause before asking the broker again after it refused or did not answer. */
const BROKER_RETRY_US = 100_000;
/** Longest wait for a metadata answer, and for a receive beyond its long-poll wait. */
const BROKER_TIMEOUT_US = 1_000_000;

interface Durable {
  dedup?: NotificationDedup;
}

/**
 * A notification worker node: it long-polls its channel's queue for up to
 * `workers` notifications at a time and, for each, in order:
 * 1. a notification in the dedup store (a provider already accepted it) is
 *    deleted without being sent again;
 * 2. one for a user who opted out of the channel is deleted unsent (its
 *    effect, suppression, is recorded as processed);
 * 3. one for a user in quiet hours is held: made invisible on the queue
 *    until they end, and the slot freed;
 * 4. otherwise it is sent: a call to the channel's provider with a timeout,
 *    retried after a failure (a timeout, a 429, a 5xx) with exponential
 *    backoff and jitter, no sooner than a 429's Retry-After, extending the
 *    message's visibility before each wait so no other worker takes it
 *    meanwhile. After `retry.attempts` calls it is dead-lettered: recorded
 *    as such, produced to the `deadLetterQueue` component when there is
 *    one, and deleted (the queue's own maxReceiveCount remains the backstop
 *    for a worker that keeps crashing on it).
 * When a provider accepts, the message is deleted and its id goes into the
 * dedup store (or went in before the first call, as a claim: see
 * dedup-store.ts): at-least-once, so a crash between the provider's delivery
 * and the delete, or a timeout on a call that did deliver, sends it twice;
 * with claims a crash skips the redelivery instead, losing what had not been
 * sent.
 *
 * With a circuit breaker (timeouts and 5xx count as failures; a 429 comes
 * from a provider that is up, asking to slow down, and counts as a
 * success, which also lets a half-open probe finish), the node
 * stops receiving while the breaker is open, so the backlog waits in the
 * queue instead of burning attempts, and messages in hand are released to
 * the queue until it half-opens; or, with a fallback provider, calls go to
 * the fallback meanwhile.
 */
export class NotificationWorker implements InspectableProcess<MetadataReply | ReceiveReply | Response | ProduceReply> {
  private readonly brokers: NodeId[];
  private readonly providers: NodeId[];
  private readonly fallbacks: NodeId[];
  private readonly routing: RandomStream;
  private readonly backoffRng: RandomStream;
  private readonly processingRng: RandomStream;
  private readonly dedup: NotificationDedup | null;
  /** Whether ids are written before the first call (claims) rather than once a provider accepted. */
  private readonly claims: boolean;
  private readonly breaker: CircuitBreaker | null;
  private breakerOpenedAtUs = 0;
  private readonly bucket: TokenBucket | null;
  /** Jobs waiting for a token of the node's own rate limit, oldest first, and whether a timer is set for the next token. */
  private readonly pacing = new Deque<Job>();
  private tokenTimerSet = false;
  private readonly calls = new IntMap<Job>();
  private asking = IDLE;
  private askingId = -1;
  private askTimer: TimerHandle | -1 = -1;
  private brokerCursor = 0;
  /** The node holding the queue as last learnt, and whether it still answers; deletes and visibility changes go to it either way. */
  private holder: NodeId | -1 = -1;
  private holderName = '';
  private located = false;
  private inHand = 0;
  private nextId = 0;
  /** Where given-up notifications are produced, if anywhere, and those sent there not yet acknowledged (wire id to message id). */
  private readonly deadLetterQueue: { node: NodeId; topic: TopicRecord } | null;
  private readonly deadLettersOut = new Map<number, number>();

  constructor(
    private readonly ctx: NodeContext<Durable>,
    private readonly node: number,
    private readonly settings: WorkerSettings,
    private readonly shared: WorkerShared,
  ) {
    this.brokers = settings.brokers.map((name) => ctx.lookup(name));
    this.providers = settings.providers.map((name) => ctx.lookup(name));
    this.fallbacks = settings.fallbacks.map((name) => ctx.lookup(name));
    this.routing = ctx.random('routing');
    this.backoffRng = ctx.random('backoff');
    this.processingRng = ctx.random('processing');
    this.breaker = settings.breaker === null ? null : new CircuitBreaker(settings.breaker);
    this.bucket =
      settings.rateLimitPerSec > 0
        ? new TokenBucket(settings.rateLimitPerSec, Math.max(1, Math.ceil(settings.rateLimitPerSec / 10)))
        : null;
    const d = settings.dedup;
    this.dedup =
      d === null
        ? null
        : d.place === 'shared'
          ? shared.sharedDedup
          : d.place === 'disk'
            ? (ctx.durable.dedup ??= new NotificationDedup(d.ttlUs))
            : new NotificationDedup(d.ttlUs);
    this.claims = d !== null && d.write === 'before-send';
    const dlq = settings.deadLetterQueue;
    this.deadLetterQueue = dlq === null ? null : { node: ctx.lookup(dlq), topic: shared.deadLetterTopic! };
    this.brokerCursor = ctx.random('brokers').int(this.brokers.length);
  }

  inspect(): InspectedState {
    return {
      channel: this.settings.channel,
      notificationsInHand: this.inHand,
      callsOut: this.calls.size,
      waitingForRateLimit: this.pacing.length,
      asking:
        this.asking === IDLE
          ? 'idle'
          : this.asking === LOCATING
            ? 'locating'
            : this.asking === RECEIVING
              ? 'receiving'
              : 'waiting',
      queueHolder: this.located ? this.holderName : null,
      circuit: this.breaker === null ? null : this.breaker.state,
      dedupEntries: this.dedup === null ? null : this.dedup.size,
    };
  }

  onStart(): void {
    this.locate();
  }

  onMessage(_from: NodeId, message: MetadataReply | ReceiveReply | Response | ProduceReply): void {
    switch (message.kind) {
      case 'produce-reply':
        this.onDeadLetterStored(message);
        return;
      case 'metadata-reply':
        this.onMetadata(message);
        return;
      case 'receive-reply':
        this.onReceived(message);
        return;
      case 'response':
        this.onAnswer(message);
        return;
    }
  }

  onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case LOCATE_TIMEOUT:
      case RECEIVE_TIMEOUT:
        this.askTimer = -1;
        this.located = false;
        this.brokerCursor = (this.brokerCursor + 1) % this.brokers.length;
        this.asking = IDLE;
        this.locate();
        return;
      case RESUME:
        this.askTimer = -1;
        this.asking = IDLE;
        if (!this.located) this.locate();
        else this.poll();
        return;
      case PROCESSED:
      case RETRY:
        this.attempt(data as Job);
        return;
      case CALL_TIMEOUT:
        this.onCallTimeout(data as Job);
        return;
      case TOKEN:
        this.tokenTimerSet = false;
        this.drainPacing();
        return;
    }
  }

  // --- The queue: where it is, and receiving from it ---

  private locate(): void {
    if (this.asking !== IDLE) return;
    const id = this.nextId++;
    this.asking = LOCATING;
    this.askingId = id;
    this.ctx.send(this.brokers[this.brokerCursor], { kind: 'metadata', id } satisfies MetadataRequest, 0);
    this.askTimer = this.ctx.setTimer(BROKER_TIMEOUT_US, LOCATE_TIMEOUT);
  }

  private onMetadata(reply: MetadataReply): void {
    if (this.asking !== LOCATING || reply.id !== this.askingId) return;
    this.stopAsking();
    const leader = reply.leaders[0];
    if (leader === null || leader === undefined) {
      this.brokerCursor = (this.brokerCursor + 1) % this.brokers.length;
      this.waitToAsk(BROKER_RETRY_US);
      return;
    }
    this.holder = this.ctx.lookup(leader);
    this.holderName = leader;
    this.located = true;
    this.poll();
  }

  /** Asks for as many notifications as there are free slots (up to a batch), unless the breaker keeps the node from calling. */
  private poll(): void {
    if (this.asking !== IDLE || !this.located) return;
    let free = this.settings.workers - this.inHand;
    const breaker = this.breaker;
    if (breaker !== null && breaker.state !== 'closed' && this.fallbacks.length === 0) {
      const resumeInUs = this.breakerOpenForUs();
      if (resumeInUs > 0) {
        this.waitToAsk(resumeInUs);
        return;
      }
      // Half-open (or about to be): only as many notifications as it lets probes through.
      free = Math.min(free, breaker.policy.probes - this.inHand);
    }
    if (free <= 0) return;
    const id = this.nextId++;
    this.asking = RECEIVING;
    this.askingId = id;
    const request: ReceiveRequest = {
      kind: 'receive',
      id,
      subscription: this.settings.subscription,
      maxMessages: Math.min(this.settings.batch, free),
      waitUs: this.settings.waitUs,
      visibilityTimeoutUs: this.settings.visibilityTimeoutUs,
    };
    this.ctx.send(this.holder, request, 0);
    this.askTimer = this.ctx.setTimer(this.settings.waitUs + BROKER_TIMEOUT_US, RECEIVE_TIMEOUT);
  }

  private onReceived(reply: ReceiveReply): void {
    if (this.asking !== RECEIVING || reply.id !== this.askingId) return;
    this.stopAsking();
    if (reply.error !== undefined) {
      this.located = false;
      this.brokerCursor = (this.brokerCursor + 1) % this.brokers.length;
      this.waitToAsk(BROKER_RETRY_US);
      return;
    }
    for (const m of reply.messages) this.take(m);
    // A short poll that found nothing waits before asking again; a long poll has waited already.
    if (reply.messages.length === 0 && this.settings.waitUs === 0) this.waitToAsk(BROKER_RETRY_US);
    else this.poll();
  }

  private stopAsking(): void {
    if (this.askTimer !== -1) this.ctx.cancelTimer(this.askTimer);
    this.askTimer = -1;
    this.asking = IDLE;
  }

  private waitToAsk(delayUs: number): void {
    this.asking = WAITING;
    this.askTimer = this.ctx.setTimer(delayUs, RESUME);
  }

  // --- One notification ---

  private take(m: ReceivedMessage): void {
    const now = this.ctx.nowUs;
    const stream = this.shared.stream();
    stream.delivered(m.message, 0, -1, now);
    const metrics = this.shared.metrics;
    const clock = this.ctx.localTimeUs();
    if (this.dedup !== null && this.dedup.has(m.message, clock)) {
      metrics.countDetail('dedupHits', now);
      this.remove(m.message, m.receipt);
      return;
    }
    const preferences = this.settings.preferences;
    if (preferences.optedOut(m.key)) {
      metrics.countDetail('optedOut', now);
      stream.processed(m.message, now);
      this.remove(m.message, m.receipt);
      return;
    }
    this.shared.countSent(m.message);
    const quietUs = preferences.quietForUs(m.key, clock);
    if (quietUs > 0) {
      metrics.countDetail('heldForQuietHours', now);
      this.changeVisibility(m.message, m.receipt, quietUs);
      return;
    }
    const job: Job = {
      message: m.message,
      user: m.key,
      receipt: m.receipt,
      attempts: 0,
      previousBackoffUs: 0,
      wire: -1,
      timer: -1,
      toFallback: false,
    };
    this.inHand++;
    metrics.busyChanged(this.node, 1, now);
    if (this.claims) this.dedup!.add(m.message, clock);
    const processing = this.settings.processing;
    if (processing === null) this.attempt(job);
    else this.ctx.setTimer(processing.sample(this.processingRng), PROCESSED, job);
  }

  /** Calls a provider for `job`: the primary, or the fallback while the primary's breaker is open; without a fallback the job goes back to the queue. */
  private attempt(job: Job): void {
    const breaker = this.breaker;
    job.toFallback = false;
    if (breaker !== null && !breaker.allow(this.ctx.localTimeUs())) {
      if (this.fallbacks.length === 0) {
        this.shared.metrics.countDetail('releasedWhileOpen', this.ctx.nowUs);
        const openForUs = this.breakerOpenForUs();
        this.release(job, openForUs > 0 ? openForUs : breaker.policy.openForUs);
        return;
      }
      job.toFallback = true;
    }
    if (this.bucket !== null && (this.pacing.length > 0 || !this.bucket.admit(this.ctx.localTimeUs()))) {
      this.pacing.push(job);
      this.scheduleToken();
      return;
    }
    this.call(job);
  }

  private call(job: Job): void {
    const now = this.ctx.nowUs;
    const s = this.settings;
    const wire = this.nextId++;
    const targets = job.toFallback ? this.fallbacks : this.providers;
    const to = targets.length === 1 ? targets[0] : targets[this.routing.int(targets.length)];
    job.attempts++;
    job.wire = wire;
    this.calls.set(wire, job);
    const metrics = this.shared.metrics;
    metrics.countDetail('calls', now);
    if (job.attempts > 1) metrics.countDetail('retries', now);
    if (job.toFallback) metrics.countDetail('fallbackCalls', now);
    const request: NotifyRequest = {
      kind: 'notify',
      id: wire,
      sentUs: now,
      notification: job.message,
      user: job.user,
      topic: s.topic,
      subscription: s.subscription,
    };
    this.ctx.send(to, request, 0);
    job.timer = this.ctx.setTimer(s.timeoutUs, CALL_TIMEOUT, job);
  }

  private onAnswer(response: Response): void {
    const job = this.calls.get(response.id);
    if (job === undefined) {
      // The call had timed out; what the provider did is already done.
      this.shared.metrics.countDetail('lateAnswers', this.ctx.nowUs);
      return;
    }
    this.calls.delete(response.id);
    this.ctx.cancelTimer(job.timer);
    job.timer = -1;
    job.wire = -1;
    const error = response.error;
    if (error === undefined) {
      this.recordCall(job, true);
      this.delivered(job);
    } else {
      // A 429 comes from a provider that is up: for the breaker it is an answer, not a failure.
      this.recordCall(job, error === 'rejected');
      this.failed(job, error, response.retryAfterUs ?? 0);
    }
  }

  private onCallTimeout(job: Job): void {
    this.calls.delete(job.wire);
    job.timer = -1;
    job.wire = -1;
    this.recordCall(job, false);
    this.failed(job, 'timeout', 0);
  }

  private recordCall(job: Job, ok: boolean): void {
    const breaker = this.breaker;
    if (breaker === null || job.toFallback) return;
    const opened = breaker.opened;
    breaker.record(ok, this.ctx.localTimeUs());
    if (breaker.opened !== opened) {
      this.breakerOpenedAtUs = this.ctx.localTimeUs();
      this.shared.metrics.countDetail('breakerOpened', this.ctx.nowUs);
    }
  }

  private delivered(job: Job): void {
    const now = this.ctx.nowUs;
    if (!this.claims) this.dedup?.add(job.message, this.ctx.localTimeUs());
    this.shared.countDelivered(job.message, now);
    this.remove(job.message, job.receipt);
    this.finish();
  }

  private failed(job: Job, error: ErrorKind, retryAfterUs: number): void {
    const now = this.ctx.nowUs;
    const metrics = this.shared.metrics;
    metrics.countDetail(error === 'rejected' ? 'throttled' : error === 'timeout' ? 'timeouts' : 'providerErrors', now);
    const policy = this.settings.retry;
    if (job.attempts >= policy.maxAttempts) {
      metrics.countDetail('deadLettered', now);
      this.shared.stream().deadLettered(job.message, now);
      this.shared.countGivenUp(job.message, error, now);
      if (this.deadLetterQueue !== null) this.sendToDeadLetterQueue(job);
      this.remove(job.message, job.receipt);
      this.finish();
      return;
    }
    let waitUs = Math.ceil(backoffUs(policy, job.attempts, job.previousBackoffUs, this.backoffRng));
    job.previousBackoffUs = waitUs;
    if (policy.honorRetryAfter && retryAfterUs > waitUs) waitUs = retryAfterUs;
    this.changeVisibility(job.message, job.receipt, waitUs + this.settings.visibilityTimeoutUs);
    this.ctx.setTimer(waitUs, RETRY, job);
  }

  /**
   * Produces a given-up notification to the dead-letter queue as a new
   * message with the same user, once and without retries (as the queue's own
   * redrive does): if that queue does not answer, its topic shows the
   * message never acknowledged.
   */
  private sendToDeadLetterQueue(job: Job): void {
    const dlq = this.deadLetterQueue!;
    const message = dlq.topic.produced(this.ctx.id, job.user, this.ctx.nowUs);
    const id = this.nextId++;
    this.deadLettersOut.set(id, message);
    const request: ProduceRequest = {
      kind: 'produce',
      id,
      message,
      partition: 0,
      key: job.user,
      sizeBytes: 0,
      acks: 1,
      priority: 0,
      delayUs: 0,
      producerId: -1,
      sequence: -1,
    };
    this.ctx.send(dlq.node, request, 0);
  }

  private onDeadLetterStored(reply: ProduceReply): void {
    const message = this.deadLettersOut.get(reply.id);
    if (message === undefined) return;
    this.deadLettersOut.delete(reply.id);
    const topic = this.deadLetterQueue!.topic;
    if (reply.error === undefined) topic.acknowledged(message, this.ctx.nowUs);
    else topic.failed(message, this.ctx.nowUs);
  }

  /** Gives the job back to the queue, visible again after `afterUs`. */
  private release(job: Job, afterUs: number): void {
    if (this.claims) this.dedup!.remove(job.message);
    this.changeVisibility(job.message, job.receipt, afterUs);
    this.finish();
  }

  private finish(): void {
    this.inHand--;
    this.shared.metrics.busyChanged(this.node, -1, this.ctx.nowUs);
    this.poll();
  }

  /** How long the breaker still keeps the primary closed to calls (0 when it does not), with no fallback to call instead. */
  private breakerOpenForUs(): number {
    const breaker = this.breaker;
    if (breaker === null || breaker.state !== 'open' || this.fallbacks.length > 0) return 0;
    return Math.max(0, this.breakerOpenedAtUs + breaker.policy.openForUs - this.ctx.localTimeUs());
  }

  // --- The node's own rate limit ---

  private scheduleToken(): void {
    if (this.tokenTimerSet) return;
    this.tokenTimerSet = true;
    this.ctx.setTimer(Math.max(1, this.bucket!.retryAfterUs(this.ctx.localTimeUs())), TOKEN);
  }

  private drainPacing(): void {
    const bucket = this.bucket!;
    while (this.pacing.length > 0 && bucket.admit(this.ctx.localTimeUs())) this.call(this.pacing.shift());
    if (this.pacing.length > 0) this.scheduleToken();
  }

  // --- Queue operations that need no answer ---

  private remove(message: number, receipt: number): void {
    if (this.holder === -1) return;
    const request: DeleteRequest = { kind: 'delete', subscription: this.settings.subscription, message, receipt };
    this.ctx.send(this.holder, request, 0);
  }

  private changeVisibility(message: number, receipt: number, timeoutUs: number): void {
    if (this.holder === -1) return;
    const request: ChangeVisibilityRequest = {
      kind: 'change-visibility',
      subscription: this.settings.subscription,
      message,
      receipt,
      // Whole microseconds, as the broker's clock deadlines are.
      timeoutUs: Math.ceil(timeoutUs),
    };
    this.ctx.send(this.holder, request, 0);
  }
}

const workerParams = z.strictObject({
  target: z
    .string()
    .describe(
      "The queue (or pub-sub topic) holding this channel's notifications: one per channel, so one channel's outage does not hold up the others.",
    ),
  subscription: z
    .string()
    .optional()
    .describe("The subscription read when the target is a pub-sub topic; the queue's own name when absent."),
  channel: z
    .string()
    .describe(
      "The channel served (push, sms, email): its notifications' delivery latency is reported as the request operation of this name.",
    ),
  provider: z.string().describe('The notification-provider component called to deliver each notification.'),
  fallback: z
    .string()
    .optional()
    .describe(
      'Another notification-provider (a second vendor) called while the circuit breaker keeps the provider closed to calls; needs `circuitBreaker`.',
    ),
  deadLetterQueue: z
    .string()
    .optional()
    .describe(
      'A queue component the notifications given up on (after the last attempt) are produced to, as new messages for the same user, for inspection or redrive. Without it they are only counted as dead-lettered.',
    ),
  workers: positiveInt.default(10).describe('Notifications handled at once on each worker node.'),
  batch: positiveInt.default(10).describe('Most notifications asked for in one receive.'),
  waitTime: durationUs
    .default(20_000_000)
    .describe(
      'Long polling: a receive waits up to this long for a notification (SQS WaitTimeSeconds, default 20s); 0: short polling, every 100ms.',
    ),
  visibilityTimeout: positiveDurationUs
    .default(30_000_000)
    .describe(
      "Asked of the queue with every receive: a received notification stays invisible to other workers this long; extended by each retry's backoff before the wait.",
    ),
  processing: durationDistribution
    .optional()
    .describe('Time spent on a notification before calling the provider (rendering its template); none when absent.'),
  timeout: positiveDurationUs
    .default(2_000_000)
    .describe(
      'Give up on a provider call after this long and count it failed (it may still have delivered: a later retry then sends it twice).',
    ),
  retry: z
    .strictObject({
      attempts: positiveInt
        .default(5)
        .describe('Provider calls per notification in all, the first included; then it is dead-lettered.'),
      base: durationUs.default(100_000).describe('Backoff before the first retry (default 100ms).'),
      multiplier: z.number().min(1).default(2).describe('Backoff growth per retry.'),
      cap: durationUs.default(10_000_000).describe('Longest backoff (default 10s).'),
      jitter: z.enum(JITTER_KINDS).default('full').describe('none, full U(0,b), equal b/2+U(0,b/2), or decorrelated.'),
      honorRetryAfter: z.boolean().default(true).describe("Wait at least a 429's Retry-After."),
    })
    .prefault({})
    .describe('Retries of failed provider calls (timeouts, 429s, 5xx) with exponential backoff and jitter.'),
  circuitBreaker: z
    .strictObject({
      failureRate: fraction
        .default(0.5)
        .describe(
          'Open when this share of provider calls in the window failed (timeouts and 5xx; a 429 is not a failure)...',
        ),
      window: positiveDurationUs.default(10_000_000).describe('...over calls finished in this window (default 10s)...'),
      minimumCalls: positiveInt.default(20).describe('...once at least this many finished in it.'),
      openFor: positiveDurationUs
        .default(5_000_000)
        .describe('Stop calling this long (default 5s), then let probes through.'),
      probes: positiveInt.default(3).describe('Half-open calls that must all succeed to close again.'),
    })
    .optional()
    .describe(
      'A circuit breaker on each worker node for its provider: while open the node stops receiving (the backlog waits in the queue instead of burning retries) or, with `fallback`, calls the fallback. None when absent.',
    ),
  rateLimit: ratePerSec
    .optional()
    .describe(
      "Provider calls per second from each worker node at most, waiting for a token instead of being answered 429 (client-side pacing; set it to the provider's limit divided by the worker nodes). None when absent.",
    ),
  optedOut: fraction
    .default(0)
    .describe(
      'Share of users who opted out of this channel: their notifications are deleted unsent (and count as processed, in the `optedOut` detail).',
    ),
  quietHours: z
    .strictObject({
      day: positiveDurationUs
        .default(86_400_000_000)
        .describe('Length of the simulated day (24h by default; shorten it to see a day in a short run).'),
      start: durationUs.default(79_200_000_000).describe("When quiet hours start in each user's day (22h by default)."),
      length: durationUs.default(28_800_000_000).describe('How long they last (8h by default).'),
    })
    .optional()
    .describe(
      'Do not disturb: each user has a time zone (their offset spread uniformly over the day), and a notification for a user in quiet hours is held on the queue (made invisible) until they end. None when absent.',
    ),
  dedup: z
    .strictObject({
      store: z
        .enum(DEDUP_PLACES)
        .default('shared')
        .describe(
          "memory: per worker node, lost when it crashes; disk: per worker node, survives its crashes; shared: one store for all the workload's nodes (like a Redis), survives any worker crash.",
        ),
      write: z
        .enum(DEDUP_WRITES)
        .default('after-send')
        .describe(
          "after-send: an id is written once a provider accepted it (at-least-once: a worker crash while a call is out still sends twice); before-send: written before the first call, a claim (at-most-once: with a shared store a crash's redelivery is skipped, and lost if the crashed call had not delivered).",
        ),
      ttl: positiveDurationUs
        .default(86_400_000_000)
        .describe('How long an id is remembered after its notification was sent (default 24h).'),
    })
    .optional()
    .describe(
      'Deduplication by notification id: an id is stored once a provider accepted it, and a redelivered notification found in the store is deleted without being sent again. None when absent.',
    ),
});

export const notificationWorkerModel: ModelDefinition<typeof workerParams> = {
  type: 'notification-worker',
  role: 'workload',
  description:
    "Workers of one notification channel: they receive from the channel's queue, apply users' opt-outs and quiet hours, deduplicate, call the channel's provider with a timeout and retries with backoff, dead-letter after the last attempt, and delete what was sent (at-least-once).",
  params: workerParams,
  references(params) {
    const refs: ComponentReference[] = [
      { path: ['target'], component: params.target, type: ['queue', 'pubsub'] },
      { path: ['provider'], component: params.provider, type: 'notification-provider' },
    ];
    if (params.fallback !== undefined)
      refs.push({ path: ['fallback'], component: params.fallback, type: 'notification-provider' });
    if (params.deadLetterQueue !== undefined)
      refs.push({ path: ['deadLetterQueue'], component: params.deadLetterQueue, type: 'queue' });
    return refs;
  },
  check(params) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    if (params.fallback !== undefined && params.circuitBreaker === undefined)
      problems.push({
        path: ['fallback'],
        message:
          'a fallback provider is called while the circuit breaker is open: add circuitBreaker, or remove fallback',
      });
    const q = params.quietHours;
    if (q !== undefined && !(q.length < q.day))
      problems.push({ path: ['quietHours', 'length'], message: 'quiet hours must be shorter than the day' });
    return problems;
  },
  instantiate(params, ctx) {
    const q = params.quietHours;
    const quiet: QuietHours | null =
      q === undefined ? null : { dayUs: q.day, startUs: q.start % q.day, lengthUs: q.length };
    const r = params.retry;
    const b = params.circuitBreaker;
    const settings: WorkerSettings = {
      channel: params.channel,
      topic: params.target,
      subscription: params.subscription ?? params.target,
      brokers: ctx.nodesOf(params.target),
      providers: ctx.nodesOf(params.provider),
      fallbacks: params.fallback === undefined ? [] : ctx.nodesOf(params.fallback),
      workers: params.workers,
      batch: params.batch,
      waitUs: params.waitTime,
      visibilityTimeoutUs: params.visibilityTimeout,
      processing: params.processing === undefined ? null : distribution(params.processing),
      timeoutUs: params.timeout,
      retry: {
        maxAttempts: r.attempts,
        baseUs: r.base,
        capUs: r.cap,
        multiplier: r.multiplier,
        jitter: r.jitter,
        retryOn: ['timeout', 'rejected', 'unavailable'],
        honorRetryAfter: r.honorRetryAfter,
      },
      breaker:
        b === undefined
          ? null
          : {
              failureRate: b.failureRate,
              windowUs: b.window,
              minimumCalls: b.minimumCalls,
              openForUs: b.openFor,
              probes: b.probes,
            },
      rateLimitPerSec: params.rateLimit ?? 0,
      preferences: new UserPreferences(params.optedOut, quiet, channelSeed(params.channel)),
      dedup:
        params.dedup === undefined
          ? null
          : { place: params.dedup.store, ttlUs: params.dedup.ttl, write: params.dedup.write },
      deadLetterQueue: params.deadLetterQueue === undefined ? null : ctx.nodesOf(params.deadLetterQueue)[0],
    };
    const shared = new WorkerShared(
      ctx.deliveries,
      settings,
      ctx.requests,
      ctx.requests.operation(params.channel),
      ctx.componentMetrics(params.workers),
      params.dedup?.store === 'shared' ? new NotificationDedup(params.dedup.ttl) : null,
      params.deadLetterQueue === undefined ? null : ctx.deliveries.topic(params.deadLetterQueue),
    );
    return (nodeIndex) => (nodeCtx) => new NotificationWorker(nodeCtx, nodeIndex, settings, shared);
  },
};
