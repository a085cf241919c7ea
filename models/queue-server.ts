import { z } from 'zod';
import { distribution, type DistributionSpec } from '../engine/distribution.js';
import type { NodeContext, NodeId, Process } from '../engine/node-context.js';
import type { TimeUs } from '../engine/time.js';
import type { Request, Response } from './messages.js';
import type { ComponentMetrics } from './metrics/component-metrics.js';
import type { ModelDefinition } from './registry.js';
import { durationDistribution } from './schema/distribution.js';
import { positiveInt, nonNegativeInt, sizeBytes } from './schema/units.js';

export interface QueueServerParams {
  /** Time one worker spends on one request. */
  serviceTimeUs: DistributionSpec;
  /** Requests served at once. */
  workers?: number;
  /** Requests that may wait beyond those in service; more are rejected. */
  queueCapacity?: number;
  responseSizeBytes?: number;
  /** Where this node reports busy workers, queue length and time per request. */
  metrics?: { component: ComponentMetrics; node: number };
}

const DONE = 1;
/** Slots per waiting request in the ring buffer: request, sender, arrival time. */
const STRIDE = 3;

/**
 * A FIFO queueing station (M/G/c/K in Kendall's notation): `workers` servers
 * in parallel, a bounded waiting line, rejection when it is full.
 */
export class QueueServer implements Process<Request> {
  private readonly service;
  private readonly rng;
  private readonly workers: number;
  private readonly capacity: number;
  private readonly responseSize: number;
  private readonly metrics: ComponentMetrics | null;
  private readonly node: number;
  private busy = 0;
  private waiting: unknown[] = new Array(64 * STRIDE);
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
    this.workers = params.workers ?? 1;
    this.capacity = params.queueCapacity ?? Infinity;
    this.responseSize = params.responseSizeBytes ?? 0;
    this.metrics = params.metrics?.component ?? null;
    this.node = params.metrics?.node ?? 0;
    if (!(Number.isInteger(this.workers) && this.workers >= 1)) throw new RangeError(`workers must be a whole number >= 1, got ${this.workers}`);
    if (!(this.capacity >= 0)) throw new RangeError(`queueCapacity must be >= 0, got ${this.capacity}`);
  }

  get queueLength(): number {
    return this.length;
  }

  onMessage(from: NodeId, request: Request): void {
    const now = this.ctx.nowUs;
    if (this.busy < this.workers) {
      this.metrics?.recordArrival(false, now);
      this.begin(request, from, now);
    } else if (this.length < this.capacity) {
      this.metrics?.recordArrival(true, now);
      this.enqueue(request, from, now);
    } else {
      this.metrics?.recordArrival(false, now);
      this.rejected++;
      this.metrics?.recordRejected(now);
      this.reply(from, request, 'rejected');
    }
  }

  onTimer(_tag: number, data: unknown): void {
    const job = data as [Request, NodeId, TimeUs];
    const now = this.ctx.nowUs;
    this.served++;
    this.reply(job[1], job[0], undefined);
    this.busy--;
    if (this.metrics !== null) {
      this.metrics.recordServed(job[2], now);
      this.metrics.busyChanged(this.node, -1, now);
    }
    if (this.length > 0) {
      const w = this.waiting;
      const i = this.head;
      const request = w[i] as Request;
      const sender = w[i + 1] as NodeId;
      const arrived = w[i + 2] as TimeUs;
      w[i] = undefined;
      this.head = (i + STRIDE) % w.length;
      this.length--;
      this.metrics?.queueChanged(this.node, -1, now);
      this.begin(request, sender, arrived);
    }
  }

  private begin(request: Request, from: NodeId, arrivedUs: TimeUs): void {
    this.busy++;
    this.metrics?.busyChanged(this.node, 1, this.ctx.nowUs);
    this.ctx.setTimer(this.service.sample(this.rng), DONE, [request, from, arrivedUs]);
  }

  private enqueue(request: Request, from: NodeId, nowUs: TimeUs): void {
    let w = this.waiting;
    if (this.length * STRIDE === w.length) {
      const bigger = new Array(w.length * 2);
      for (let k = 0; k < this.length * STRIDE; k++) bigger[k] = w[(this.head + k) % w.length];
      this.waiting = w = bigger;
      this.head = 0;
    }
    const tail = (this.head + this.length * STRIDE) % w.length;
    w[tail] = request;
    w[tail + 1] = from;
    w[tail + 2] = nowUs;
    this.length++;
    this.metrics?.queueChanged(this.node, 1, nowUs);
  }

  private reply(to: NodeId, request: Request, error: Response['error']): void {
    const response: Response = error === undefined
      ? { kind: 'response', id: request.id, sentUs: request.sentUs }
      : { kind: 'response', id: request.id, sentUs: request.sentUs, error };
    this.ctx.send(to, response, this.responseSize);
  }
}

const queueServerParams = z.strictObject({
  serviceTime: durationDistribution.describe('Time one worker spends on one request: a duration (constant) or a distribution.'),
  workers: positiveInt.default(1).describe('Requests served at once on each node.'),
  queueCapacity: nonNegativeInt.optional().describe('Requests that may wait beyond those in service; more are rejected. Unbounded when absent.'),
  responseSize: sizeBytes.default(0).describe('Bytes per response, for links with a bandwidth.'),
});

export const queueServerModel: ModelDefinition<typeof queueServerParams> = {
  type: 'queue-server',
  role: 'component',
  description: 'A FIFO queueing station (M/G/c/K): worker slots, a bounded queue, rejection when full.',
  params: queueServerParams,
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(params.workers);
    return (node) => (nodeCtx) =>
      new QueueServer(nodeCtx, {
        serviceTimeUs: params.serviceTime,
        workers: params.workers,
        queueCapacity: params.queueCapacity,
        responseSizeBytes: params.responseSize,
        metrics: { component, node },
      });
  },
};
