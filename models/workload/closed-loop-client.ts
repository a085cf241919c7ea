import { z } from 'zod';
import {
  distribution,
  type DistributionSpec,
  type NodeContext,
  type NodeId,
  type RandomStream,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { DnsAnswer } from '../dns/dns-messages.js';
import type { Response } from '../kit/request-messages.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import { positiveInt } from '../kit/units.js';
import { requestOptions, requestParams, requestReferences } from './request-schema.js';
import { Requester, type RequestOptions } from './requester.js';

export interface ClosedLoopParams extends RequestOptions {
  /** Users on this node, each with at most one request outstanding. */
  users: number;
  thinkTimeUs: DistributionSpec;
}

const THINK_OVER = 1;

/**
 * Closed-loop users: each thinks, sends one request, waits for its outcome
 * (retries included), and thinks again. Load falls as the system slows, so by
 * the interactive response time law throughput is users / (think + response).
 */
export class ClosedLoopClient implements InspectableProcess<Response | DnsAnswer> {
  private readonly think;
  private readonly thinking: RandomStream;
  private readonly requester: Requester;

  constructor(
    private readonly ctx: NodeContext,
    private readonly params: ClosedLoopParams,
  ) {
    this.think = distribution(params.thinkTimeUs);
    this.thinking = ctx.random('think');
    this.requester = new Requester(ctx, params, () => this.startThinking());
  }

  /** Users thinking (the rest wait on a request), and the requests under way. */
  inspect(): InspectedState {
    const requests = this.requester.inspect();
    return { usersThinking: this.params.users - requests.requestsActive, ...requests };
  }

  onStart(): void {
    for (let u = 0; u < this.params.users; u++) this.startThinking();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === THINK_OVER) this.requester.issue();
    else this.requester.onTimer(tag, data);
  }

  onMessage(from: NodeId, message: Response | DnsAnswer): void {
    this.requester.onMessage(from, message);
  }

  private startThinking(): void {
    this.ctx.setTimer(this.think.sample(this.thinking), THINK_OVER);
  }
}

const closedLoopParams = z.strictObject({
  ...requestParams,
  users: positiveInt.describe('Users per node, each with one request at a time.'),
  thinkTime: durationDistribution.describe('Pause between a request finishing and the same user sending the next.'),
});

export const closedLoopWorkloadModel: ModelDefinition<typeof closedLoopParams> = {
  type: 'closed-loop',
  role: 'workload',
  description: 'Closed-loop users: think, send one request, wait for it, think again; load follows the system’s speed.',
  params: closedLoopParams,
  references: requestReferences,
  instantiate(params, ctx) {
    const options = requestOptions(params, ctx);
    return () => (nodeCtx) =>
      new ClosedLoopClient(nodeCtx, { ...options, users: params.users, thinkTimeUs: params.thinkTime });
  },
};
