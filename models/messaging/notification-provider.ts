import { z } from 'zod';
import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
} from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { DeliveryLog, StreamRecord } from '../measure/delivery-log.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import type { Response } from '../kit/request-messages.js';
import { fraction, positiveInt, ratePerSec } from '../kit/units.js';
import { TokenBucket } from '../rate-limits/limiter-algorithms.js';
import type { NotifyRequest } from './notification-messages.js';

export interface ProviderSettings {
  channel: string;
  /** Calls per second this node admits (the account's limit shared by the provider's nodes), and its token bucket's size. */
  ratePerSec: number;
  burst: number;
  latency: Distribution;
  /** Share of admitted calls that fail (5xx) after their latency, having delivered nothing. */
  failureRate: number;
}

/** The call a node is working on: who asked, what, and when it arrived. */
interface Call {
  from: NodeId;
  request: NotifyRequest;
  arrivedUs: number;
}

const DONE = 1;

/**
 * A third-party notification API (APNs/FCM, an SMS gateway, an email
 * service) as one node of a component: a call over the rate limit is turned
 * away at once with 429 and a Retry-After (a token bucket on this node's
 * clock); an admitted call takes a drawn latency, then fails with a 5xx
 * (share `failureRate`, nothing delivered) or delivers the notification to
 * the user and says so. The delivery is the message's effect in the delivery
 * log, recorded here, where it happens: a second delivery of the same
 * notification (a retry after a timeout that had in fact succeeded, a
 * redelivery after a worker crash) is the user's "sent twice". An outage is
 * the scenario's: a crashed node loses the calls it was working on and
 * answers nothing until it restarts (with a full bucket); a partition drops
 * calls and answers alike.
 */
export class NotificationProvider implements InspectableProcess<NotifyRequest> {
  private readonly bucket: TokenBucket;
  private readonly latencyRng: RandomStream;
  private readonly failureRng: RandomStream;
  /** Streams already looked up, by the names calls carry (a provider serves one or a few). */
  private readonly streams: { topic: string; subscription: string; record: StreamRecord }[] = [];
  private working = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: ProviderSettings,
    private readonly deliveries: DeliveryLog,
    private readonly metrics: ComponentMetrics,
  ) {
    if (!(settings.ratePerSec > 0))
      throw new RangeError(`provider rate limit must be > 0/s, got ${settings.ratePerSec}`);
    this.bucket = new TokenBucket(settings.ratePerSec, settings.burst);
    this.latencyRng = ctx.random('latency');
    this.failureRng = ctx.random('failures');
  }

  /** Calls being worked on and the tokens the bucket holds now. */
  inspect(): InspectedState {
    return {
      channel: this.settings.channel,
      callsInProgress: this.working,
      tokensAvailable: this.bucket.admissible(this.ctx.localTimeUs()),
    };
  }

  onMessage(from: NodeId, request: NotifyRequest): void {
    if (request.kind !== 'notify') return;
    const now = this.ctx.nowUs;
    this.metrics.recordArrival(false, now);
    const local = this.ctx.localTimeUs();
    if (!this.bucket.admit(local)) {
      this.metrics.recordRejected(now);
      this.metrics.countDetail('throttled', now);
      this.ctx.send(from, answer(request, 'rejected', this.bucket.retryAfterUs(local)), 0);
      return;
    }
    this.working++;
    const call: Call = { from, request, arrivedUs: now };
    this.ctx.setTimer(this.settings.latency.sample(this.latencyRng), DONE, call);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag !== DONE) return;
    const call = data as Call;
    const now = this.ctx.nowUs;
    this.working--;
    if (this.failureRng.nextDouble() < this.settings.failureRate) {
      this.metrics.countDetail('failed', now);
      this.ctx.send(call.from, answer(call.request, 'unavailable'), 0);
      return;
    }
    const stream = this.stream(call.request);
    const id = call.request.notification;
    stream.processed(id, now);
    this.metrics.countDetail('delivered', now);
    if (stream.processings[id] === 2) this.metrics.countDetail('sentTwice', now);
    this.metrics.recordServed(call.arrivedUs, now);
    this.ctx.send(call.from, answer(call.request), 0);
  }

  private stream(request: NotifyRequest): StreamRecord {
    for (const s of this.streams)
      if (s.topic === request.topic && s.subscription === request.subscription) return s.record;
    const record = this.deliveries.topic(request.topic).streams.find((s) => s.subscription === request.subscription);
    if (record === undefined)
      throw new RangeError(
        `${this.ctx.name} was asked to deliver notification ${request.notification} of ${request.topic}/${request.subscription}, which the delivery log does not know: the worker must record the delivery before calling the provider`,
      );
    this.streams.push({ topic: request.topic, subscription: request.subscription, record });
    return record;
  }
}

/** The kit's response to a call: success when `error` is absent; Retry-After only with a 429. */
function answer(request: NotifyRequest, error?: 'rejected' | 'unavailable', retryAfterUs?: number): Response {
  if (error === undefined) return { kind: 'response', id: request.id, sentUs: request.sentUs };
  return retryAfterUs === undefined
    ? { kind: 'response', id: request.id, sentUs: request.sentUs, error }
    : { kind: 'response', id: request.id, sentUs: request.sentUs, error, retryAfterUs };
}

const providerParams = z.strictObject({
  channel: z
    .enum(['push', 'sms', 'email'])
    .describe(
      'What it delivers: push (APNs/FCM), sms (an SMS gateway) or email (an email service); for reading reports.',
    ),
  rateLimit: ratePerSec.describe(
    "The account's rate limit, like 500/s, shared evenly by the provider's nodes: a token bucket per node; calls over it are answered 429 with a Retry-After.",
  ),
  burst: positiveInt
    .optional()
    .describe(
      "Token bucket size per node: calls admitted at once after a quiet spell. A tenth of a second's worth when absent.",
    ),
  latency: durationDistribution
    .default({ type: 'lognormal', median: 50_000, sigma: 0.5 })
    .describe(
      'Time from an admitted call to its answer (delivering to the user included): a duration or a distribution.',
    ),
  failureRate: fraction
    .default(0)
    .describe('Share of admitted calls that fail with a transient 5xx after their latency, delivering nothing.'),
});

export const notificationProviderModel: ModelDefinition<typeof providerParams> = {
  type: 'notification-provider',
  role: 'component',
  description:
    'A third-party notification API (APNs/FCM, an SMS gateway, an email service): a rate limit answered with 429 and Retry-After, a latency, transient 5xx failures; it records each delivery to a user, so a notification sent twice shows.',
  params: providerParams,
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(0);
    const ratePerSec = params.rateLimit / ctx.nodeNames.length;
    const settings: ProviderSettings = {
      channel: params.channel,
      ratePerSec,
      burst: params.burst ?? Math.max(1, Math.ceil(ratePerSec / 10)),
      latency: distribution(params.latency),
      failureRate: params.failureRate,
    };
    return () => (nodeCtx) => new NotificationProvider(nodeCtx, settings, ctx.deliveries, metrics);
  },
};
