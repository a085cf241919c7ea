import { Bench } from 'tinybench';
import { Simulation, type NodeContext, type NodeId, type Process } from '../engine/index.js';
import { PoissonClient } from '../models/poisson-client.js';
import { QueueServer } from '../models/queue-server.js';
import { RequestMetrics } from '../models/metrics/request-metrics.js';
import { SECOND } from '../engine/time.js';
import { buildScenario } from '../cli/scenario/build.js';
import { resolveScenarioArgument } from '../cli/scenario/bundled.js';
import { loadScenario } from '../cli/scenario/load-scenario.js';

export interface SimulationFigure {
  name: string;
  eventsPerSec: number;
  /** A second figure in the workload's own unit (customers per second for M/M/1). */
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

function pingPong(nodes: number): Simulation {
  const sim = new Simulation({ seed: 1 });
  for (let i = 0; i < nodes; i++) {
    sim.addNode({ name: `n${i}`, region: i % 2 === 0 ? 'us-east' : 'eu-west', process: (ctx) => new PingPong(ctx, nodes) });
  }
  return sim;
}

function mm1(): { sim: Simulation; stats: RequestMetrics } {
  const sim = new Simulation({ seed: 1 });
  const stats = new RequestMetrics({ windowUs: SECOND, durationUs: 3_600 * SECOND, availabilityThresholdUs: SECOND, measureFromUs: 0 });
  sim.addNode({ name: 'server', process: (ctx) => new QueueServer(ctx, { serviceTimeUs: { type: 'exponential', mean: 1000 } }) });
  sim.addNode({ name: 'client', process: (ctx) => new PoissonClient(ctx, { targets: ['server'], ratePerSec: 800, metrics: stats }) });
  sim.setLink('client', 'server', { latencyUs: { type: 'constant', value: 0 } }, true);
  return { sim, stats };
}

/** Whole simulations in steady state: each iteration continues the same run for BATCH events. */
export async function simulationBenchmarks(): Promise<SimulationFigure[]> {
  const ping = pingPong(10_000);
  const station = mm1();
  // The flagship scenario as `faultline run` builds it: HDR histograms, windows, utilization, faults.
  const flagship = buildScenario(loadScenario(resolveScenarioArgument('regional-partition'), { overrides: ['duration=10h'] }).scenario);
  let requestsAtStart = 0;
  let customersAtStart = 0;
  let eventsAtStart = 0;
  const bench = new Bench({ time: 3_000, warmupTime: 500, iterations: 5 });
  bench.add('ping-pong, 10,000 nodes over the network', () => {
    ping.run({ maxEvents: BATCH });
  });
  bench.add('M/M/1 station (rho 0.8)', () => {
    station.sim.run({ maxEvents: BATCH });
  }, {
    beforeAll() {
      customersAtStart = station.stats.succeeded;
      eventsAtStart = station.sim.events;
    },
  });
  bench.add('regional-partition scenario, with metrics', () => {
    flagship.sim.run({ maxEvents: BATCH });
  }, {
    beforeAll() {
      requestsAtStart = flagship.requests.windows.reduce((sum, w) => sum + w.sent, 0);
      eventsAtStart = flagship.sim.events;
    },
  });
  await bench.run();
  const figures: SimulationFigure[] = [];
  for (const task of bench.tasks) {
    const r = task.result;
    if (!('period' in r)) throw new Error(`benchmark "${task.name}" did not complete: ${r.state}`);
    const eventsPerSec = BATCH / (r.period / 1000);
    const figure: SimulationFigure = { name: task.name, eventsPerSec };
    if (task.name.startsWith('M/M/1')) {
      const customers = station.stats.succeeded - customersAtStart;
      const events = station.sim.events - eventsAtStart;
      figure.extra = { label: 'customers/s', perSec: eventsPerSec * (customers / events) };
    }
    if (task.name.startsWith('regional-partition')) {
      const requests = flagship.requests.windows.reduce((sum, w) => sum + w.sent, 0) - requestsAtStart;
      figure.extra = { label: 'requests/s', perSec: eventsPerSec * (requests / (flagship.sim.events - eventsAtStart)) };
    }
    figures.push(figure);
  }
  return figures;
}
