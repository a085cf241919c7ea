import { z } from 'zod';
import { IntMap } from '../parts/int-map.js';
import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type TimerHandle,
  type TimeUs,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import { Bulkhead, REFUSE, RUN, WAIT, type BulkheadPolicy } from './bulkhead.js';
import { CircuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from '../kit/request-messages.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import { durationUs, fraction, nonNegativeInt, positiveInt, sizeBytes } from '../kit/units.js';
import { PriorityLine, RingLine, SERVICE_ORDERS, type Ranked, type WaitingLine } from './waiting-line.js';

export interface Dependency {
  name: string;
  nodes: readonly string[];
  /** Operations whose requests call it; every operation when absent. */
  operations?: readonly string[];
  /** A pool of its own for calls to it; none when absent (calls are limited only by the workers). */
  bulkhead?: BulkheadPolicy;
}

/** The settings' `calls`, with each dependency's nodes found and durations named in microseconds. */
export interface DependencyCalls {
  /** Called in this order (or all at once), each by the operations it lists. */
  dependencies: readonly Dependency[];
  mode: NonNullable<QueueServerSettings['calls']>['mode'];
  /** Give up on a call after this long, counting any wait for a bulkhead slot (the request then fails with a timeout). */
  timeoutUs?: number;
  breaker?: CircuitBreakerPolicy;
}

/** Arrivals of a priority below `below` are rejected while more than `queueAbove` requests wait. */
export type ShedRule = QueueServerSettings['shed'][number];

/** The settings as the scenario gives them, durations in microseconds. */
export type QueueServerSettings = z.output<typeof queueServerParams>;

/** What a server node needs besides its settings, found when the scenario is built. */
export interface QueueServerRuntime {
  /** After its own service time, each request calls these dependencies, holding its worker until they answer. */
  calls?: DependencyCalls;
  /** Where this node reports busy workers, queue length and time per request. */
  metrics?: { component: ComponentMetrics; node: number };
}

interface Job extends Ranked {
  request: Request;
  from: NodeId;
  arrivedUs: TimeUs;
  readonly priority: number;
  seq: number;
  /** Indices of the dependencies this request's operation calls. */
  dependencies: readonly number[];
  /** Dependency calls still outstanding, and the next to make in sequence mode. */
  outstanding: number;
  nextCall: number;
  error: Response['error'];
}

interface Call {
  id: number;
  job: Job;
  dependency: number;
  /** Started when the call is made, so it covers any wait for a bulkhead slot. */
  timer: TimerHandle | -1;
}

const DONE = 1;
const CALL_TIMEOUT = 2;
const NO_DEPENDENCIES: readonly number[] = [];

/** Component details (counts after warm-up) under these names. */
export const EVICTED = 'evicted';
export const SHED = 'shed';
export const bulkheadRejectedDetail = (dependency: string) => `bulkheadRejected.${dependency}`;

/**
 * A queueing station (M/G/c/K in Kendall's notation): `workers` servers in
 * parallel, a bounded waiting line taken FIFO, LIFO or by priority, rejection
 * when it is full (or eviction of less important work), and admission
 * thresholds by priority. Optionally it drops work whose caller has gone, and
 * calls dependencies (in sequence or fanned out, per operation) behind
 * circuit breakers and bulkheads, holding the worker meanwhile, as a
 * thread-per-request service does.
 */
export class QueueServer implements InspectableProcess<Request | Response | Ping> {
  private readonly service: Distribution;
  private readonly serviceByOperation: Map<string, Distribution> | null;
  private readonly rng;
  private readonly routing;
  private readonly workers: number;
  private readonly capacity: number;
  private readonly line: WaitingLine<Job>;
  /** The line again when it is priority-aware and full arrivals may evict (else null). */
  private readonly evicting: PriorityLine<Job> | null;
  private readonly shedBelow: number[];
  private readonly shedQueueAbove: number[];
  private readonly dropExpired: boolean;
  private readonly calls: DependencyCalls | null;
  private readonly dependencyIds: NodeId[][];
  /** Per operation, the dependencies it calls; null when every operation calls them all. */
  private readonly dependenciesByOperation: Map<string, readonly number[]> | null;
  private readonly allDependencies: readonly number[];
  private readonly breakers: CircuitBreaker[];
  private readonly bulkheads: (Bulkhead<Call> | undefined)[];
  private readonly bulkheadDetails: string[];
  private readonly pendingCalls = new IntMap<Call>();
  private readonly responseSize: number;
  private readonly errorRate: number;
  private readonly failing;
  private readonly metrics: ComponentMetrics | null;
  private readonly node: number;
  private nextCallId = 0;
  private busy = 0;
  served = 0;
  rejected = 0;

  constructor(
    private readonly ctx: NodeContext,
    settings: Omit<QueueServerSettings, 'calls'>,
    runtime: QueueServerRuntime = {},
  ) {
    this.service = distribution(settings.serviceTime);
    const byOperation = Object.entries(settings.serviceTimeByOperation ?? {});
    this.serviceByOperation =
      byOperation.length === 0 ? null : new Map(byOperation.map(([op, spec]) => [op, distribution(spec)]));
    this.rng = ctx.random('service');
    this.routing = ctx.random('calls');
    this.workers = settings.workers;
    this.capacity = settings.queueCapacity ?? Infinity;
    const order = settings.order;
    const evict = settings.whenFull === 'evict-lower-priority';
    // The plain ring is the fast path; the per-priority line only when priorities matter to the order or to eviction.
    const ranked = order === 'priority' || evict ? new PriorityLine<Job>(order) : null;
    this.line = ranked ?? new RingLine<Job>(order === 'lifo');
    this.evicting = evict ? ranked : null;
    this.shedBelow = settings.shed.map((r) => r.below);
    this.shedQueueAbove = settings.shed.map((r) => r.queueAbove);
    this.dropExpired = settings.deadlines === 'drop';
    this.calls = runtime.calls ?? null;
    const dependencies = runtime.calls?.dependencies ?? [];
    this.dependencyIds = dependencies.map((d) => d.nodes.map((n) => ctx.lookup(n)));
    this.allDependencies = dependencies.map((_, i) => i);
    this.dependenciesByOperation = dependencies.some((d) => d.operations !== undefined) ? new Map() : null;
    const breaker = runtime.calls?.breaker;
    // One breaker per dependency, or none at all.
    this.breakers = breaker === undefined ? [] : dependencies.map(() => new CircuitBreaker(breaker));
    this.bulkheads = dependencies.map((d) => (d.bulkhead === undefined ? undefined : new Bulkhead<Call>(d.bulkhead)));
    this.bulkheadDetails = dependencies.map((d) => bulkheadRejectedDetail(d.name));
    this.responseSize = settings.responseSize;
    this.errorRate = settings.errorRate;
    this.failing = ctx.random('errors');
    this.metrics = runtime.metrics?.component ?? null;
    this.node = runtime.metrics?.node ?? 0;
    if (!(Number.isInteger(this.workers) && this.workers >= 1))
      throw new RangeError(`workers must be a whole number >= 1, got ${this.workers}`);
    if (!(this.capacity >= 0)) throw new RangeError(`queueCapacity must be >= 0, got ${this.capacity}`);
  }

  get queueLength(): number {
    return this.line.length;
  }

  /**
   * Workers busy, requests waiting in line, calls to dependencies awaiting
   * answers; per dependency (by name), its circuit breaker's state and its
   * bulkhead's calls running and waiting; requests served and rejected so far.
   */
  inspect(): InspectedState {
    const dependencies = this.calls?.dependencies ?? [];
    return {
      workersBusy: this.busy,
      workers: this.workers,
      queueLength: this.line.length,
      callsPending: this.pendingCalls.size,
      dependencies: Object.fromEntries(
        dependencies.map((d, i) => {
          const bulkhead = this.bulkheads[i];
          return [
            d.name,
            {
              circuit: this.breakers.length === 0 ? null : this.breakers[i].state,
              bulkheadRunning: bulkhead === undefined ? null : bulkhead.inFlight,
              bulkheadWaiting: bulkhead === undefined ? null : bulkhead.waiting,
            },
          ];
        }),
      ),
      served: this.served,
      rejected: this.rejected,
    };
  }

  onMessage(from: NodeId, message: Request | Response | Ping): void {
    if (message.kind === 'response') {
      this.onCallAnswered(message);
      return;
    }
    if (message.kind === 'ping') {
      this.ctx.send(
        from,
        { kind: 'pong', id: message.id, load: (this.busy + this.line.length) / this.workers } satisfies Pong,
        0,
      );
      return;
    }
    const now = this.ctx.nowUs;
    if (this.busy < this.workers) {
      this.metrics?.recordArrival(false, now);
      this.begin(this.job(message, from, now));
      return;
    }
    if (this.shedBelow.length > 0 && this.sheds(message.priority)) {
      this.refuse(from, message, now);
      this.metrics?.countDetail(SHED, now);
      return;
    }
    if (this.line.length < this.capacity) {
      this.metrics?.recordArrival(true, now);
      this.enqueue(this.job(message, from, now));
      return;
    }
    const evicted = this.evicting?.evictBelow(message.priority);
    if (evicted !== undefined) {
      this.metrics?.queueChanged(this.node, -1, now);
      this.rejected++;
      this.metrics?.recordRejected(now);
      this.metrics?.countDetail(EVICTED, now);
      this.reply(evicted.from, evicted.request, 'rejected');
      this.metrics?.recordArrival(true, now);
      this.enqueue(this.job(message, from, now));
      return;
    }
    this.refuse(from, message, now);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === CALL_TIMEOUT) {
      const id = data as number;
      const call = this.pendingCalls.get(id);
      if (call === undefined) return;
      this.pendingCalls.delete(id);
      // Never while it waits for a bulkhead slot: the calls holding the slots started their timers no later, so one frees first.
      this.releaseSlot(call.dependency);
      this.callFinished(call, 'timeout');
      return;
    }
    const job = data as Job;
    if (this.errorRate > 0 && this.failing.bernoulli(this.errorRate)) job.error = 'unavailable';
    if (this.calls === null || job.error !== undefined) this.finish(job);
    else this.callDependencies(job);
  }

  private job(request: Request, from: NodeId, arrivedUs: TimeUs): Job {
    return {
      request,
      from,
      arrivedUs,
      priority: request.priority,
      seq: 0,
      dependencies: NO_DEPENDENCIES,
      outstanding: 0,
      nextCall: 0,
      error: undefined,
    };
  }

  /** Whether an admission rule turns away a request of this priority at the current queue length. */
  private sheds(priority: number): boolean {
    const waiting = this.line.length;
    for (let r = 0; r < this.shedBelow.length; r++) {
      if (priority < this.shedBelow[r] && waiting > this.shedQueueAbove[r]) return true;
    }
    return false;
  }

  private refuse(from: NodeId, request: Request, now: TimeUs): void {
    this.metrics?.recordArrival(false, now);
    this.rejected++;
    this.metrics?.recordRejected(now);
    this.reply(from, request, 'rejected');
  }

  private begin(job: Job): void {
    this.busy++;
    this.metrics?.busyChanged(this.node, 1, this.ctx.nowUs);
    const byOperation = this.serviceByOperation;
    const service = byOperation === null ? this.service : (byOperation.get(job.request.operation) ?? this.service);
    this.ctx.setTimer(service.sample(this.rng), DONE, job);
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
    while (this.line.length > 0) {
      const next = this.line.take();
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
    const dependencies = this.dependenciesOf(job.request.operation);
    job.dependencies = dependencies;
    if (dependencies.length === 0) {
      this.finish(job);
      return;
    }
    if (this.calls!.mode === 'parallel') {
      job.outstanding = dependencies.length;
      for (let d = 0; d < dependencies.length; d++) this.call(job, dependencies[d]);
    } else {
      job.outstanding = 1;
      this.call(job, dependencies[job.nextCall++]);
    }
  }

  /** Computed once per operation, the first time it is seen. */
  private dependenciesOf(operation: string): readonly number[] {
    const byOperation = this.dependenciesByOperation;
    if (byOperation === null) return this.allDependencies;
    let list = byOperation.get(operation);
    if (list === undefined) {
      const dependencies = this.calls!.dependencies;
      list = this.allDependencies.filter((d) => dependencies[d].operations?.includes(operation) ?? true);
      byOperation.set(operation, list);
    }
    return list;
  }

  /** Through the dependency's bulkhead (run, wait or fail fast), then `dispatch`. */
  private call(job: Job, dependency: number): void {
    const call: Call = { id: this.nextCallId++, job, dependency, timer: -1 };
    const bulkhead = this.bulkheads[dependency];
    const admitted = bulkhead === undefined ? RUN : bulkhead.admit(call);
    if (admitted === REFUSE) {
      this.metrics?.countDetail(this.bulkheadDetails[dependency], this.ctx.nowUs);
      this.callFinished(call, 'rejected', false);
      return;
    }
    if (admitted === WAIT) {
      this.startTimeout(call);
      return;
    }
    this.dispatch(call);
  }

  /** The call holds its bulkhead slot, if it needs one: past the breaker, to one of the dependency's nodes. */
  private dispatch(call: Call): void {
    const { job, dependency } = call;
    const breaker = this.breakers[dependency];
    if (breaker !== undefined && !breaker.allow(this.ctx.nowUs)) {
      if (call.timer !== -1) this.ctx.cancelTimer(call.timer);
      this.pendingCalls.delete(call.id);
      this.releaseSlot(dependency);
      this.callFinished(call, 'unavailable', false);
      return;
    }
    const nodes = this.dependencyIds[dependency];
    const to = nodes.length === 1 ? nodes[0] : nodes[this.routing.int(nodes.length)];
    // A call that waited for its slot has been timed since it started waiting.
    if (call.timer === -1) this.startTimeout(call);
    const deadline = job.request.deadlineUs;
    const { operation, priority, session } = job.request;
    const id = call.id;
    const request: Request =
      deadline === undefined
        ? { kind: 'request', id, sentUs: this.ctx.nowUs, operation, priority, session }
        : { kind: 'request', id, sentUs: this.ctx.nowUs, operation, priority, session, deadlineUs: deadline };
    this.ctx.send(to, request, 0);
  }

  private startTimeout(call: Call): void {
    const timeout = this.calls!.timeoutUs;
    if (timeout !== undefined) call.timer = this.ctx.setTimer(timeout, CALL_TIMEOUT, call.id);
    this.pendingCalls.set(call.id, call);
  }

  /** A call that held a slot is over: the slot goes to the next waiting call, if any. */
  private releaseSlot(dependency: number): void {
    const next = this.bulkheads[dependency]?.release();
    if (next !== undefined) this.dispatch(next);
  }

  private onCallAnswered(response: Response): void {
    const call = this.pendingCalls.get(response.id);
    if (call === undefined) return; // timed out already
    this.pendingCalls.delete(response.id);
    if (call.timer !== -1) this.ctx.cancelTimer(call.timer);
    this.releaseSlot(call.dependency);
    this.callFinished(call, response.error);
  }

  /** `recorded` is false for calls the breaker refused or that never left (bulkhead), which it must not count as outcomes. */
  private callFinished(call: Call, error: Response['error'], recorded = true): void {
    const job = call.job;
    if (recorded) this.breakers[call.dependency]?.record(error === undefined, this.ctx.nowUs);
    if (error !== undefined && job.error === undefined) job.error = error;
    job.outstanding--;
    if (job.outstanding > 0) return;
    if (this.calls!.mode === 'sequence' && job.error === undefined && job.nextCall < job.dependencies.length) {
      job.outstanding = 1;
      this.call(job, job.dependencies[job.nextCall++]);
      return;
    }
    this.finish(job);
  }

  private enqueue(job: Job): void {
    this.line.add(job);
    this.metrics?.queueChanged(this.node, 1, this.ctx.nowUs);
  }

  private reply(to: NodeId, request: Request, error: Response['error']): void {
    this.ctx.send(to, responseTo(request, error), this.responseSize);
  }
}

const dependency = z.union(
  [
    z.string(),
    z.strictObject({
      component: z.string().describe('The component called.'),
      operations: z
        .array(z.string())
        .min(1)
        .optional()
        .describe('Only requests of these operations call it; every operation when absent.'),
      bulkhead: z
        .strictObject({
          maxConcurrent: positiveInt.describe('Calls to it in flight at once from each node.'),
          maxWaiting: nonNegativeInt
            .default(0)
            .describe(
              'Calls that may wait for a slot (default 0). Beyond them a call fails at once as rejected and the request releases its worker.',
            ),
        })
        .optional()
        .describe(
          'A pool of its own for calls to this dependency, so that when it slows down it holds only these slots, not every worker.',
        ),
    }),
  ],
  { error: 'expected a component name, or { component, operations, bulkhead }' },
);

const queueServerParams = z.strictObject({
  serviceTime: durationDistribution.describe(
    'Time one worker spends on one request: a duration (constant) or a distribution.',
  ),
  serviceTimeByOperation: z
    .record(z.string(), durationDistribution)
    .optional()
    .describe(
      'Service time for requests of these operations, e.g. { read: 2ms, write: { type: exponential, mean: 10ms } }; others take serviceTime.',
    ),
  workers: positiveInt.default(1).describe('Requests served at once on each node.'),
  queueCapacity: nonNegativeInt
    .optional()
    .describe('Requests that may wait beyond those in service; more are rejected. Unbounded when absent.'),
  order: z
    .enum(SERVICE_ORDERS)
    .default('fifo')
    .describe(
      'Which waiting request a free worker takes: the oldest (fifo), the newest (lifo), or the highest priority, oldest first among equals (priority).',
    ),
  whenFull: z
    .enum(['reject', 'evict-lower-priority'])
    .default('reject')
    .describe(
      'At a full queue (needs queueCapacity), reject the arrival; or, if it has a higher priority than the lowest waiting, reject that one instead (the newest among equals; counted as rejected and in the `evicted` detail) and queue the arrival.',
    ),
  shed: z
    .array(
      z.strictObject({
        below: positiveInt.describe('Arrivals with a priority below this...'),
        queueAbove: nonNegativeInt.describe('...are rejected while more than this many requests wait.'),
      }),
    )
    .default([])
    .describe(
      'Admission control by priority (criticality), e.g. [{ below: 1, queueAbove: 20 }]: less important work is turned away early so the queue keeps room and short waits for the rest. Counted as rejected and in the `shed` detail.',
    ),
  deadlines: z
    .enum(['serve', 'drop'])
    .default('serve')
    .describe(
      'serve: work whose caller gave up still burns a worker (what makes retry storms real); drop: it is discarded when it reaches the head of the queue.',
    ),
  calls: z
    .strictObject({
      dependencies: z
        .array(dependency)
        .min(1)
        .describe(
          'Components each request calls after its own service time: a name (called by every operation) or { component, operations, bulkhead }.',
        ),
      mode: z
        .enum(['sequence', 'parallel'])
        .default('sequence')
        .describe('One after another, or all at once (fan-out: the slowest decides).'),
      timeout: durationUs
        .optional()
        .describe(
          'Give up on a call after this long, counting any wait for a bulkhead slot; the request fails with a timeout.',
        ),
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
  errorRate: fraction
    .default(0)
    .describe('Share of requests that fail after service: a "grey" node, up and answering pings but broken.'),
  responseSize: sizeBytes.default(0).describe('Bytes per response, for links with a bandwidth.'),
});

export const queueServerModel: ModelDefinition<typeof queueServerParams> = {
  type: 'queue-server',
  role: 'component',
  description:
    'A queueing station (M/G/c/K): service time per operation, worker slots, a bounded FIFO, LIFO or priority queue, shedding by priority, deadlines, dependency calls behind circuit breakers and bulkheads.',
  params: queueServerParams,
  references: (params) =>
    (params.calls?.dependencies ?? []).map((d, i) =>
      typeof d === 'string'
        ? { path: ['calls', 'dependencies', i], component: d }
        : { path: ['calls', 'dependencies', i, 'component'], component: d.component },
    ),
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(params.workers);
    // The counted details start at zero, so a variant where nothing was shed still shows it.
    if (params.whenFull === 'evict-lower-priority') component.noteDetail(EVICTED, 0);
    if (params.shed.length > 0) component.noteDetail(SHED, 0);
    const c = params.calls;
    const calls: DependencyCalls | undefined =
      c === undefined
        ? undefined
        : {
            dependencies: c.dependencies.map((d) => {
              if (typeof d === 'string') return { name: d, nodes: ctx.nodesOf(d) };
              if (d.bulkhead !== undefined) component.noteDetail(bulkheadRejectedDetail(d.component), 0);
              return {
                name: d.component,
                nodes: ctx.nodesOf(d.component),
                operations: d.operations,
                bulkhead: d.bulkhead,
              };
            }),
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
    return (node) => (nodeCtx) => new QueueServer(nodeCtx, params, { calls, metrics: { component, node } });
  },
};
