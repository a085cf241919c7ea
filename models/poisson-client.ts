import { distribution } from '../engine/distribution.js';
import type { NodeContext, NodeId, Process, TimerHandle } from '../engine/node-context.js';
import type { RandomStream } from '../engine/random-stream.js';
import { SECOND, type DurationUs, type TimeUs } from '../engine/time.js';
import type { Request, Response } from './messages.js';
import type { RequestStats } from './request-stats.js';

export interface PoissonClientParams {
  /** Servers by name; each request goes to one picked uniformly at random. */
  targets: readonly string[];
  ratePerSec: number;
  /** Give up on a request after this long (no timeout when absent). */
  timeoutUs?: DurationUs;
  requestSizeBytes?: number;
  /** No new requests from this true time on. */
  stopAtUs?: TimeUs;
  stats: RequestStats;
}

const ARRIVAL = 1;
const TIMEOUT = 2;

/** Open-loop arrivals: requests leave at Poisson times whatever the answers do. */
export class PoissonClient implements Process<Response> {
  private readonly targets: NodeId[];
  private readonly interarrival;
  private readonly arrivals: RandomStream;
  private readonly routing: RandomStream;
  private readonly pending = new Map<number, TimerHandle>();
  private nextId = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly params: PoissonClientParams,
  ) {
    if (!(params.ratePerSec > 0)) throw new RangeError(`ratePerSec must be > 0, got ${params.ratePerSec}`);
    if (params.targets.length === 0) throw new RangeError('a client needs at least one target');
    this.targets = params.targets.map((name) => ctx.lookup(name));
    this.interarrival = distribution({ type: 'exponential', mean: SECOND / params.ratePerSec });
    this.arrivals = ctx.random('arrivals');
    this.routing = ctx.random('routing');
  }

  onStart(): void {
    this.scheduleArrival();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === ARRIVAL) {
      this.sendRequest();
      this.scheduleArrival();
    } else if (tag === TIMEOUT && this.pending.delete(data as number)) {
      this.params.stats.timedOut++;
    }
  }

  onMessage(_from: NodeId, response: Response): void {
    const stats = this.params.stats;
    if (this.params.timeoutUs !== undefined) {
      const timer = this.pending.get(response.id);
      if (timer === undefined) return;
      this.pending.delete(response.id);
      this.ctx.cancelTimer(timer);
    }
    if (response.ok) stats.recordLatency(response.sentUs, this.ctx.nowUs);
    else stats.failed++;
  }

  private scheduleArrival(): void {
    const next = this.interarrival.sample(this.arrivals);
    const stop = this.params.stopAtUs;
    if (stop !== undefined && this.ctx.nowUs + next >= stop) return;
    this.ctx.setTimer(next, ARRIVAL);
  }

  private sendRequest(): void {
    const id = this.nextId++;
    const targets = this.targets;
    const to = targets.length === 1 ? targets[0] : targets[this.routing.int(targets.length)];
    const request: Request = { kind: 'request', id, sentUs: this.ctx.nowUs };
    this.params.stats.sent++;
    this.ctx.send(to, request, this.params.requestSizeBytes ?? 0);
    if (this.params.timeoutUs !== undefined) {
      this.pending.set(id, this.ctx.setTimer(this.params.timeoutUs, TIMEOUT, id));
    }
  }
}
