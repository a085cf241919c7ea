import { z } from 'zod';
import { distribution, Zipf } from '../engine/distribution.js';
import type { NodeContext, NodeId, Process, TimerHandle } from '../engine/node-context.js';
import type { RandomStream } from '../engine/random-stream.js';
import { SECOND, type DurationUs, type TimeUs } from '../engine/time.js';
import type { Request, Response } from './messages.js';
import type { LatencyHistogram } from './metrics/latency-histogram.js';
import type { RequestMetrics } from './metrics/request-metrics.js';
import type { ModelDefinition } from './registry.js';
import { durationUs, positiveInt, ratePerSec, sizeBytes } from './schema/units.js';

export interface PoissonClientParams {
  /** Servers by name; each request goes to one picked uniformly at random. */
  targets: readonly string[];
  ratePerSec: number;
  /** Give up on a request after this long (no timeout when absent). */
  timeoutUs?: DurationUs;
  requestSizeBytes?: number;
  /** No new requests from this true time on. */
  stopAtUs?: TimeUs;
  /** The operation name latencies are filed under. */
  operation?: string;
  /** Each request carries a key in 1..count, uniform or Zipf(s)-popular, for key-based routing. */
  keys?: { count: number; zipf?: number };
  metrics: RequestMetrics;
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
  private readonly metrics: RequestMetrics;
  private readonly operation: LatencyHistogram;
  private readonly keys: { rng: RandomStream; zipf: Zipf | null; count: number } | null;
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
    this.metrics = params.metrics;
    this.operation = params.metrics.operation(params.operation ?? 'request');
    const keys = params.keys;
    this.keys = keys === undefined ? null : { rng: ctx.random('keys'), zipf: keys.zipf === undefined ? null : new Zipf(keys.count, keys.zipf), count: keys.count };
  }

  onStart(): void {
    this.scheduleArrival();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === ARRIVAL) {
      this.sendRequest();
      this.scheduleArrival();
    } else if (tag === TIMEOUT) {
      const [id, sentUs] = data as [number, TimeUs];
      if (this.pending.delete(id)) this.metrics.recordFailure('timeout', sentUs, this.ctx.nowUs);
    }
  }

  onMessage(_from: NodeId, response: Response): void {
    if (this.params.timeoutUs !== undefined) {
      const timer = this.pending.get(response.id);
      if (timer === undefined) return;
      this.pending.delete(response.id);
      this.ctx.cancelTimer(timer);
    }
    if (response.error === undefined) this.metrics.recordSuccess(this.operation, response.sentUs, this.ctx.nowUs);
    else this.metrics.recordFailure(response.error, response.sentUs, this.ctx.nowUs);
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
    const now = this.ctx.nowUs;
    const keys = this.keys;
    const request: Request =
      keys === null
        ? { kind: 'request', id, sentUs: now }
        : { kind: 'request', id, sentUs: now, key: keys.zipf === null ? 1 + keys.rng.int(keys.count) : keys.zipf.sample(keys.rng) };
    this.metrics.recordSent(now);
    this.ctx.send(to, request, this.params.requestSizeBytes ?? 0);
    if (this.params.timeoutUs !== undefined) {
      this.pending.set(id, this.ctx.setTimer(this.params.timeoutUs, TIMEOUT, [id, now]));
    }
  }
}

const poissonParams = z.strictObject({
  target: z.string().describe('The component every request goes to; each request picks one of its nodes uniformly.'),
  rate: ratePerSec.describe('Arrivals per node, like 500/s: the open-loop Poisson rate λ.'),
  timeout: durationUs.optional().describe('Give up on a request after this long (counted as a timeout error). No timeout when absent.'),
  requestSize: sizeBytes.default(0).describe('Bytes per request, for links with a bandwidth.'),
  operation: z.string().default('request').describe('The operation name its latencies are reported under.'),
  stopAt: durationUs.optional().describe('Send no new requests from this simulated time on.'),
  keys: z
    .strictObject({
      count: positiveInt.describe('Distinct keys, 1..count.'),
      zipf: z.number().min(0).optional().describe('Zipf exponent s: key k is picked with weight 1/k^s. Uniform when absent.'),
    })
    .optional()
    .describe('Give each request a key (a record, a URL), for key-based routing.'),
});

export const poissonWorkloadModel: ModelDefinition<typeof poissonParams> = {
  type: 'poisson',
  role: 'workload',
  description: 'Open-loop clients: requests leave at Poisson times whatever the answers do.',
  params: poissonParams,
  references: (params) => [{ path: ['target'], component: params.target }],
  instantiate(params, ctx) {
    const targets = ctx.nodesOf(params.target);
    return () => (nodeCtx) =>
      new PoissonClient(nodeCtx, {
        targets,
        ratePerSec: params.rate,
        timeoutUs: params.timeout,
        requestSizeBytes: params.requestSize,
        operation: params.operation,
        stopAtUs: params.stopAt,
        keys: params.keys,
        metrics: ctx.requests,
      });
  },
};
