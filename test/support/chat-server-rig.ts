import type { NodeContext, NodeId, Process } from '../../engine/node-context.js';
import { Simulation } from '../../engine/simulation.js';
import { CacheLog } from '../../models/measure/cache-log.js';
import { ChatLog } from '../../models/measure/chat-log.js';
import { ComponentMetrics } from '../../models/measure/component-metrics.js';
import { DeliveryLog } from '../../models/measure/delivery-log.js';
import { FeedLog } from '../../models/measure/feed-log.js';
import { HistoryRecorder } from '../../models/measure/history-recorder.js';
import { RequestMetrics } from '../../models/measure/request-metrics.js';
import { ShardLog } from '../../models/measure/shard-log.js';
import { StalenessProbes } from '../../models/measure/staleness-probes.js';
import type { InstanceContext, ModelDefinition } from '../../models/kit/model-contract.js';
import { chatDirectoryModel } from '../../models/chat/chat-directory.js';
import type { ChatProtocol, ChatToDevice } from '../../models/chat/chat-messages.js';
import { chatPopulationKey, generateChatPopulation, type ChatPopulation } from '../../models/chat/chat-population.js';
import { chatServerModel } from '../../models/chat/chat-server.js';
import { chatStoreModel } from '../../models/chat/chat-store.js';
import { instanceContext } from '../../scenarios/harness/instance-context.js';

/**
 * The chat service on a bare simulation, driven by hand: a `chat` directory
 * on dir-1, chat servers `srv` on srv-1.., a store `store` on store-1.., and
 * one scripted client node per user (client-1..) that sends what a test
 * tells it and keeps everything it receives. Regions and their round trips
 * are the test's; links inside a region take 1 ms each way (constant).
 */
export interface ChatRigOptions {
  users: number;
  devicesPerUser?: number;
  contactsPerUser?: number;
  groups?: { count: number; size: number }[];
  /** Region per server node (its count is the servers'). */
  serverRegions: string[];
  /** The directory's and the store's region; the first server's when absent. */
  homeRegion?: string;
  storeNodes?: number;
  /** Region per user's client node; 'eu' when absent. */
  clientRegion?: (user: number) => string;
  /** Mean round trips between regions, µs. */
  regionRtts?: { between: [string, string]; rttUs: number }[];
  directory?: Record<string, unknown>;
  server?: Record<string, unknown>;
  store?: Record<string, unknown>;
  durationUs?: number;
}

export interface Received {
  atUs: number;
  message: ChatToDevice;
}

export class ScriptedClient implements Process<ChatToDevice> {
  readonly inbox: Received[] = [];
  private nextId = 0;

  constructor(readonly ctx: NodeContext) {}

  onMessage(_from: NodeId, message: ChatToDevice): void {
    this.inbox.push({ atUs: this.ctx.nowUs, message });
  }

  send(to: string | NodeId, message: object): void {
    this.ctx.send(typeof to === 'string' ? this.ctx.lookup(to) : to, message, 0);
  }

  wireId(): number {
    return this.nextId++;
  }

  /** The seqs of the send acks received, in order (−1: acknowledged on receipt). */
  ackedSeqs(): number[] {
    return this.of('chat-send-ack').map((a) => a.seq);
  }

  /** Device `device` wrote a message: a `chat-send` to a server, or the `chat-append` a server relays to a store. */
  write(
    kind: 'chat-send' | 'chat-append',
    to: string | NodeId,
    device: number,
    conversation: number,
    clientMessageId: number,
  ): void {
    const sentUs = this.ctx.nowUs;
    this.send(to, { kind, id: this.wireId(), device, conversation, clientMessageId, sentUs, sizeBytes: 100 });
  }

  of<K extends ChatToDevice['kind']>(kind: K): (Extract<ChatToDevice, { kind: K }> & { atUs: number })[] {
    return this.inbox.filter((r) => r.message.kind === kind).map((r) => ({ ...r.message, atUs: r.atUs })) as never;
  }
}

export interface ChatRig {
  sim: Simulation;
  chats: ChatLog;
  population: ChatPopulation;
  clients: ScriptedClient[];
  metrics: { directory: ComponentMetrics; server: ComponentMetrics; store: ComponentMetrics };
  node(name: string): NodeId;
  /** At `atUs`, the device's user's client runs `fn`. */
  at(atUs: number, device: number, fn: (client: ScriptedClient) => void): void;
  /** At `atUs`: locate, then connect to the answer (no set-up round trips), then sync; heartbeats every `heartbeatUs` while connected. */
  connect(atUs: number, device: number, options?: { protocol?: ChatProtocol; heartbeatUs?: number }): void;
  clientOf(device: number): ScriptedClient;
}

export function chatRig(options: ChatRigOptions): ChatRig {
  const durationUs = options.durationUs ?? 120_000_000;
  const sim = new Simulation({
    seed: 7,
    network: {
      sameRegionRttUs: { type: 'constant', value: 2_000 },
      crossRegionRttUs: { type: 'constant', value: 100_000 },
      regionRtts: (options.regionRtts ?? []).map((r) => ({
        between: r.between,
        rttUs: { type: 'constant', value: r.rttUs },
      })),
    },
  });
  const windowUs = 1_000_000;
  const windows = Math.ceil(durationUs / windowUs);
  const chats = new ChatLog(windowUs, windows, 0);
  chats.protocols.set('rig', 'websocket');
  const dpu = options.devicesPerUser ?? 1;
  const population = generateChatPopulation(
    {
      users: options.users,
      devicesPerUser: dpu,
      contactsPerUser: options.contactsPerUser ?? 0,
      groups: options.groups ?? [],
    },
    sim.stream('rig', 'population'),
  );
  chats.devices(options.users * dpu);
  const shared = new Map<string, unknown>([[chatPopulationKey('chat'), population]]);
  const serverNames = options.serverRegions.map((_, i) => `srv-${i + 1}`);
  const storeNames = Array.from({ length: options.storeNodes ?? 1 }, (_, i) => `store-${i + 1}`);
  const groups: Record<string, string[]> = { chat: ['dir-1'], srv: serverNames, store: storeNames };
  const parsed = {
    chat: chatDirectoryModel.params.parse(options.directory ?? {}),
    srv: chatServerModel.params.parse({ directory: 'chat', store: 'store', ...options.server }),
    store: chatStoreModel.params.parse({ directory: 'chat', ...options.store }),
  };
  const metrics = {
    directory: new ComponentMetrics('chat', 'chat-directory', 1, 0, windowUs, windows, 0),
    server: new ComponentMetrics('srv', 'chat-server', serverNames.length, parsed.srv.workers, windowUs, windows, 0),
    store: new ComponentMetrics('store', 'chat-store', storeNames.length, parsed.store.workers, windowUs, windows, 0),
  };
  const context = (name: 'chat' | 'srv' | 'store', metric: ComponentMetrics): InstanceContext =>
    instanceContext(sim, {
      name,
      nodeNames: groups[name],
      nodesOf: (component) => groups[component],
      requests: new RequestMetrics({ windowUs, durationUs, availabilityThresholdUs: 1_000_000, measureFromUs: 0 }),
      history: new HistoryRecorder(sim),
      probes: new StalenessProbes(),
      deliveries: new DeliveryLog(),
      caches: new CacheLog(windowUs, windows),
      shards: new ShardLog(windowUs, windows),
      feeds: new FeedLog(windowUs, windows, 0),
      chats,
      shared: <T>(key: string, build: () => T) => (shared.has(key) ? (shared.get(key) as T) : build()),
      paramsOf: (component) => parsed[component as 'chat'],
      metricsOf: () => undefined,
      componentMetrics: () => metric,
    });
  const build = <S>(model: ModelDefinition<any>, params: S, name: 'chat' | 'srv' | 'store', metric: ComponentMetrics) =>
    model.instantiate(params, context(name, metric));
  const directory = build(chatDirectoryModel, parsed.chat, 'chat', metrics.directory);
  const server = build(chatServerModel, parsed.srv, 'srv', metrics.server);
  const store = build(chatStoreModel, parsed.store, 'store', metrics.store);
  const home = options.homeRegion ?? options.serverRegions[0];
  sim.addNode({ name: 'dir-1', region: home, process: directory(0) });
  serverNames.forEach((name, i) => sim.addNode({ name, region: options.serverRegions[i], process: server(i) }));
  storeNames.forEach((name, i) => sim.addNode({ name, region: home, process: store(i) }));
  const clients: ScriptedClient[] = [];
  for (let u = 0; u < options.users; u++)
    sim.addNode({
      name: `client-${u + 1}`,
      region: options.clientRegion?.(u) ?? 'eu',
      process: (ctx) => (clients[u] = new ScriptedClient(ctx)),
    });
  const clientOf = (device: number) => clients[Math.floor(device / dpu)];
  const rig: ChatRig = {
    sim,
    chats,
    population,
    clients,
    metrics,
    node: (name) => sim.lookup(name),
    clientOf,
    at: (atUs, device, fn) => sim.at(atUs, () => fn(clientOf(device))),
    connect(atUs, device, connectOptions = {}) {
      const protocol = connectOptions.protocol ?? 'websocket';
      rig.at(atUs, device, (client) => {
        const id = client.wireId();
        client.send('dir-1', { kind: 'chat-locate', id, device, avoid: -1 });
        const wait = () => {
          const reply = client.of('chat-locate-reply').find((r) => r.id === id);
          if (reply === undefined) return void sim.at(sim.nowUs + 1_000, wait);
          const connectId = client.wireId();
          client.send(reply.server, { kind: 'chat-connect', id: connectId, device, protocol });
          const opened = () => {
            const answer = client.of('chat-connect-reply').find((r) => r.id === connectId);
            if (answer === undefined) return void sim.at(sim.nowUs + 1_000, opened);
            if (answer.error !== undefined) return;
            const sync = { kind: 'chat-sync', id: client.wireId(), device, conversation: -1, fromSeq: 0, beforeSeq: 0 };
            client.send(reply.server, sync);
            const beat = connectOptions.heartbeatUs;
            if (beat === undefined) return;
            const heartbeat = () => {
              if (!chats.isConnected(device)) return;
              client.send(reply.server, { kind: 'chat-heartbeat', device });
              sim.at(sim.nowUs + beat, heartbeat);
            };
            sim.at(sim.nowUs + beat, heartbeat);
          };
          sim.at(sim.nowUs + 1_000, opened);
        };
        sim.at(sim.nowUs + 1_000, wait);
      });
    },
  };
  return rig;
}
