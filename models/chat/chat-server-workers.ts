import type { NodeContext } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import { Deque } from '../parts/deque.js';

/** A unit of CPU work: what to do when its time is served, and how long it takes. */
export interface ChatJob {
  /** The owner's code for what finishing it does. */
  readonly op: number;
  readonly costUs: number;
  readonly arrivedUs: number;
  /** Whatever the owner needs to finish it (a message, a session). */
  readonly data: unknown;
  /** A second value (a node id, a count), so most jobs need no extra object. */
  readonly from: number;
}

/** A job as the workers hold it: reused once its owner has finished it (a big group's fan-out is a job per device). */
interface PooledJob {
  op: number;
  costUs: number;
  arrivedUs: number;
  data: unknown;
  from: number;
}

/**
 * A node's CPU as `workers` identical workers fed first come first served
 * (M/G/c): a job waits for a free worker, holds it for its cost, then the
 * owner finishes it. A burst (a reconnect storm's handshakes, a big group's
 * fan-out) queues, and everything behind it waits: the queue is unbounded,
 * as a server's accept backlog and event loop are in practice, so overload
 * shows as delay and callers' timeouts. Optionally one kind of job
 * (`lowPriorityOp`) waits in a second line served only when the first is
 * empty (new connections behind the traffic of open ones). Volatile: a
 * crash loses the queue and the jobs in service.
 */
export class ChatWorkers {
  private readonly waiting = new Deque<ChatJob>();
  private readonly later = new Deque<ChatJob>();
  private readonly free: PooledJob[] = [];
  private busy = 0;

  constructor(
    private readonly ctx: NodeContext<any>,
    private readonly workers: number,
    /** Timer tag the owner routes to `done`. */
    private readonly tag: number,
    private readonly metrics: ComponentMetrics,
    private readonly node: number,
    /** Jobs of this op wait behind every other queued job; −1: one line for all. */
    private readonly lowPriorityOp = -1,
  ) {}

  get queued(): number {
    return this.waiting.length + this.later.length;
  }

  get inService(): number {
    return this.busy;
  }

  submit(op: number, costUs: number, data: unknown, from: number): void {
    const now = this.ctx.nowUs;
    let job = this.free.pop();
    if (job === undefined) job = { op, costUs, arrivedUs: now, data, from };
    else {
      job.op = op;
      job.costUs = costUs;
      job.arrivedUs = now;
      job.data = data;
      job.from = from;
    }
    const queued = this.busy >= this.workers;
    this.metrics.recordArrival(queued, now);
    if (queued) {
      (op === this.lowPriorityOp ? this.later : this.waiting).push(job);
      this.metrics.queueChanged(this.node, 1, now);
      return;
    }
    this.start(job);
  }

  /** The owner has finished `job` (from `done`) and keeps nothing of it but its data: it is reused. */
  release(job: ChatJob): void {
    const pooled = job as PooledJob;
    pooled.data = null;
    this.free.push(pooled);
  }

  /** The owner's onTimer for `tag`: the job is served; the worker takes the next one. Returns the job to finish, then to `release`. */
  done(job: ChatJob): ChatJob {
    const now = this.ctx.nowUs;
    this.busy--;
    this.metrics.busyChanged(this.node, -1, now);
    this.metrics.recordServed(job.arrivedUs, now);
    const line = this.waiting.length > 0 ? this.waiting : this.later;
    if (line.length > 0) {
      this.metrics.queueChanged(this.node, -1, now);
      this.start(line.shift());
    }
    return job;
  }

  private start(job: ChatJob): void {
    this.busy++;
    this.metrics.busyChanged(this.node, 1, this.ctx.nowUs);
    this.ctx.setTimer(job.costUs, this.tag, job);
  }
}
