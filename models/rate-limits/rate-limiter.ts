import { z } from 'zod';
import type { NodeContext, NodeId, TimeUs } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { CounterReply } from './counter-store.js';
import {
  DistributedLimit,
  distributedLimitParams,
  type CountedLimit,
  type DistributedLimitRuntime,
  type DistributedLimitSettings,
  type LimitOutcome,
} from './distributed-limit.js';
import { responseTo, type Request, type Response } from '../kit/request-messages.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import { LimiterTally } from './limiter-tally.js';
import {
  FixedWindow,
  SlidingWindowCounter,
  SlidingWindowLog,
  TokenBucket,
  type Admission,
} from './limiter-algorithms.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveInt, ratePerSec } from '../kit/units.js';

export type LimitSpec =
  | { type: 'token-bucket'; ratePerSec: number; burst: number }
  /** A queue drained at a constant rate: excess waits (up to `queue`), it is not discarded. */
  | { type: 'leaky-bucket'; ratePerSec: number; queue: number }
  | { type: 'fixed-window' | 'sliding-log' | 'sliding-counter'; requests: number; windowUs: number };

/** One gateway's configuration, computed from the settings: its limit is its share when the limit is split. */
export interface RateLimiterParams {
  limit: LimitSpec;
  /** One limit for everyone, or one per client node, or one per request key. */
  scope: z.output<typeof rateLimiterParams>['scope'];
  backends: readonly string[];
  /** The limit is shared with the component's other nodes through a counter store; each node enforces `limit` alone when absent. */
  distributed?: { settings: DistributedLimitSettings; runtime: DistributedLimitRuntime };
  /** Admissions counted across every node sharing the limit. */
  tally?: LimiterTally;
  metrics?: { component: ComponentMetrics; node: number };
}

interface Pending {
  client: NodeId;
  request: Request;
  arrivedUs: TimeUs;
  /** The limit key it was counted under. */
  scope: number;
}

const DRAIN = 1;

/**
 * A rate-limiting gateway in front of a component: admitted requests are
 * forwarded (to a backend node picked at random) and their answers relayed;
 * refused ones get a 429-style rejection with Retry-After. The leaky bucket
 * queues instead and forwards at a constant rate. With `distributed`, the
 * component's nodes are gateways sharing one limit: each decision goes
 * through a counter store (see DistributedLimit).
 */
export class RateLimiter implements InspectableProcess<Request | Response | CounterReply> {
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
  private readonly shared: DistributedLimit<Pending> | null;
  private readonly tally: LimiterTally | null;
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
    this.tally = params.tally ?? null;
    const outcome: LimitOutcome<Pending> = {
      admit: (p) => {
        this.metrics?.recordArrival(false, p.arrivedUs);
        this.forward(p);
      },
      refuse: (p, error, retryAfterUs) => this.refuse(p.client, p.request, error, retryAfterUs),
    };
    this.shared =
      params.distributed === undefined
        ? null
        : new DistributedLimit(ctx, params.distributed.settings, params.distributed.runtime, outcome);
  }

  /**
   * The algorithm and scope; how many limit keys it tracks, how many are at
   * their limit now and the fewest requests any would still admit (leaky
   * bucket: the requests queued instead); requests forwarded and not yet
   * answered; and a shared limit's own state.
   */
  inspect(): InspectedState {
    const now = this.ctx.nowUs;
    let lowest: number | null = null;
    let atLimit = 0;
    for (const admission of this.admissions.values()) {
      const admissible = admission.admissible(now);
      if (admissible === 0) atLimit++;
      if (lowest === null || admissible < lowest) lowest = admissible;
    }
    let queued = 0;
    for (const bucket of this.buckets.values()) {
      queued += bucket.queue.length;
      if (bucket.queue.length >= (this.params.limit as { queue: number }).queue) atLimit++;
    }
    return {
      algorithm: this.params.limit.type,
      scope: this.params.scope,
      keysTracked: this.admissions.size + this.buckets.size,
      keysAtLimit: atLimit,
      admissibleLowest: lowest,
      queued,
      forwardedInFlight: this.pending.size,
      shared: this.shared === null ? null : this.shared.inspect(),
    };
  }

  onStart(): void {
    this.shared?.start();
  }

  onMessage(from: NodeId, message: Request | Response | CounterReply): void {
    if (message.kind === 'counter-reply') {
      this.shared?.onReply(message);
      return;
    }
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
    if (this.shared !== null) {
      this.shared.decide(scope, { client: from, request: message, arrivedUs: now, scope });
      return;
    }
    const limit = this.params.limit;
    if (limit.type === 'leaky-bucket') {
      let bucket = this.buckets.get(scope);
      if (bucket === undefined) this.buckets.set(scope, (bucket = { queue: [], draining: false }));
      if (bucket.queue.length >= limit.queue) {
        this.refuse(from, message, 'rejected', Math.ceil((bucket.queue.length * 1e6) / limit.ratePerSec));
        return;
      }
      this.metrics?.recordArrival(bucket.draining, now);
      bucket.queue.push({ client: from, request: message, arrivedUs: now, scope });
      this.metrics?.queueChanged(this.node, 1, now);
      if (!bucket.draining) this.drain(scope);
      return;
    }
    let admission = this.admissions.get(scope);
    if (admission === undefined) this.admissions.set(scope, (admission = newAdmission(limit)));
    if (!admission.admit(now)) {
      this.refuse(from, message, 'rejected', admission.retryAfterUs(now));
      return;
    }
    this.metrics?.recordArrival(false, now);
    this.forward({ client: from, request: message, arrivedUs: now, scope });
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === DRAIN) this.drain(data as number);
    else this.shared?.onTimer(tag, data);
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
    this.tally?.admitted(p.scope, p.arrivedUs);
    const ids = this.backendIds;
    this.ctx.send(ids.length === 1 ? ids[0] : ids[this.routing.int(ids.length)], { ...p.request, id }, 0);
  }

  private refuse(
    client: NodeId,
    request: Request,
    error: 'rejected' | 'unavailable',
    retryAfterUs: number | undefined,
  ): void {
    this.metrics?.recordArrival(false, this.ctx.nowUs);
    this.metrics?.recordRejected(this.ctx.nowUs);
    this.reply(client, request, error, retryAfterUs);
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
  z.strictObject({
    type: z.literal(type),
    requests: positiveInt.describe('Requests allowed per window.'),
    window: durationUs.describe('The window, like 1s.'),
  });

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

const COUNTED: readonly LimitSpec['type'][] = ['fixed-window', 'sliding-counter'];

const rateLimiterParams = z
  .strictObject({
    backend: z.string().describe('The component admitted requests go to.'),
    limit: limit.describe(
      'The algorithm and its parameters: token-bucket, leaky-bucket, fixed-window, sliding-log or sliding-counter.',
    ),
    scope: z
      .enum(['global', 'client', 'key'])
      .default('global')
      .describe('One limit for all, per client node, or per request key.'),
    distributed: distributedLimitParams
      .optional()
      .describe(
        "One limit shared by the component's nodes (gateways): local, central-atomic, central-racy or sync. Absent: each node enforces the whole limit alone.",
      ),
  })
  .superRefine((params, issues) => {
    const mode = params.distributed?.mode;
    if (mode === undefined || mode === 'local' || COUNTED.includes(params.limit.type)) return;
    issues.addIssue({
      code: 'custom',
      path: ['distributed', 'mode'],
      message: `${mode} keeps counts per window in the store, so it needs a fixed-window or sliding-counter limit, not ${params.limit.type} (local works with any)`,
    });
  });

export const rateLimiterModel: ModelDefinition<typeof rateLimiterParams> = {
  type: 'rate-limiter',
  role: 'component',
  description:
    'A rate-limiting gateway: token bucket, leaky bucket, fixed window, sliding log or sliding counter, per client, per key or global; 429 with Retry-After; optionally one limit shared by its nodes through a counter store.',
  params: rateLimiterParams,
  references: (params) => [
    { path: ['backend'], component: params.backend },
    ...(params.distributed !== undefined && params.distributed.mode !== 'local'
      ? [{ path: ['distributed', 'store'], component: params.distributed.store }]
      : []),
  ],
  check(params, { nodeCount }) {
    const d = params.distributed;
    // Gateways enforce a share of the limit in local mode, and when failing to local.
    if (d === undefined || nodeCount === 1 || (d.mode !== 'local' && d.failMode !== 'local')) return [];
    const l = params.limit;
    const [field, total] =
      l.type === 'token-bucket'
        ? ['burst', l.burst]
        : l.type === 'leaky-bucket'
          ? ['queue', l.queue]
          : ['requests', l.requests];
    if (total >= nodeCount) return [];
    return [
      {
        path: ['limit', field],
        message: `${total} split over ${nodeCount} gateways leaves some with none; raise it to at least ${nodeCount}`,
      },
    ];
  },
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
    const scope = params.scope;
    const d = params.distributed;
    if (d === undefined)
      return (node) => (nodeCtx) =>
        new RateLimiter(nodeCtx, { limit: spec, scope, backends, metrics: { component, node } });
    const gateways = ctx.nodeNames.length;
    const tally = new LimiterTally(component, 'windowUs' in spec ? spec.windowUs : 1_000_000);
    if (d.mode === 'local') {
      return (node) => (nodeCtx) =>
        new RateLimiter(nodeCtx, {
          limit: shareOf(spec, gateways, node),
          scope,
          backends,
          tally,
          metrics: { component, node },
        });
    }
    const counted = spec as CountedLimit;
    const storeNodes = ctx.nodesOf(d.store);
    return (node) => (nodeCtx) =>
      new RateLimiter(nodeCtx, {
        limit: spec,
        scope,
        backends,
        tally,
        metrics: { component, node },
        distributed: {
          settings: d,
          runtime: { limit: counted, share: shareOf(counted, gateways, node), storeNodes, tally },
        },
      });
  },
};

/** Gateway `index`'s part of a limit split over `gateways`: rates divided, counts split in whole requests that add up to the total. */
function shareOf<L extends LimitSpec>(limit: L, gateways: number, index: number): L {
  const part = (total: number, what: string) => {
    const n = Math.floor(total / gateways) + (index < total % gateways ? 1 : 0);
    if (n === 0)
      throw new RangeError(
        `a distributed limit splits ${what} ${total} over ${gateways} gateways, which leaves some with none: raise it to at least ${gateways}`,
      );
    return n;
  };
  switch (limit.type) {
    case 'token-bucket':
      return { ...limit, ratePerSec: limit.ratePerSec / gateways, burst: part(limit.burst, 'burst') };
    case 'leaky-bucket':
      return { ...limit, ratePerSec: limit.ratePerSec / gateways, queue: part(limit.queue, 'queue') };
    default:
      return { ...limit, requests: part(limit.requests, 'requests') };
  }
}
