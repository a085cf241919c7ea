import { z } from 'zod';
import { type NodeContext, type NodeId, type TimeUs } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { DnsAnswer } from '../dns/dns-messages.js';
import type { Response } from '../kit/request-messages.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, ratePerSec } from '../kit/units.js';
import { rateShapeOf, rateShapeParam, type RateShape } from './rate-shape.js';
import { ShapedArrivals } from './shaped-arrivals.js';
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
  private readonly arrivals: ShapedArrivals;
  private readonly requester: Requester;

  constructor(ctx: NodeContext, params: PoissonClientParams) {
    this.arrivals = new ShapedArrivals(ctx, params.ratePerSec, params.shape, params.stopAtUs, ARRIVAL);
    this.requester = new Requester(ctx, params);
  }

  /** The arrival rate now (the shape at this moment), and the requests under way. */
  inspect(): InspectedState {
    return { ratePerSecNow: this.arrivals.rateNow(), ...this.requester.inspect() };
  }

  onStart(): void {
    this.arrivals.scheduleNext();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag !== ARRIVAL) {
      this.requester.onTimer(tag, data);
      return;
    }
    if (this.arrivals.keep()) this.requester.issue();
    this.arrivals.scheduleNext();
  }

  onMessage(from: NodeId, message: Response | DnsAnswer): void {
    this.requester.onMessage(from, message);
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
