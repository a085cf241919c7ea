import { z } from 'zod';
import type { NodeContext, NodeId, Process } from '../engine/node-context.js';
import type { TimeUs } from '../engine/time.js';
import { responseTo, type Request, type Response } from './messages.js';
import type { ComponentMetrics } from './metrics/component-metrics.js';
import { FixedWindow, SlidingWindowCounter, SlidingWindowLog, TokenBucket, type Admission } from './rate-limiting.js';
import type { ModelDefinition } from './registry.js';
import { durationUs, positiveInt, ratePerSec } from './schema/units.js';

export type LimitSpec =
  | { type: 'token-bucket'; ratePerSec: number; burst: number }
  /** A queue drained at a constant rate: excess waits (up to `queue`), it is not discarded. */
  | { type: 'leaky-bucket'; ratePerSec: number; queue: number }
  | { type: 'fixed-window' | 'sliding-log' | 'sliding-counter'; requests: number; windowUs: number };

export interface RateLimiterParams {
  limit: LimitSpec;
  /** One limit for everyone, or one per client node, or one per request key. */
  scope: 'global' | 'client' | 'key';
  backends: readonly string[];
  metrics?: { component: ComponentMetrics; node: number };
}

interface Pending {
  client: NodeId;
  request: Request;
  arrivedUs: TimeUs;
}

const DRAIN = 1;

/**
 * A rate-limiting gateway in front of a component: admitted requests are
 * forwarded (to a backend node picked at random) and their answers relayed;
 * refused ones get a 429-style rejection with Retry-After. The leaky bucket
 * queues instead and forwards at a constant rate.
 */
export class RateLimiter implements Process<Request | Response> {
  private readonly admissions = new Map<number, Admission>();
  private readonly buckets = new Map<number, { queue: Pending[]; draining: boolean }>();
  private readonly backendIds: NodeId[];
  private readonly routing;
  private readonly pending = new Map<number, Pending>();
  private readonly metrics: ComponentMetrics | null;
  private readonly node: number;
  /** Forwarding times in the last window, to find the most ever forwarded in one window. */
  private readonly recent: number[] = [];
  private recentHead = 0;
  private readonly windowUs: number;
  private nextId = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly params: RateLimiterParams,
  ) {
    this.backendIds = params.backends.map((n) => ctx.lookup(n));
    this.routing = ctx.random('routing');
    this.metrics = params.metrics?.component ?? null;
    this.node = params.metrics?.node ?? 0;
    const limit = params.limit;
    this.windowUs = 'windowUs' in limit ? limit.windowUs : 1_000_000;
  }

  onMessage(from: NodeId, message: Request | Response): void {
    if (message.kind === 'response') {
      const p = this.pending.get(message.id);
      if (p === undefined) return;
      this.pending.delete(message.id);
      if (message.error === undefined) this.metrics?.recordServed(p.arrivedUs, this.ctx.nowUs);
      this.reply(p.client, p.request, message.error, undefined);
      return;
    }
    const now = this.ctx.nowUs;
    const scope = this.params.scope === 'global' ? 0 : this.params.scope === 'client' ? from : (message.key ?? 0);
    const limit = this.params.limit;
    if (limit.type === 'leaky-bucket') {
      let bucket = this.buckets.get(scope);
      if (bucket === undefined) this.buckets.set(scope, (bucket = { queue: [], draining: false }));
      if (bucket.queue.length >= limit.queue) {
        this.refuse(from, message, Math.ceil((bucket.queue.length * 1e6) / limit.ratePerSec));
        return;
      }
      this.metrics?.recordArrival(bucket.draining, now);
      bucket.queue.push({ client: from, request: message, arrivedUs: now });
      this.metrics?.queueChanged(this.node, 1, now);
      if (!bucket.draining) this.drain(scope);
      return;
    }
    let admission = this.admissions.get(scope);
    if (admission === undefined) this.admissions.set(scope, (admission = newAdmission(limit)));
    if (!admission.admit(now)) {
      this.refuse(from, message, admission.retryAfterUs(now));
      return;
    }
    this.metrics?.recordArrival(false, now);
    this.forward({ client: from, request: message, arrivedUs: now });
  }

  onTimer(_tag: number, data: unknown): void {
    this.drain(data as number);
  }

  /** Forwards the head of a leaky bucket now and the next one 1/rate later. */
  private drain(scope: number): void {
    const bucket = this.buckets.get(scope)!;
    const next = bucket.queue.shift();
    if (next === undefined) {
      bucket.draining = false;
      return;
    }
    bucket.draining = true;
    this.metrics?.queueChanged(this.node, -1, this.ctx.nowUs);
    this.forward(next);
    const rate = (this.params.limit as { ratePerSec: number }).ratePerSec;
    this.ctx.setTimer(1e6 / rate, DRAIN, scope);
  }

  private forward(p: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, p);
    this.noteForwarded(this.ctx.nowUs);
    const ids = this.backendIds;
    this.ctx.send(ids.length === 1 ? ids[0] : ids[this.routing.int(ids.length)], { ...p.request, id }, 0);
  }

  private refuse(client: NodeId, request: Request, retryAfterUs: number): void {
    this.metrics?.recordArrival(false, this.ctx.nowUs);
    this.metrics?.recordRejected(this.ctx.nowUs);
    this.reply(client, request, 'rejected', retryAfterUs);
  }

  private noteForwarded(nowUs: number): void {
    const recent = this.recent;
    recent.push(nowUs);
    while (recent[this.recentHead] <= nowUs - this.windowUs) this.recentHead++;
    if (this.recentHead > 4096 && this.recentHead * 2 > recent.length) {
      recent.splice(0, this.recentHead);
      this.recentHead = 0;
    }
    this.metrics?.noteDetail('maxForwardedPerWindow', recent.length - this.recentHead);
  }

  private reply(to: NodeId, request: Request, error: Response['error'], retryAfterUs: number | undefined): void {
    this.ctx.send(to, responseTo(request, error, retryAfterUs), 0);
  }
}

function newAdmission(limit: Exclude<LimitSpec, { type: 'leaky-bucket' }>): Admission {
  switch (limit.type) {
    case 'token-bucket':
      return new TokenBucket(limit.ratePerSec, limit.burst);
    case 'fixed-window':
      return new FixedWindow(limit.requests, limit.windowUs);
    case 'sliding-log':
      return new SlidingWindowLog(limit.requests, limit.windowUs);
    case 'sliding-counter':
      return new SlidingWindowCounter(limit.requests, limit.windowUs);
  }
}

const windowed = (type: 'fixed-window' | 'sliding-log' | 'sliding-counter') =>
  z.strictObject({ type: z.literal(type), requests: positiveInt.describe('Requests allowed per window.'), window: durationUs.describe('The window, like 1s.') });

const limit = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('token-bucket'),
    rate: ratePerSec.describe('Tokens added per second.'),
    burst: positiveInt.describe('Bucket size: the most admitted at once after a quiet spell.'),
  }),
  z.strictObject({
    type: z.literal('leaky-bucket'),
    rate: ratePerSec.describe('Requests forwarded per second, evenly spaced.'),
    queue: positiveInt.describe('Requests that may wait; more are rejected.'),
  }),
  windowed('fixed-window'),
  windowed('sliding-log'),
  windowed('sliding-counter'),
]);

const rateLimiterParams = z.strictObject({
  backend: z.string().describe('The component admitted requests go to.'),
  limit: limit.describe('The algorithm and its parameters: token-bucket, leaky-bucket, fixed-window, sliding-log or sliding-counter.'),
  scope: z.enum(['global', 'client', 'key']).default('global').describe('One limit for all, per client node, or per request key.'),
});

export const rateLimiterModel: ModelDefinition<typeof rateLimiterParams> = {
  type: 'rate-limiter',
  role: 'component',
  description: 'A rate-limiting gateway: token bucket, leaky bucket, fixed window, sliding log or sliding counter, per client, per key or global; 429 with Retry-After.',
  params: rateLimiterParams,
  references: (params) => [{ path: ['backend'], component: params.backend }],
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(0);
    const l = params.limit;
    const spec: LimitSpec =
      l.type === 'token-bucket'
        ? { type: l.type, ratePerSec: l.rate, burst: l.burst }
        : l.type === 'leaky-bucket'
          ? { type: l.type, ratePerSec: l.rate, queue: l.queue }
          : { type: l.type, requests: l.requests, windowUs: l.window };
    const backends = ctx.nodesOf(params.backend);
    return (node) => (nodeCtx) => new RateLimiter(nodeCtx, { limit: spec, scope: params.scope, backends, metrics: { component, node } });
  },
};
