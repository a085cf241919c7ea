import { z } from 'zod';
import { distribution, type DistributionSpec } from '../engine/distribution.js';
import type { NodeContext, NodeId, Process, TimerHandle } from '../engine/node-context.js';
import type { TimeUs } from '../engine/time.js';
import { BALANCING_ALGORITHMS, Backends, type BalancingAlgorithm } from './balancing.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from './messages.js';
import type { ComponentMetrics } from './metrics/component-metrics.js';
import type { ModelDefinition } from './registry.js';
import { durationDistribution } from './schema/distribution.js';
import { durationUs, fraction, positiveInt } from './schema/units.js';

export interface LoadBalancerParams {
  algorithm: BalancingAlgorithm;
  /** Backend nodes by name, with a weight each. */
  backends: readonly { node: string; weight: number }[];
  /** Time to handle a request before forwarding it (an L7 proxy's parsing and routing); none when absent. */
  processingTimeUs?: DistributionSpec;
  /** Give up on a backend after this long and answer the client with a timeout. */
  timeoutUs?: number;
  /** Passive health checking: take a backend out after this many errors in a row... */
  ejectAfterErrors?: number;
  /** ...for this long. */
  ejectForUs?: number;
  virtualNodes: number;
  ewmaWeight: number;
  healthCheck?: HealthCheckPolicy;
  metrics?: { component: ComponentMetrics; node: number };
}

export interface HealthCheckPolicy {
  intervalUs: number;
  timeoutUs: number;
  /** Failed checks in a row that mark a backend unhealthy... */
  unhealthyAfter: number;
  /** ...and passed checks in a row that bring it back. */
  healthyAfter: number;
  /** `ping`: is the node up; `request`: does it serve a real request (which catches grey failures). */
  kind: 'ping' | 'request';
}

interface Probe {
  backend: number;
  timer: TimerHandle;
}

interface Pending {
  client: NodeId;
  request: Request;
  backend: number;
  startUs: TimeUs;
  timer: TimerHandle | -1;
}

const FORWARD = 1;
const TIMEOUT = 2;
const HEALTH_ROUND = 3;
const PROBE_TIMEOUT = 4;

/**
 * A request-level (L7) load balancer: it picks a backend per request with
 * one of the balancing algorithms, relays the answer, and can take failing
 * backends out of rotation (passive health checks).
 */
export class LoadBalancer implements Process<Request | Response | Pong> {
  private readonly backends: Backends;
  private readonly backendIds: NodeId[];
  private readonly processing;
  private readonly processingRng;
  private readonly pending = new Map<number, Pending>();
  private readonly errorsInARow: Int32Array;
  private readonly probes = new Map<number, Probe>();
  private readonly checkStreak: Int32Array;
  private readonly metrics: ComponentMetrics | null;
  private readonly node: number;
  private nextId = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly params: LoadBalancerParams,
  ) {
    if (params.backends.length === 0) throw new RangeError('a load balancer needs at least one backend');
    this.backends = new Backends(params.algorithm, params.backends.map((b) => b.weight), ctx.random('balancing'), params.ewmaWeight, params.virtualNodes);
    this.backendIds = params.backends.map((b) => ctx.lookup(b.node));
    this.processing = params.processingTimeUs === undefined ? null : distribution(params.processingTimeUs);
    this.processingRng = ctx.random('processing');
    this.errorsInARow = new Int32Array(params.backends.length);
    this.checkStreak = new Int32Array(params.backends.length);
    this.metrics = params.metrics?.component ?? null;
    this.node = params.metrics?.node ?? 0;
  }

  onStart(): void {
    if (this.params.healthCheck !== undefined) this.ctx.setTimer(this.params.healthCheck.intervalUs, HEALTH_ROUND);
  }

  onMessage(from: NodeId, message: Request | Response | Pong): void {
    if (message.kind === 'response' || message.kind === 'pong') {
      const probe = this.probes.get(message.id);
      if (probe !== undefined) {
        this.probes.delete(message.id);
        this.ctx.cancelTimer(probe.timer);
        this.checked(probe.backend, message.kind === 'pong' || message.error === undefined);
      } else if (message.kind === 'response') {
        this.onBackendResponse(message);
      }
      return;
    }
    const now = this.ctx.nowUs;
    this.metrics?.recordArrival(false, now);
    if (this.processing === null) this.forward(from, message, now);
    else this.ctx.setTimer(this.processing.sample(this.processingRng), FORWARD, [from, message, now]);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === HEALTH_ROUND) {
      this.probeAll();
      return;
    }
    if (tag === PROBE_TIMEOUT) {
      const probe = this.probes.get(data as number);
      if (probe !== undefined) {
        this.probes.delete(data as number);
        this.checked(probe.backend, false);
      }
      return;
    }
    if (tag === FORWARD) {
      const [client, request, arrivedUs] = data as [NodeId, Request, TimeUs];
      this.forward(client, request, arrivedUs);
      return;
    }
    const id = data as number;
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.settle(id, p);
    this.recordOutcome(p.backend, false, 0);
    this.answer(p, 'timeout');
  }

  /** One round of active checks: a probe to every backend, each with its own timeout. */
  private probeAll(): void {
    const policy = this.params.healthCheck!;
    for (let i = 0; i < this.backendIds.length; i++) {
      const id = this.nextId++;
      this.probes.set(id, { backend: i, timer: this.ctx.setTimer(policy.timeoutUs, PROBE_TIMEOUT, id) });
      const probe: Ping | Request = policy.kind === 'ping' ? { kind: 'ping', id } : { kind: 'request', id, sentUs: this.ctx.nowUs, operation: 'health-check', priority: 0, session: -1 };
      this.ctx.send(this.backendIds[i], probe, 0);
    }
    this.ctx.setTimer(policy.intervalUs, HEALTH_ROUND);
  }

  /** Streaks of passed (positive) or failed (negative) checks flip a backend's health at the thresholds. */
  private checked(backend: number, passed: boolean): void {
    const policy = this.params.healthCheck!;
    const streak = this.checkStreak[backend];
    this.checkStreak[backend] = passed ? Math.max(streak, 0) + 1 : Math.min(streak, 0) - 1;
    const unhealthy = this.backends.unhealthy;
    if (!passed && unhealthy[backend] === 0 && -this.checkStreak[backend] >= policy.unhealthyAfter) unhealthy[backend] = 1;
    else if (passed && unhealthy[backend] === 1 && this.checkStreak[backend] >= policy.healthyAfter) unhealthy[backend] = 0;
  }

  private forward(client: NodeId, request: Request, arrivedUs: TimeUs): void {
    const backends = this.backends;
    backends.nowUs = this.ctx.nowUs;
    const i = backends.pick(client, request.key ?? client);
    if (i < 0) {
      this.metrics?.recordRejected(this.ctx.nowUs);
      this.reply(client, request, 'unavailable');
      return;
    }
    const id = this.nextId++;
    const timeout = this.params.timeoutUs;
    const timer = timeout === undefined ? -1 : this.ctx.setTimer(timeout, TIMEOUT, id);
    this.pending.set(id, { client, request, backend: i, startUs: arrivedUs, timer });
    backends.inFlight[i]++;
    this.metrics?.queueChanged(this.node, 1, this.ctx.nowUs);
    const upstream: Request = { ...request, id };
    this.ctx.send(this.backendIds[i], upstream, 0);
  }

  private onBackendResponse(response: Response): void {
    const p = this.pending.get(response.id);
    if (p === undefined) return; // answered already: it timed out
    this.settle(response.id, p);
    if (p.timer !== -1) this.ctx.cancelTimer(p.timer);
    this.recordOutcome(p.backend, response.error === undefined, this.ctx.nowUs - p.startUs);
    this.answer(p, response.error);
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    this.backends.inFlight[p.backend]--;
    this.metrics?.queueChanged(this.node, -1, this.ctx.nowUs);
  }

  private recordOutcome(backend: number, ok: boolean, latencyUs: number): void {
    if (ok) {
      this.errorsInARow[backend] = 0;
      this.backends.recordResponse(backend, latencyUs);
      return;
    }
    const limit = this.params.ejectAfterErrors;
    if (limit !== undefined && ++this.errorsInARow[backend] >= limit) {
      this.errorsInARow[backend] = 0;
      this.backends.ejectedUntilUs[backend] = this.ctx.nowUs + (this.params.ejectForUs ?? 0);
    }
  }

  private answer(p: Pending, error: Response['error']): void {
    if (error === undefined) this.metrics?.recordServed(p.startUs, this.ctx.nowUs);
    this.reply(p.client, p.request, error);
  }

  private reply(to: NodeId, request: Request, error: Response['error']): void {
    this.ctx.send(to, responseTo(request, error), 0);
  }
}

const backend = z.union([z.string(), z.strictObject({ component: z.string(), weight: z.number().positive().default(1) })], {
  error: 'expected a component name, or { component, weight }',
});

const loadBalancerParams = z.strictObject({
  backends: z.array(backend).min(1).describe('The components requests are spread over; a weight applies to each of its nodes.'),
  algorithm: z.enum(BALANCING_ALGORITHMS).default('round-robin').describe(`How a backend is picked: ${BALANCING_ALGORITHMS.join(', ')}.`),
  processingTime: durationDistribution.optional().describe('Time to handle a request before forwarding it (an L7 proxy); none when absent.'),
  timeout: durationUs.optional().describe('Give up on a backend after this long and answer the client with a timeout.'),
  eject: z
    .strictObject({
      afterErrors: positiveInt.describe('Errors in a row (rejections, timeouts) that take a backend out of rotation.'),
      for: durationUs.describe('How long it stays out before the balancer tries it again.'),
    })
    .optional()
    .describe('Passive health checking.'),
  healthCheck: z
    .strictObject({
      interval: durationUs.default(1_000_000).describe('How often each backend is checked (default 1s).'),
      timeout: durationUs.default(500_000).describe('A check not answered within this fails (default 500ms).'),
      unhealthyAfter: positiveInt.default(3).describe('Failed checks in a row that take a backend out.'),
      healthyAfter: positiveInt.default(2).describe('Passed checks in a row that bring it back.'),
      kind: z.enum(['ping', 'request']).default('request').describe('ping: is the node up; request: does it serve (catches grey failures).'),
    })
    .optional()
    .describe('Active health checks, independent of traffic.'),
  virtualNodes: positiveInt.default(100).describe('Ring points per backend for consistent-hash (times its weight).'),
  ewmaWeight: fraction.default(0.2).describe('Weight of the newest response time in least-response-time’s moving average.'),
});

export const loadBalancerModel: ModelDefinition<typeof loadBalancerParams> = {
  type: 'load-balancer',
  role: 'component',
  description: 'An L7 load balancer: nine balancing algorithms, processing cost, hop timeout, active (ping or request) and passive health checks.',
  params: loadBalancerParams,
  references: (params) =>
    params.backends.map((b, i) => ({ path: typeof b === 'string' ? ['backends', i] : ['backends', i, 'component'], component: typeof b === 'string' ? b : b.component })),
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(0);
    const backends = params.backends.flatMap((b) => {
      const name = typeof b === 'string' ? b : b.component;
      const weight = typeof b === 'string' ? 1 : b.weight;
      return ctx.nodesOf(name).map((node) => ({ node, weight }));
    });
    return (node) => (nodeCtx) =>
      new LoadBalancer(nodeCtx, {
        algorithm: params.algorithm,
        backends,
        processingTimeUs: params.processingTime,
        timeoutUs: params.timeout,
        ejectAfterErrors: params.eject?.afterErrors,
        ejectForUs: params.eject?.for,
        virtualNodes: params.virtualNodes,
        ewmaWeight: params.ewmaWeight,
        healthCheck: params.healthCheck && {
          intervalUs: params.healthCheck.interval,
          timeoutUs: params.healthCheck.timeout,
          unhealthyAfter: params.healthCheck.unhealthyAfter,
          healthyAfter: params.healthCheck.healthyAfter,
          kind: params.healthCheck.kind,
        },
        metrics: { component, node },
      });
  },
};
