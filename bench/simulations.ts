import { Bench } from 'tinybench';
import { Simulation, type NodeContext, type NodeId, type Process } from '../engine/index.js';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { heldMemory } from './held-memory.js';

export interface SimulationFigure {
  name: string;
  eventsPerSec: number;
  /** A second figure in the workload's own unit (completed requests per second for scenarios). */
  extra?: { label: string; perSec: number };
}

const BATCH = 200_000;

/** Each node pings a random peer and answers pings; a pong triggers the next ping. */
class PingPong implements Process<number> {
  private readonly rng;
  constructor(
    private readonly ctx: NodeContext,
    private readonly nodes: number,
  ) {
    this.rng = ctx.random('peer');
  }

  onStart(): void {
    this.ping();
  }

  onMessage(from: NodeId, message: number): void {
    if (message === 0) this.ctx.send(from, 1, 64);
    else this.ping();
  }

  private ping(): void {
    let peer = this.rng.int(this.nodes - 1);
    if (peer >= this.ctx.id) peer++;
    this.ctx.send(peer, 0, 64);
  }
}

/** The same exchange with a request/response-shaped object for a payload, to price the trace hash's payload digest. */
class ObjectPingPong implements Process<{ kind: string; id: number; key: number; value: number; sentUs: number }> {
  private readonly rng;
  private sent = 0;
  constructor(
    private readonly ctx: NodeContext,
    private readonly nodes: number,
  ) {
    this.rng = ctx.random('peer');
  }

  onStart(): void {
    this.ping();
  }

  onMessage(from: NodeId, message: { kind: string; id: number; key: number; value: number; sentUs: number }): void {
    if (message.kind === 'ping') this.ctx.send(from, { ...message, kind: 'pong' }, 64);
    else this.ping();
  }

  private ping(): void {
    let peer = this.rng.int(this.nodes - 1);
    if (peer >= this.ctx.id) peer++;
    const message = { kind: 'ping', id: this.sent++, key: peer, value: this.rng.next(), sentUs: this.ctx.nowUs };
    this.ctx.send(peer, message, 64);
  }
}

function pingPong(nodes: number, payload: 'number' | 'object' = 'number', digestMessage?: () => number): Simulation {
  const sim = new Simulation({ seed: 1 });
  // One factory for every node, as a scenario has one per component.
  const process = (ctx: NodeContext) =>
    payload === 'number' ? new PingPong(ctx, nodes) : new ObjectPingPong(ctx, nodes);
  for (let i = 0; i < nodes; i++) {
    sim.addNode({ name: `n${i}`, region: i % 2 === 0 ? 'us-east' : 'eu-west', digestMessage, process });
  }
  return sim;
}

/** A bundled scenario as `faultline run` builds it (HDR histograms, windows, utilization, faults), made long enough never to end. */
export function bundled(name: string) {
  return buildScenario(loadScenario(resolveScenarioArgument(name), { overrides: ['duration=100h'] }).scenario);
}

/** The load-balanced request path: clients → one balancer (power of two choices) → 10 servers, no faults. */
export const BALANCED_PATH = `
name: balanced-path
duration: 100h
topology:
  nodes: { client: { count: 8 }, balancer: {}, server: { count: 10 } }
components:
  lb: { type: load-balancer, nodes: balancer, backends: [api], algorithm: power-of-two }
  api: { type: queue-server, nodes: server, serviceTime: { type: exponential, mean: 2ms }, workers: 4 }
workloads:
  users: { type: poisson, nodes: client, target: lb, rate: 1000/s, timeout: 1s }
`;

/**
 * The messaging path: producers → a replicated log (3 brokers, 6 partitions,
 * replication factor 3, acks=all) → a consumer group of 4, no faults.
 */
export const MESSAGING_PATH = `
name: messaging-path
duration: 100h
topology:
  nodes: { producer: { count: 4 }, broker: { count: 3 }, consumer: { count: 4 } }
components:
  events: { type: log, nodes: broker, partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 }
workloads:
  orders: { type: producer, nodes: producer, target: events, rate: 1000/s, acks: all, idempotent: true, keys: { count: 10000 } }
  billing: { type: log-consumer, nodes: consumer, target: events, group: billing, batch: 100, workers: 4, processing: { type: exponential, mean: 1ms } }
`;

/**
 * The cache-fronted request path: clients → a cache tier (4 nodes, each LRU
 * over 2.5% of the keys, cache-aside; hit ratio about 42%) → a kv-store of 4
 * shards; Zipf(0.9) keys, 5% writes, no faults.
 */
export const CACHE_PATH = `
name: cache-path
duration: 100h
topology:
  nodes: { client: { count: 8 }, cache-host: { count: 4 }, db-host: { count: 4 } }
components:
  app-cache: { type: cache, nodes: cache-host, backend: db, policy: lru, capacity: 2500, ttl: 60s }
  db: { type: kv-store, nodes: db-host, keys: { count: 100000 }, read: 1ms, write: 2ms, workers: 8 }
workloads:
  users: { type: poisson, nodes: client, target: app-cache, rate: 1000/s, timeout: 1s, operations: { read: 0.95, write: 0.05 }, keys: { count: 100000, zipf: 0.9 } }
`;

/** The whole simulations `simulationBenchmark` measures: each name with how to build it. */
const BUILDERS = {
  'ping-pong, 10,000 nodes over the network': () => pingPong(10_000),
  'ping-pong with object payloads, digested': () => pingPong(10_000, 'object'),
  'ping-pong with object payloads, digest off': () => pingPong(10_000, 'object', () => 0),
  'mm1 scenario (M/M/1 at rho 0.8), with metrics': () => bundled('mm1'),
  'regional-partition scenario, with metrics': () => bundled('regional-partition'),
  'clients -> balancer -> 10 servers, with metrics': () =>
    buildScenario(parseScenarioText(BALANCED_PATH, 'balanced-path.yaml').scenario),
  'producers -> replicated log -> consumer group': () =>
    buildScenario(parseScenarioText(MESSAGING_PATH, 'messaging-path.yaml').scenario),
  'clients -> cache tier -> database': () => buildScenario(parseScenarioText(CACHE_PATH, 'cache-path.yaml').scenario),
} satisfies Record<string, () => Simulation | ReturnType<typeof bundled>>;

export type SimulationName = keyof typeof BUILDERS;
export const SIMULATIONS = Object.keys(BUILDERS) as SimulationName[];

/**
 * One whole simulation in steady state, each iteration continuing the same run
 * for BATCH events; call it through `inFreshProcess`, one simulation a process.
 */
export async function simulationBenchmark(name: SimulationName): Promise<SimulationFigure> {
  const built = BUILDERS[name]();
  const scenario = built instanceof Simulation ? undefined : built;
  const sim = scenario === undefined ? (built as Simulation) : scenario.sim;
  const completed = () => scenario!.requests.windows.reduce((sum, w) => sum + w.succeeded, 0);
  let atStart = { requests: 0, events: 0 };
  const bench = new Bench({ time: 3_000, warmupTime: 500, iterations: 5 });
  bench.add(name, () => void sim.run({ maxEvents: BATCH }), {
    beforeAll() {
      atStart = { requests: scenario === undefined ? 0 : completed(), events: sim.events };
    },
  });
  await bench.run();
  const r = bench.tasks[0].result;
  if (!('period' in r)) throw new Error(`benchmark "${name}" did not complete: ${r.state}`);
  const eventsPerSec = BATCH / (r.period / 1000);
  if (scenario === undefined) return { name, eventsPerSec };
  const perEvent = (completed() - atStart.requests) / (sim.events - atStart.events);
  return { name, eventsPerSec, extra: { label: 'completed requests/s', perSec: eventsPerSec * perEvent } };
}

export interface MillionNodeFigures {
  nodes: number;
  /** Adding every node to the simulation. */
  buildSeconds: number;
  /** Running the start events: each node makes its process, derives its stream and sends its first ping. */
  startSeconds: number;
  /** heapUsed plus arrayBuffers after a GC, with every node started and one message in flight each, less what was held before. */
  heldBytes: number;
  pending: number;
  /** Steady state, the median of five batches of a million events. */
  eventsPerSec: number;
}

/**
 * The million-node ping-pong (issue 19's targets: built in under 1 s, held
 * in under 512 MiB, at least 0.8M events/s with a million pending events).
 */
export function millionNodeBenchmark(nodes = 1_000_000): MillionNodeFigures {
  const held = () => {
    const m = heldMemory();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = held();
  let started = performance.now();
  const sim = pingPong(nodes);
  const buildSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  sim.run({ maxEvents: nodes });
  const startSeconds = (performance.now() - started) / 1000;
  const heldBytes = held() - before;
  const rates: number[] = [];
  for (let batch = 0; batch < 5; batch++) {
    started = performance.now();
    sim.run({ maxEvents: 1_000_000 });
    rates.push(1_000_000 / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { nodes, buildSeconds, startSeconds, heldBytes, pending: sim.pending, eventsPerSec: rates[2] };
}
