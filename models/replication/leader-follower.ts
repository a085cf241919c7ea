import type { NodeId } from '../../engine/index.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { leaseUs } from './leader-follower-lease.js';
import { LeaderFollowerReplica } from './leader-follower-replica.js';
import { leaderFollowerParams, type LeaderFollowerSettings } from './leader-follower-settings.js';
import { LeadershipTally } from './leadership-tally.js';

export { LeaderFollowerReplica };

export const leaderFollowerModel: ModelDefinition<typeof leaderFollowerParams> = {
  type: 'leader-follower',
  role: 'component',
  description:
    'A leader-follower replicated store of registers (read, write, cas; one replica per node, the first leads): async, semi-sync or sync replication, read routing, heartbeat failure detection, promotion of the most up-to-date replica, fencing by epoch (or split brain without it).',
  params: leaderFollowerParams,
  check(params, { nodeCount }) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    if (params.replication === 'semi-sync' && params.acks > nodeCount - 1) {
      problems.push({
        path: ['acks'],
        message: `${params.acks} follower acknowledgements asked of ${nodeCount - 1} follower${nodeCount === 2 ? '' : 's'}; at most ${nodeCount - 1}`,
      });
    }
    if (params.promotable !== undefined && params.promotable > nodeCount) {
      problems.push({
        path: ['promotable'],
        message: `${params.promotable} promotable replicas, but the store has ${nodeCount}`,
      });
    }
    if (params.failureTimeout <= params.heartbeatInterval) {
      problems.push({
        path: ['failureTimeout'],
        message: 'must be longer than heartbeatInterval, or every follower suspects a healthy leader',
      });
    } else if (params.fencing && leaseUs(params.failureTimeout, params.maxClockDriftPpm) <= params.heartbeatInterval) {
      problems.push({
        path: ['maxClockDriftPpm'],
        message: `leaves a lease of ${leaseUs(params.failureTimeout, params.maxClockDriftPpm) / 1000}ms, not longer than heartbeatInterval: a leader would lose it between heartbeats; lengthen failureTimeout`,
      });
    }
    return problems;
  },
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(0);
    for (const detail of [
      'promotions',
      'stepDowns',
      'maxLagVersions',
      'maxLagUs',
      'writesUnknown',
      'entriesDiscarded',
      'acknowledgedWritesDiscarded',
    ])
      metrics.noteDetail(detail, 0);
    const tally = new LeadershipTally(metrics);
    let replicaIds: ReadonlySet<NodeId> | null = null;
    ctx.onCrash((id, atUs) => {
      replicaIds ??= new Set(ctx.nodeNames.map((name) => ctx.nodeId(name)));
      if (replicaIds.has(id)) tally.stopped(id, atUs);
    });
    const shared: Omit<LeaderFollowerSettings, 'index'> = {
      ...params,
      promotable: params.promotable ?? ctx.nodeNames.length,
      replicas: ctx.nodeNames,
      leaseUs: leaseUs(params.failureTimeout, params.maxClockDriftPpm),
      metrics,
      tally,
    };
    return (index) => (nodeCtx) => new LeaderFollowerReplica(nodeCtx, { ...shared, index });
  },
};
