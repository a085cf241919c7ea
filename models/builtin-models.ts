import type { ModelDefinition } from './kit/model-contract.js';
import { announceModel, modelsLoadOnDemand, modelsNotLoaded, registerModel } from './kit/registry.js';

/**
 * The bundled models: each type with its role, known without loading it, and
 * the module that defines it, in the order the scenario format lists them. A
 * model's code is loaded when it is needed: all of them as this module is
 * imported, or, for a program that loads models on demand (the CLI), those a
 * scenario names (see `loadBuiltinModels`).
 */
const BUILTIN_MODELS: [type: string, role: ModelDefinition['role'], load: () => Promise<ModelDefinition<any>>][] = [
  ['queue-server', 'component', async () => (await import('./servers/queue-server.js')).queueServerModel],
  ['load-balancer', 'component', async () => (await import('./balancers/load-balancer.js')).loadBalancerModel],
  ['rate-limiter', 'component', async () => (await import('./rate-limits/rate-limiter.js')).rateLimiterModel],
  ['counter-store', 'component', async () => (await import('./rate-limits/counter-store.js')).counterStoreModel],
  ['autoscaler', 'component', async () => (await import('./servers/autoscaler.js')).autoscalerModel],
  ['dns', 'component', async () => (await import('./dns/dns-server.js')).dnsServerModel],
  ['leader-follower', 'component', async () => (await import('./replication/leader-follower.js')).leaderFollowerModel],
  ['quorum-store', 'component', async () => (await import('./replication/quorum-store.js')).quorumStoreModel],
  ['raft', 'component', async () => (await import('./replication/raft.js')).raftModel],
  ['log', 'component', async () => (await import('./messaging/log-broker.js')).logModel],
  ['poisson', 'workload', async () => (await import('./workload/poisson-client.js')).poissonWorkloadModel],
  ['closed-loop', 'workload', async () => (await import('./workload/closed-loop-client.js')).closedLoopWorkloadModel],
  ['store-client', 'workload', async () => (await import('./replication/store-client.js')).storeClientModel],
  ['staleness-probe', 'workload', async () => (await import('./replication/staleness-probe.js')).stalenessProbeModel],
  ['producer', 'workload', async () => (await import('./messaging/producer.js')).producerModel],
  ['log-consumer', 'workload', async () => (await import('./messaging/log-consumer.js')).logConsumerModel],
  ['queue', 'component', async () => (await import('./messaging/queue-broker.js')).queueModel],
  ['pubsub', 'component', async () => (await import('./messaging/queue-broker.js')).pubsubModel],
  ['queue-consumer', 'workload', async () => (await import('./messaging/queue-consumer.js')).queueConsumerModel],
  [
    'notification-provider',
    'component',
    async () => (await import('./messaging/notification-provider.js')).notificationProviderModel,
  ],
  [
    'notification-worker',
    'workload',
    async () => (await import('./messaging/notification-worker.js')).notificationWorkerModel,
  ],
  ['cdn-tier', 'component', async () => (await import('./cdn/cdn-tier.js')).cdnTierModel],
  ['kv-store', 'component', async () => (await import('./sharding/kv-store.js')).kvStoreModel],
  ['cache', 'component', async () => (await import('./caches/cache-node.js')).cacheModel],
  ['id-allocator', 'component', async () => (await import('./url-shortener/id-allocator.js')).idAllocatorModel],
  ['url-shortener', 'component', async () => (await import('./url-shortener/url-shortener.js')).urlShortenerModel],
  ['feed-service', 'component', async () => (await import('./feed/feed-service.js')).feedServiceModel],
  ['feed-users', 'workload', async () => (await import('./feed/feed-users.js')).feedUsersModel],
  ['chat-clients', 'workload', async () => (await import('./chat/chat-clients.js')).chatClientsModel],
  ['chat-directory', 'component', async () => (await import('./chat/chat-directory.js')).chatDirectoryModel],
  ['chat-server', 'component', async () => (await import('./chat/chat-server.js')).chatServerModel],
  ['chat-store', 'component', async () => (await import('./chat/chat-store.js')).chatStoreModel],
];

/** Announces every bundled model type to the registry (once): the scenario format then lists them all. */
export function registerBuiltinModels(): void {
  for (const [type, role] of BUILTIN_MODELS) announceModel(type, role);
}

/** Loads and registers the bundled models of these types not loaded yet, or every one; unknown types are left to the scenario check. */
export async function loadBuiltinModels(types?: Iterable<unknown>): Promise<void> {
  registerBuiltinModels();
  const wanted = new Set(modelsNotLoaded(types ?? BUILTIN_MODELS.map(([type]) => type)));
  const models = BUILTIN_MODELS.filter(([type]) => wanted.has(type));
  // Loaded together, registered in the listed order.
  for (const definition of await Promise.all(models.map(([, , load]) => load()))) registerModel(definition);
}

if (!modelsLoadOnDemand()) await loadBuiltinModels();
