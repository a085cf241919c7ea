import { autoscalerModel } from './autoscaler.js';
import { closedLoopWorkloadModel } from './closed-loop-client.js';
import { counterStoreModel } from './counter-store.js';
import { dnsServerModel } from './dns-server.js';
import { loadBalancerModel } from './load-balancer.js';
import { poissonWorkloadModel } from './poisson-client.js';
import { rateLimiterModel } from './rate-limiter.js';
import { storeClientModel } from './store-client.js';
import { queueServerModel } from './queue-server.js';
import { registerModel } from './registry.js';
import { leaderFollowerModel } from './replication/leader-follower.js';
import { quorumStoreModel } from './replication/quorum-store.js';
import { raftModel } from './replication/raft.js';

let registered = false;

/** Registers the bundled models once; the scenario format calls this before building its schema. */
export function registerBuiltinModels(): void {
  if (registered) return;
  registered = true;
  registerModel(queueServerModel);
  registerModel(loadBalancerModel);
  registerModel(rateLimiterModel);
  registerModel(counterStoreModel);
  registerModel(autoscalerModel);
  registerModel(dnsServerModel);
  registerModel(leaderFollowerModel);
  registerModel(quorumStoreModel);
  registerModel(raftModel);
  registerModel(poissonWorkloadModel);
  registerModel(closedLoopWorkloadModel);
  registerModel(storeClientModel);
}
