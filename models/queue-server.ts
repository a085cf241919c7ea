import { z } from 'zod';
import { distribution, type DistributionSpec } from '../engine/distribution.js';
import type { NodeContext, NodeId, Process, TimerHandle } from '../engine/node-context.js';
import type { TimeUs } from '../engine/time.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from './messages.js';
import { CircuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import type { ComponentMetrics } from './metrics/component-metrics.js';
import type { ModelDefinition } from './registry.js';
import { durationDistribution } from './schema/distribution.js';
import { durationUs, fraction, nonNegativeInt, positiveInt, sizeBytes } from './schema/units.js';

export interface DependencyCalls {
  /** Node names of each dependency, called in this order (or all at once). */
  dependencies: readonly { name: string; nodes: readonly string[] }[];
  mode: 'sequence' | 'parallel';
  /** Give up on a call after this long (the request then fails with a timeout). */
  timeoutUs?: number;
  breaker?: CircuitBreakerPolicy;
}

export interface QueueServerParams {
  /** Time one worker spends on one request. */
  serviceTimeUs: DistributionSpec;
  /** Requests served at once. */
  workers?: number;
  /** Requests that may wait beyond those in service; more are rejected. */
  queueCapacity?: number;
  /** Which waiting request a free worker takes: the oldest (fifo) or the newest (lifo). */
  order?: 'fifo' | 'lifo';
  /** `drop`: work whose caller has given up is discarded, not served; `serve`: it still burns a worker. */
  deadlines?: 'serve' | 'drop';
  /** After its own service time, each request calls these dependencies, holding its worker until they answer. */
  calls?: DependencyCalls;
  /** Share of requests that fail after service (a "grey" node: up, answering pings, but broken). */
  errorRate?: number;
  responseSizeBytes?: number;
  /** Where this node reports busy workers, queue length and time per request. */
  metrics?: { component: ComponentMetrics; node: number };
}

interface Job {
  request: Request;
  from: NodeId;
  arrivedUs: TimeUs;
  /** Dependency calls still outstanding, and the next to make in sequence mode. */
  outstanding: number;
  nextCall: number;
  error: Response['error'];
}

interface Call {
  job: Job;
  dependency: number;
  timer: TimerHandle | -1;
}

const DONE = 1;
const CALL_TIMEOUT = 2;

/**
 * A queueing station (M/G/c/K in Kendall's notation): `workers` servers in
 * parallel, a bounded waiting line taken FIFO or LIFO, rejection when it is
 * full. Optionally it drops work whose caller has gone, and calls
 * dependencies (in sequence or fanned out) behind circuit breakers, holding
 * the worker meanwhile, as a thread-per-request service does.
 */
export class QueueServer implements Process<Request | Response | Ping> {
  private readonly service;
  private readonly rng;
  private readonly routing;
  private readonly workers: number;
  private readonly capacity: number;
  private readonly lifo: boolean;
  private readonly dropExpired: boolean;
  private readonly calls: DependencyCalls | null;
  private readonly dependencyIds: NodeId[][];
  private readonly breakers: CircuitBreaker[];
  private readonly pendingCalls = new Map<number, Call>();
  private readonly responseSize: number;
  private readonly errorRate: number;
  private readonly failing;
  private readonly metrics: ComponentMetrics | null;
  private readonly node: number;
  private nextCallId = 0;
  private busy = 0;
  private waiting: (Job | undefined)[] = new Array(64);
  private head = 0;
  private length = 0;
  served = 0;
  rejected = 0;

  constructor(
    private readonly ctx: NodeContext,
    params: QueueServerParams,
  ) {
    this.service = distribution(params.serviceTimeUs);
    this.rng = ctx.random('service');
    this.routing = ctx.random('calls');
    this.workers = params.workers ?? 1;
    this.capacity = params.queueCapacity ?? Infinity;
    this.lifo = params.order === 'lifo';
    this.dropExpired = params.deadlines === 'drop';
    this.calls = params.calls ?? null;
    this.dependencyIds = (params.calls?.dependencies ?? []).map((d) => d.nodes.map((n) => ctx.lookup(n)));
    const breaker = params.calls?.breaker;
    // One breaker per dependency, or none at all.
    this.breakers = breaker === undefined ? [] : (params.calls?.dependencies ?? []).map(() => new CircuitBreaker(breaker));
    this.responseSize = params.responseSizeBytes ?? 0;
    this.errorRate = params.errorRate ?? 0;
    this.failing = ctx.random('errors');
    this.metrics = params.metrics?.component ?? null;
    this.node = params.metrics?.node ?? 0;
    if (!(Number.isInteger(this.workers) && this.workers >= 1)) throw new RangeError(`workers must be a whole number >= 1, got ${this.workers}`);
    if (!(this.capacity >= 0)) throw new RangeError(`queueCapacity must be >= 0, got ${this.capacity}`);
  }

  get queueLength(): number {
    return this.length;
  }

  onMessage(from: NodeId, message: Request | Response | Ping): void {
    if (message.kind === 'response') {
      this.onCallAnswered(message);
      return;
    }
    if (message.kind === 'ping') {
      this.ctx.send(from, { kind: 'pong', id: message.id, load: (this.busy + this.length) / this.workers } satisfies Pong, 0);
      return;
    }
    const now = this.ctx.nowUs;
    if (this.busy < this.workers) {
      this.metrics?.recordArrival(false, now);
      this.begin({ request: message, from, arrivedUs: now, outstanding: 0, nextCall: 0, error: undefined });
    } else if (this.length < this.capacity) {
      this.metrics?.recordArrival(true, now);
      this.enqueue({ request: message, from, arrivedUs: now, outstanding: 0, nextCall: 0, error: undefined });
    } else {
      this.metrics?.recordArrival(false, now);
      this.rejected++;
      this.metrics?.recordRejected(now);
      this.reply(from, message, 'rejected');
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === CALL_TIMEOUT) {
      const id = data as number;
      const call = this.pendingCalls.get(id);
      if (call === undefined) return;
      this.pendingCalls.delete(id);
      this.callFinished(call, 'timeout');
      return;
    }
    const job = data as Job;
    if (this.errorRate > 0 && this.failing.bernoulli(this.errorRate)) job.error = 'unavailable';
    if (this.calls === null || job.error !== undefined) this.finish(job);
    else this.callDependencies(job);
  }

  private begin(job: Job): void {
    this.busy++;
    this.metrics?.busyChanged(this.node, 1, this.ctx.nowUs);
    this.ctx.setTimer(this.service.sample(this.rng), DONE, job);
  }

  /** The worker is free again: answer the caller, then take the next waiting job that is still wanted. */
  private finish(job: Job): void {
    const now = this.ctx.nowUs;
    if (job.error === undefined) {
      this.served++;
      this.metrics?.recordServed(job.arrivedUs, now);
    }
    this.reply(job.from, job.request, job.error);
    this.busy--;
    this.metrics?.busyChanged(this.node, -1, now);
    while (this.length > 0) {
      const next = this.dequeue();
      this.metrics?.queueChanged(this.node, -1, now);
      const deadline = next.request.deadlineUs;
      if (this.dropExpired && deadline !== undefined && deadline <= now) {
        this.metrics?.recordDropped(now);
        continue;
      }
      this.begin(next);
      return;
    }
  }

  private callDependencies(job: Job): void {
    const calls = this.calls!;
    if (calls.mode === 'parallel') {
      job.outstanding = calls.dependencies.length;
      for (let d = 0; d < calls.dependencies.length; d++) this.call(job, d);
    } else {
      job.outstanding = 1;
      this.call(job, job.nextCall++);
    }
  }

  private call(job: Job, dependency: number): void {
    const breaker = this.breakers[dependency];
    if (breaker !== undefined && !breaker.allow(this.ctx.nowUs)) {
      this.callFinished({ job, dependency, timer: -1 }, 'unavailable', false);
      return;
    }
    const nodes = this.dependencyIds[dependency];
    const to = nodes.length === 1 ? nodes[0] : nodes[this.routing.int(nodes.length)];
    const id = this.nextCallId++;
    const timeout = this.calls!.timeoutUs;
    const timer = timeout === undefined ? -1 : this.ctx.setTimer(timeout, CALL_TIMEOUT, id);
    this.pendingCalls.set(id, { job, dependency, timer });
    const deadline = job.request.deadlineUs;
    const { operation, priority, session } = job.request;
    const request: Request =
      deadline === undefined
        ? { kind: 'request', id, sentUs: this.ctx.nowUs, operation, priority, session }
        : { kind: 'request', id, sentUs: this.ctx.nowUs, operation, priority, session, deadlineUs: deadline };
    this.ctx.send(to, request, 0);
  }

  private onCallAnswered(response: Response): void {
    const call = this.pendingCalls.get(response.id);
    if (call === undefined) return; // timed out already
    this.pendingCalls.delete(response.id);
    if (call.timer !== -1) this.ctx.cancelTimer(call.timer);
    this.callFinished(call, response.error);
  }

  /** `recorded` is false for calls the breaker refused, which it must not count as outcomes. */
  private callFinished(call: Call, error: Response['error'], recorded = true): void {
    const job = call.job;
    if (recorded) this.breakers[call.dependency]?.record(error === undefined, this.ctx.nowUs);
    if (error !== undefined && job.error === undefined) job.error = error;
    job.outstanding--;
    if (job.outstanding > 0) return;
    const calls = this.calls!;
    if (calls.mode === 'sequence' && job.error === undefined && job.nextCall < calls.dependencies.length) {
      job.outstanding = 1;
      this.call(job, job.nextCall++);
      return;
    }
    this.finish(job);
  }

  private enqueue(job: Job): void {
    let w = this.waiting;
    if (this.length === w.length) {
      const bigger = new Array<Job | undefined>(w.length * 2);
      for (let k = 0; k < this.length; k++) bigger[k] = w[(this.head + k) % w.length];
      this.waiting = w = bigger;
      this.head = 0;
    }
    w[(this.head + this.length) % w.length] = job;
    this.length++;
    this.metrics?.queueChanged(this.node, 1, this.ctx.nowUs);
  }

  private dequeue(): Job {
    const w = this.waiting;
    const i = this.lifo ? (this.head + this.length - 1) % w.length : this.head;
    const job = w[i]!;
    w[i] = undefined;
    if (!this.lifo) this.head = (this.head + 1) % w.length;
    this.length--;
    return job;
  }

  private reply(to: NodeId, request: Request, error: Response['error']): void {
    this.ctx.send(to, responseTo(request, error), this.responseSize);
  }
}

const queueServerParams = z.strictObject({
  serviceTime: durationDistribution.describe('Time one worker spends on one request: a duration (constant) or a distribution.'),
  workers: positiveInt.default(1).describe('Requests served at once on each node.'),
  queueCapacity: nonNegativeInt.optional().describe('Requests that may wait beyond those in service; more are rejected. Unbounded when absent.'),
  order: z.enum(['fifo', 'lifo']).default('fifo').describe('Which waiting request a free worker takes: the oldest (fifo) or the newest (lifo).'),
  deadlines: z
    .enum(['serve', 'drop'])
    .default('serve')
    .describe("serve: work whose caller gave up still burns a worker (what makes retry storms real); drop: it is discarded when it reaches the head of the queue."),
  calls: z
    .strictObject({
      dependencies: z.array(z.string()).min(1).describe('Components each request calls after its own service time.'),
      mode: z.enum(['sequence', 'parallel']).default('sequence').describe('One after another, or all at once (fan-out: the slowest decides).'),
      timeout: durationUs.optional().describe('Give up on a call after this long; the request fails with a timeout.'),
      breaker: z
        .strictObject({
          failureRate: fraction.default(0.5).describe('Open when this share of calls in the window failed...'),
          window: durationUs.default(10_000_000).describe('...over calls finished in this window (default 10s)...'),
          minimumCalls: positiveInt.default(20).describe('...once at least this many finished in it.'),
          openFor: durationUs.default(5_000_000).describe('Fail fast this long (default 5s), then let probes through.'),
          probes: positiveInt.default(3).describe('Half-open calls that must all succeed to close again.'),
        })
        .optional()
        .describe('A circuit breaker per dependency, on each node.'),
    })
    .optional()
    .describe('Calls to dependencies, holding the worker until they answer.'),
  errorRate: fraction.default(0).describe('Share of requests that fail after service: a "grey" node, up and answering pings but broken.'),
  responseSize: sizeBytes.default(0).describe('Bytes per response, for links with a bandwidth.'),
});

export const queueServerModel: ModelDefinition<typeof queueServerParams> = {
  type: 'queue-server',
  role: 'component',
  description: 'A queueing station (M/G/c/K): worker slots, a bounded FIFO or LIFO queue, shedding, deadlines, dependency calls behind circuit breakers.',
  params: queueServerParams,
  references: (params) => (params.calls?.dependencies ?? []).map((component, i) => ({ path: ['calls', 'dependencies', i], component })),
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(params.workers);
    const c = params.calls;
    const calls: DependencyCalls | undefined =
      c === undefined
        ? undefined
        : {
            dependencies: c.dependencies.map((name) => ({ name, nodes: ctx.nodesOf(name) })),
            mode: c.mode,
            timeoutUs: c.timeout,
            breaker: c.breaker && {
              failureRate: c.breaker.failureRate,
              windowUs: c.breaker.window,
              minimumCalls: c.breaker.minimumCalls,
              openForUs: c.breaker.openFor,
              probes: c.breaker.probes,
            },
          };
    return (node) => (nodeCtx) =>
      new QueueServer(nodeCtx, {
        serviceTimeUs: params.serviceTime,
        workers: params.workers,
        queueCapacity: params.queueCapacity,
        order: params.order,
        deadlines: params.deadlines,
        calls,
        errorRate: params.errorRate,
        responseSizeBytes: params.responseSize,
        metrics: { component, node },
      });
  },
};
