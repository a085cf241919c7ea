import { z } from 'zod';
import { type NodeContext, type NodeId, type RandomStream, type TimeUs, SECOND } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import type { Response } from '../kit/request-messages.js';
import { durationUs } from '../kit/units.js';
import { AliasTable } from '../parts/alias-table.js';
import type { SocialGraph } from '../parts/social-graph.js';
import { Requester } from '../workload/requester.js';
import { requestParams } from '../workload/request-schema.js';
import { digestFeedResponse } from './feed-messages.js';
import { POST, READ } from './feed-service.js';
import { socialGraphOf } from './shared-social-graph.js';
import type { SocialGraphParams } from './social-graph-params.js';

/** The operations, in the requester's mix order. */
const OPERATIONS = [POST, READ] as const;

/** The users one workload node plays: their ids, and an alias table over their post and read rates. */
export interface UserShare {
  /** Users u with u mod workload nodes = this node's index, ascending. */
  readonly users: Int32Array;
  /** Entry i < users.length is users[i] posting; entry users.length + i is users[i] reading. */
  readonly table: AliasTable | null;
  /** Posts and reads per second of these users together. */
  readonly ratePerSec: number;
}

/** The share of the users workload node `index` of `nodes` plays, with their rates from the graph. */
export function userShare(graph: SocialGraph, index: number, nodes: number): UserShare {
  const n = Math.max(0, Math.ceil((graph.users - index) / nodes));
  const users = new Int32Array(n);
  const weights = new Float64Array(2 * n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const u = index + i * nodes;
    users[i] = u;
    weights[i] = graph.postRatePerSec[u];
    weights[n + i] = graph.readRatePerSec[u];
    total += weights[i] + weights[n + i];
  }
  return { users, table: total > 0 ? new AliasTable(weights) : null, ratePerSec: total };
}

const ARRIVAL = 1;

/**
 * A population of feed users, at exactly the graph's per-user rates: each
 * user posts as a Poisson process of its postRate and reads its feed as one
 * of its readRate. Together they are one Poisson process of the summed rate;
 * at each arrival one alias-table pick (O(1)) says which user does which,
 * with probability proportional to that rate. A request goes to the service
 * node holding the user (u mod the service's nodes), with operation `post`
 * or `read` and key = the user, so latencies are reported per operation.
 *
 * The arrival times and picks come from this node's own streams and nothing
 * else, so variants of the service (another strategy) see the very same
 * posts and reads: common random numbers.
 */
export class FeedUsers implements InspectableProcess<Response> {
  private readonly requester: Requester;
  private readonly rng: RandomStream;
  private readonly meanGapUs: number;
  private posts = 0;
  private reads = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly share: UserShare,
    private readonly serviceNodes: readonly string[],
    private readonly stopAtUs: TimeUs | undefined,
    requester: (ctx: NodeContext) => Requester,
  ) {
    this.requester = requester(ctx);
    this.rng = ctx.random('feed-users');
    this.meanGapUs = share.ratePerSec > 0 ? SECOND / share.ratePerSec : Infinity;
  }

  inspect(): InspectedState {
    return {
      users: this.share.users.length,
      ratePerSec: this.share.ratePerSec,
      posts: this.posts,
      reads: this.reads,
      ...this.requester.inspect(),
    };
  }

  onStart(): void {
    this.scheduleNext();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag !== ARRIVAL) {
      this.requester.onTimer(tag, data);
      return;
    }
    const pick = this.share.table!.pick(this.rng);
    const n = this.share.users.length;
    const reading = pick >= n;
    const user = this.share.users[reading ? pick - n : pick];
    if (reading) this.reads++;
    else this.posts++;
    this.requester.issueTo(reading ? 1 : 0, user, user % this.serviceNodes.length);
    this.scheduleNext();
  }

  onMessage(from: NodeId, message: Response): void {
    this.requester.onMessage(from, message);
  }

  private scheduleNext(): void {
    if (this.share.table === null) return;
    const gapUs = -Math.log(1 - this.rng.next()) * this.meanGapUs;
    if (this.stopAtUs !== undefined && this.ctx.nowUs + gapUs >= this.stopAtUs) return;
    this.ctx.setTimer(gapUs, ARRIVAL);
  }
}

const feedUsersParams = z.strictObject({
  target: z
    .string()
    .describe(
      'The feed-service the users post to and read from; its graph gives the users and their rates. This workload plays every one of them (split over its nodes by user id): a second one aimed at the same service doubles every rate.',
    ),
  timeout: durationUs
    .optional()
    .describe('Give up on a request after this long (a timeout error). No timeout when absent.'),
  requestSize: requestParams.requestSize,
  stopAt: durationUs.optional().describe('Make no new posts or reads from this simulated time on.'),
});

export const feedUsersModel: ModelDefinition<typeof feedUsersParams> = {
  type: 'feed-users',
  role: 'workload',
  description:
    'The users of a feed service, at their own posting and reading rates from its social graph (one Poisson process, an alias-table pick per arrival), each request sent to the node holding the user.',
  params: feedUsersParams,
  references: (params) => [{ path: ['target'], component: params.target, type: 'feed-service' }],
  digestMessage: digestFeedResponse,
  instantiate(params, ctx) {
    // The service's parameters come parsed: its graph's are the ones it builds the shared graph from.
    const graph = socialGraphOf(ctx, params.target, ctx.paramsOf(params.target).graph as SocialGraphParams);
    const serviceNodes = ctx.nodesOf(params.target);
    const workloadNodes = ctx.nodeNames.length;
    const mix = OPERATIONS.map((operation) => ({ operation, weight: 1 }));
    return (nodeIndex) => {
      const share = userShare(graph, nodeIndex, workloadNodes);
      return (nodeCtx) =>
        new FeedUsers(
          nodeCtx,
          share,
          serviceNodes,
          params.stopAt,
          (c) =>
            new Requester(c, {
              targets: serviceNodes,
              timeoutUs: params.timeout,
              mix,
              requestSizeBytes: params.requestSize,
              metrics: ctx.requests,
            }),
        );
    };
  },
};
