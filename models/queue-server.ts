import { distribution, type DistributionSpec } from '../engine/distribution.js';
import type { NodeContext, NodeId, Process } from '../engine/node-context.js';
import type { Request, Response } from './messages.js';

export interface QueueServerParams {
  /** Time one worker spends on one request. */
  serviceTimeUs: DistributionSpec;
  /** Requests served at once. */
  workers?: number;
  /** Requests that may wait beyond those in service; more are rejected. */
  queueCapacity?: number;
  responseSizeBytes?: number;
}

const DONE = 1;

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
  private busy = 0;
  /** Waiting requests as a ring buffer of (request, sender) pairs. */
  private waiting: unknown[] = new Array(64);
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
    if (!(Number.isInteger(this.workers) && this.workers >= 1)) throw new RangeError(`workers must be a whole number >= 1, got ${this.workers}`);
    if (!(this.capacity >= 0)) throw new RangeError(`queueCapacity must be >= 0, got ${this.capacity}`);
  }

  get queueLength(): number {
    return this.length;
  }

  onMessage(from: NodeId, request: Request): void {
    if (this.busy < this.workers) {
      this.begin(request, from);
    } else if (this.length < this.capacity) {
      this.enqueue(request, from);
    } else {
      this.rejected++;
      this.reply(from, request, false);
    }
  }

  onTimer(_tag: number, data: unknown): void {
    const job = data as [Request, NodeId];
    this.served++;
    this.reply(job[1], job[0], true);
    this.busy--;
    if (this.length > 0) {
      const w = this.waiting;
      const i = this.head;
      const request = w[i] as Request;
      const from = w[i + 1] as NodeId;
      w[i] = undefined;
      this.head = (i + 2) % w.length;
      this.length--;
      this.begin(request, from);
    }
  }

  private begin(request: Request, from: NodeId): void {
    this.busy++;
    this.ctx.setTimer(this.service.sample(this.rng), DONE, [request, from]);
  }

  private enqueue(request: Request, from: NodeId): void {
    let w = this.waiting;
    if (this.length * 2 === w.length) {
      const bigger = new Array(w.length * 2);
      for (let k = 0; k < this.length * 2; k++) bigger[k] = w[(this.head + k) % w.length];
      this.waiting = w = bigger;
      this.head = 0;
    }
    const tail = (this.head + this.length * 2) % w.length;
    w[tail] = request;
    w[tail + 1] = from;
    this.length++;
  }

  private reply(to: NodeId, request: Request, ok: boolean): void {
    const response: Response = { kind: 'response', id: request.id, sentUs: request.sentUs, ok };
    this.ctx.send(to, response, this.responseSize);
  }
}
