import { autoscalerModel } from './servers/autoscaler.js';
import { closedLoopWorkloadModel } from './workload/closed-loop-client.js';
import { counterStoreModel } from './rate-limits/counter-store.js';
import { dnsServerModel } from './dns/dns-server.js';
import { loadBalancerModel } from './balancers/load-balancer.js';
import { poissonWorkloadModel } from './workload/poisson-client.js';
import { producerModel } from './messaging/producer.js';
import { rateLimiterModel } from './rate-limits/rate-limiter.js';
import { storeClientModel } from './replication/store-client.js';
import { queueServerModel } from './servers/queue-server.js';
import { registerModel } from './kit/registry.js';
import { logConsumerModel } from './messaging/log-consumer.js';
import { leaderFollowerModel } from './replication/leader-follower.js';
import { logModel } from './messaging/log-broker.js';
import { quorumStoreModel } from './replication/quorum-store.js';
import { raftModel } from './replication/raft.js';
import { stalenessProbeModel } from './replication/staleness-probe.js';
import { pubsubModel, queueModel } from './messaging/queue-broker.js';
import { queueConsumerModel } from './messaging/queue-consumer.js';
import { notificationProviderModel } from './messaging/notification-provider.js';
import { notificationWorkerModel } from './messaging/notification-worker.js';

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
  registerModel(logModel);
  registerModel(poissonWorkloadModel);
  registerModel(closedLoopWorkloadModel);
  registerModel(storeClientModel);
  registerModel(stalenessProbeModel);
  registerModel(producerModel);
  registerModel(logConsumerModel);
  registerModel(queueModel);
  registerModel(pubsubModel);
  registerModel(queueConsumerModel);
  registerModel(notificationProviderModel);
  registerModel(notificationWorkerModel);
}
