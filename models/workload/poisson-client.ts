import { z } from 'zod';
import {
  distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
  SECOND,
  type TimeUs,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { DnsAnswer } from '../dns/dns-messages.js';
import type { Response } from '../kit/request-messages.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, ratePerSec } from '../kit/units.js';
import { peakRate, rateAt, rateShapeOf, rateShapeParam, type RateShape } from './rate-shape.js';
import { requestOptions, requestParams, requestReferences } from './request-schema.js';
import { Requester, type RequestOptions } from './requester.js';

export interface PoissonClientParams extends RequestOptions {
  ratePerSec: number;
  shape?: RateShape;
  /** No new requests from this true time on. */
  stopAtUs?: TimeUs;
}

const ARRIVAL = 1;

/** Open-loop arrivals: requests leave at Poisson times (of a shaped rate) whatever the answers do. */
export class PoissonClient implements InspectableProcess<Response | DnsAnswer> {
  private readonly interarrival;
  private readonly arrivals: RandomStream;
  private readonly requester: Requester;
  private readonly shape: RateShape;
  private readonly peakRatePerSec: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly params: PoissonClientParams,
  ) {
    if (!(params.ratePerSec > 0)) throw new RangeError(`ratePerSec must be > 0, got ${params.ratePerSec}`);
    this.shape = params.shape ?? { type: 'constant' };
    this.peakRatePerSec = peakRate(this.shape, params.ratePerSec);
    this.interarrival = distribution({ type: 'exponential', mean: SECOND / this.peakRatePerSec });
    this.arrivals = ctx.random('arrivals');
    this.requester = new Requester(ctx, params);
  }

  /** The arrival rate now (the shape at this moment), and the requests under way. */
  inspect(): InspectedState {
    const stop = this.params.stopAtUs;
    const stopped = stop !== undefined && this.ctx.nowUs >= stop;
    return {
      ratePerSecNow: stopped ? 0 : rateAt(this.shape, this.params.ratePerSec, this.ctx.nowUs),
      ...this.requester.inspect(),
    };
  }

  onStart(): void {
    this.scheduleArrival();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag !== ARRIVAL) {
      this.requester.onTimer(tag, data);
      return;
    }
    // Thinning: a candidate at the peak rate is kept with probability rate(t) / peak.
    if (
      this.shape.type === 'constant' ||
      this.arrivals.nextDouble() * this.peakRatePerSec < rateAt(this.shape, this.params.ratePerSec, this.ctx.nowUs)
    ) {
      this.requester.issue();
    }
    this.scheduleArrival();
  }

  onMessage(from: NodeId, message: Response | DnsAnswer): void {
    this.requester.onMessage(from, message);
  }

  private scheduleArrival(): void {
    const next = this.interarrival.sample(this.arrivals);
    const stop = this.params.stopAtUs;
    if (stop !== undefined && this.ctx.nowUs + next >= stop) return;
    this.ctx.setTimer(next, ARRIVAL);
  }
}

const poissonParams = z.strictObject({
  ...requestParams,
  rate: ratePerSec.describe('Arrivals per node, like 500/s: the open-loop Poisson rate λ (the base of a shape).'),
  shape: rateShapeParam
    .optional()
    .describe('How the rate changes over time: ramp, spike or diurnal. Constant when absent.'),
  stopAt: durationUs.optional().describe('Send no new requests from this simulated time on.'),
});

export const poissonWorkloadModel: ModelDefinition<typeof poissonParams> = {
  type: 'poisson',
  role: 'workload',
  description:
    'Open-loop clients: requests leave at Poisson times (of a constant, ramped, spiking or diurnal rate) whatever the answers do.',
  params: poissonParams,
  references: requestReferences,
  instantiate(params, ctx) {
    const options = requestOptions(params, ctx);
    const rateShape = rateShapeOf(params.shape);
    return () => (nodeCtx) =>
      new PoissonClient(nodeCtx, { ...options, ratePerSec: params.rate, shape: rateShape, stopAtUs: params.stopAt });
  },
};
