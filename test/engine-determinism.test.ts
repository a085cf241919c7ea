import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  SECOND,
  Simulation,
  scheduleFaults,
  startFaultProcess,
  type DistributionSpec,
  type FaultAction,
  type FaultProcessSpec,
  type LinkSpec,
  type NetworkConfig,
  type NodeContext,
  type NodeId,
  type PartitionShape,
  type Process,
  type TimedFault,
} from '../engine/index.js';
import { QueueServer } from '../models/servers/queue-server.js';
import { PoissonClient } from '../models/workload/poisson-client.js';
import { RequestMetrics } from '../models/measure/request-metrics.js';
import { queueServerSettings } from './fixtures/queue-server-settings.js';

// ---- a gossip node that sends to random peers and records what it sees ----

interface Gossip {
  seq: number;
}

/** Kept outside the process, so it survives crashes: what each node saw. */
interface NodeLog {
  starts: number[];
  received: number[];
  localTimes: number[];
}

class GossipNode implements Process<Gossip> {
  private seq = 0;
  constructor(
    private readonly ctx: NodeContext,
    private readonly log: NodeLog,
    private readonly nodeCount: number,
    private readonly intervalUs: number,
    private readonly sizeBytes: number,
  ) {}

  onStart(): void {
    this.log.starts.push(this.ctx.nowUs);
    this.ctx.setTimer(1 + this.ctx.random('gossip').int(this.intervalUs));
  }

  onTimer(): void {
    const rng = this.ctx.random('gossip');
    const fanout = 1 + rng.int(2);
    for (let k = 0; k < fanout; k++) {
      let to = rng.int(this.nodeCount - 1);
      if (to >= this.ctx.id) to++;
      this.ctx.send(to, { seq: this.seq++ }, this.sizeBytes);
    }
    this.ctx.setTimer(1 + rng.int(this.intervalUs));
  }

  onMessage(from: NodeId, msg: Gossip): void {
    this.log.received.push(this.ctx.nowUs, from, msg.seq);
    this.log.localTimes.push(this.ctx.localTimeUs());
  }
}

// ---- generated scenarios ----

interface NodeSetup {
  region: string;
  group: string;
  offsetUs: number;
  driftPpm: number;
  intervalUs: number;
  sizeBytes: number;
}

interface Scenario {
  nodes: NodeSetup[];
  network: NetworkConfig;
  links: { from: number; to: number; spec: LinkSpec; bothWays: boolean }[];
  timeline: TimedFault[];
  processes: FaultProcessSpec[];
  horizonUs: number;
}

const name = (i: number) => `n${i}`;
const prob = (max: number) => fc.double({ min: 0, max, noNaN: true });

const latencyArb: fc.Arbitrary<DistributionSpec> = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }).map((value) => ({ type: 'constant', value }) as const),
  fc
    .tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 5_000 }))
    .map(([min, width]) => ({ type: 'uniform', min, max: min + width }) as const),
  fc.integer({ min: 50, max: 5_000 }).map((mean) => ({ type: 'exponential', mean }) as const),
  fc
    .tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 3_000 }))
    .map(([mean, stddev]) => ({ type: 'normal', mean, stddev }) as const),
);

const linkArb: fc.Arbitrary<LinkSpec> = fc.record(
  {
    latencyUs: latencyArb,
    jitterUs: fc.integer({ min: 0, max: 2_000 }),
    lossProbability: prob(0.3),
    duplicateProbability: prob(0.2),
    reorderProbability: prob(0.2),
    reorderDelayUs: fc.integer({ min: 0, max: 5_000 }),
    bandwidthBitsPerSec: fc.integer({ min: 100_000, max: 1_000_000_000 }),
    fifo: fc.boolean(),
  },
  { requiredKeys: [] },
);

function selectorArb(n: number): fc.Arbitrary<string | string[]> {
  return fc.oneof(
    fc.integer({ min: 0, max: n - 1 }).map(name),
    fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n }).map((ids) => ids.map(name)),
    fc.constant('*'),
    fc.constantFrom('g0', 'g1'),
  );
}

function shapeArb(n: number): fc.Arbitrary<PartitionShape> {
  const all = Array.from({ length: n }, (_, i) => name(i));
  return fc
    .record({
      type: fc.constantFrom('groups', 'majority-minority', 'isolate', 'bridge', 'ring', 'one-way'),
      perm: fc.shuffledSubarray(all, { minLength: n, maxLength: n }),
      k: fc.integer({ min: 1, max: Math.max(1, n - 1) }),
    })
    .map(({ type, perm, k }): PartitionShape => {
      if (type === 'bridge' && n >= 3)
        return {
          type,
          sideA: perm.slice(1, 1 + Math.min(k, n - 2)),
          bridge: perm[0],
          sideB: perm.slice(1 + Math.min(k, n - 2)),
        };
      if (type === 'ring' && n >= 3) return { type, nodes: perm };
      if (type === 'majority-minority') return { type, nodes: perm };
      if (type === 'isolate') return { type, node: perm[0] };
      if (type === 'one-way') return { type, from: perm.slice(0, k), to: perm.slice(k) };
      return { type: 'groups', groups: [perm.slice(0, k), perm.slice(k)] };
    });
}

function actionArb(n: number, horizonUs: number): fc.Arbitrary<FaultAction> {
  const sel = selectorArb(n);
  const forUs = fc.option(fc.integer({ min: 0, max: horizonUs / 2 }), { nil: undefined });
  return fc.oneof(
    fc.record({ kind: fc.constant('crash' as const), nodes: sel, forUs }),
    fc.record({ kind: fc.constant('restart' as const), nodes: sel }),
    fc.record({ kind: fc.constant('pause' as const), nodes: sel, forUs }),
    fc.record({ kind: fc.constant('resume' as const), nodes: sel }),
    fc.record({ kind: fc.constant('partition' as const), shape: shapeArb(n), forUs }),
    fc.record({ kind: fc.constant('heal' as const) }),
    fc.record({
      kind: fc.constant('clock-jump' as const),
      nodes: sel,
      deltaUs: fc.integer({ min: -SECOND, max: SECOND }),
    }),
    fc.record({ kind: fc.constant('clock-drift' as const), nodes: sel, driftPpm: fc.integer({ min: -500, max: 500 }) }),
    fc.record(
      {
        kind: fc.constant('degrade' as const),
        id: fc.constantFrom('d1', 'd2'),
        from: sel,
        to: sel,
        latencyFactor: fc.double({ min: 0, max: 10, noNaN: true }),
        extraLatencyUs: fc.integer({ min: 0, max: 10_000 }),
        lossProbability: prob(0.5),
        forUs,
      },
      { requiredKeys: ['kind'] },
    ),
    fc.record({
      kind: fc.constant('restore-links' as const),
      id: fc.option(fc.constantFrom('d1', 'd2'), { nil: undefined }),
    }),
  );
}

function processArb(n: number): fc.Arbitrary<FaultProcessSpec> {
  const sel = selectorArb(n);
  return fc.oneof(
    fc.record({
      kind: fc.constant('crash-restart' as const),
      name: fc.constant('churn'),
      nodes: sel,
      mtbfUs: fc.integer({ min: 50 * MILLISECOND, max: SECOND }),
      mttrUs: fc.integer({ min: MILLISECOND, max: 200 * MILLISECOND }),
    }),
    fc.record({
      kind: fc.constant('random-kill' as const),
      name: fc.constant('chaos'),
      nodes: sel,
      meanIntervalUs: fc.integer({ min: 50 * MILLISECOND, max: SECOND }),
      downUs: fc.constant<DistributionSpec>({ type: 'uniform', min: MILLISECOND, max: 100 * MILLISECOND }),
    }),
  );
}

const horizonUs = SECOND;

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc.record({
    nodes: fc.array(
      fc.record({
        region: fc.constantFrom('r1', 'r2', 'r3'),
        group: fc.constantFrom('g0', 'g1'),
        offsetUs: fc.integer({ min: -SECOND, max: SECOND }),
        driftPpm: fc.integer({ min: -200, max: 200 }),
        intervalUs: fc.integer({ min: 2 * MILLISECOND, max: 30 * MILLISECOND }),
        sizeBytes: fc.integer({ min: 0, max: 2_000 }),
      }),
      { minLength: n, maxLength: n },
    ),
    network: fc.record(
      {
        sameRegionRttUs: latencyArb,
        link: linkArb.map(({ latencyUs: _, ...rest }) => rest),
        regionRtts: fc.constant([
          { between: ['r1', 'r2'] as const, rttUs: { type: 'constant', value: 20_000 } as const },
        ]),
      },
      { requiredKeys: [] },
    ),
    links: fc.array(
      fc.record({
        from: fc.integer({ min: 0, max: n - 1 }),
        to: fc.integer({ min: 0, max: n - 1 }),
        spec: linkArb,
        bothWays: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    timeline: fc.array(fc.record({ atUs: fc.integer({ min: 0, max: horizonUs }), action: actionArb(n, horizonUs) }), {
      maxLength: 8,
    }),
    processes: fc.uniqueArray(processArb(n), { maxLength: 2, selector: (p) => p.kind }),
    horizonUs: fc.constant(horizonUs),
  }),
);

/** Groups must exist to be selected, so every scenario puts n0 in g0 and n1 in g1. */
function fixGroups(s: Scenario): Scenario {
  return { ...s, nodes: s.nodes.map((node, i) => (i < 2 ? { ...node, group: `g${i}` } : node)) };
}

function runScenario(raw: Scenario, seed: number | string, queue: 'typed' | 'heap' = 'typed') {
  const s = fixGroups(raw);
  const sim = new Simulation({ seed, network: s.network, queue });
  const logs: NodeLog[] = [];
  s.nodes.forEach((node, i) => {
    const log: NodeLog = { starts: [], received: [], localTimes: [] };
    logs.push(log);
    sim.addNode({
      name: name(i),
      region: node.region,
      group: node.group,
      clock: { offsetUs: node.offsetUs, driftPpm: node.driftPpm },
      process: (ctx) => new GossipNode(ctx, log, s.nodes.length, node.intervalUs, node.sizeBytes),
    });
  });
  for (const l of s.links) sim.setLink(name(l.from), name(l.to), l.spec, l.bothWays);
  scheduleFaults(sim, s.timeline);
  for (const p of s.processes) startFaultProcess(sim, p);
  const result = sim.run({ untilUs: s.horizonUs });
  return { result, logs };
}

const NUM_RUNS = 40;

describe('determinism over generated scenarios', () => {
  it('the same seed gives the same trace hash, event count, message stats, faults and node observations', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer(), (scenario, seed) => {
        const a = runScenario(scenario, seed);
        const b = runScenario(scenario, seed);
        expect(b.result).toEqual(a.result);
        expect(b.logs).toEqual(a.logs);
        expect(a.result.events).toBeGreaterThan(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the typed and heap queues give the same run', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer(), (scenario, seed) => {
        const typed = runScenario(scenario, seed, 'typed');
        const heap = runScenario(scenario, seed, 'heap');
        expect(heap.result).toEqual(typed.result);
        expect(heap.logs).toEqual(typed.logs);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('different seeds give different trace hashes', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer(), fc.integer(), (scenario, seedA, seedB) => {
        fc.pre(seedA !== seedB);
        expect(runScenario(scenario, seedA).result.traceHash).not.toBe(runScenario(scenario, seedB).result.traceHash);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('seed 1 and seed "1" are different runs', () => {
    const scenario = fc.sample(scenarioArb, { numRuns: 1, seed: 7 })[0];
    expect(runScenario(scenario, '1').result.traceHash).not.toBe(runScenario(scenario, 1).result.traceHash);
  });
});

describe('determinism of the example models', () => {
  function clientServer(seed: number, queue: 'typed' | 'heap') {
    const metrics = new RequestMetrics({
      windowUs: SECOND,
      durationUs: SECOND,
      availabilityThresholdUs: SECOND,
      measureFromUs: 0,
    });
    const sim = new Simulation({ seed, queue });
    sim.addNode({
      name: 'server-0',
      region: 'r1',
      process: (ctx) =>
        new QueueServer(
          ctx,
          queueServerSettings({ serviceTime: { type: 'exponential', mean: 800 }, workers: 2, queueCapacity: 20 }),
        ),
    });
    sim.addNode({
      name: 'server-1',
      region: 'r2',
      process: (ctx) => new QueueServer(ctx, queueServerSettings({ serviceTime: { type: 'exponential', mean: 800 } })),
    });
    for (let i = 0; i < 3; i++) {
      sim.addNode({
        name: `client-${i}`,
        region: i % 2 === 0 ? 'r1' : 'r2',
        process: (ctx) =>
          new PoissonClient(ctx, {
            targets: ['server-0', 'server-1'],
            ratePerSec: 400,
            timeoutUs: 60 * MILLISECOND,
            metrics,
          }),
      });
    }
    scheduleFaults(sim, [
      { atUs: 300 * MILLISECOND, action: { kind: 'crash', nodes: 'server-1', forUs: 200 * MILLISECOND } },
    ]);
    const result = sim.run({ untilUs: SECOND });
    metrics.finish();
    return {
      result,
      stats: {
        sent: metrics.sent,
        succeeded: metrics.succeeded,
        errors: metrics.errors,
        latency: metrics.latency.summary(),
        windows: metrics.windows,
      },
    };
  }

  it('a Poisson-client / queue-server run repeats exactly, on either queue', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = clientServer(seed, 'typed');
        expect(clientServer(seed, 'typed')).toEqual(a);
        expect(clientServer(seed, 'heap')).toEqual(a);
        expect(a.stats.sent).toBeGreaterThan(0);
      }),
      { numRuns: 10 },
    );
  });
});
