import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  SECOND,
  Simulation,
  startFaultProcess,
  type NodeContext,
  type NodeId,
  type Process,
} from '../engine/index.js';

interface Observed {
  draws: number[];
  delays: number[];
}

/** Draws from two purposes on every tick and sends to `peers` (by name); records draws and delivery delays. */
class Drawer implements Process<number> {
  private peers: NodeId[] = [];
  constructor(
    private readonly ctx: NodeContext,
    private readonly peerNames: string[],
    private readonly seen: Observed,
  ) {}
  onStart(): void {
    this.peers = this.peerNames.map((n) => this.ctx.lookup(n));
    this.ctx.setTimer(MILLISECOND);
  }
  onTimer(): void {
    this.seen.draws.push(this.ctx.random('alpha').next(), this.ctx.random('beta').int(1_000));
    for (const p of this.peers) this.ctx.send(p, this.ctx.nowUs, 100);
    if (this.ctx.nowUs < 200 * MILLISECOND) this.ctx.setTimer(1 + this.ctx.random('alpha').int(5 * MILLISECOND));
  }
  onMessage(_from: NodeId, sentUs: number): void {
    this.seen.delays.push(this.ctx.nowUs - sentUs);
  }
}

interface Extra {
  before: boolean;
  region: string;
  peers: number[];
}

function build(seed: number, extras: Extra[], extraProcess: boolean) {
  const sim = new Simulation({ seed, network: { link: { jitterUs: 300, lossProbability: 0.1 } } });
  const a: Observed = { draws: [], delays: [] };
  const b: Observed = { draws: [], delays: [] };
  const extraName = (i: number) => `x${i}`;
  const addExtra = (e: Extra, i: number) => {
    const seen: Observed = { draws: [], delays: [] };
    const peers = e.peers.map((p) => extraName(p % extras.length));
    sim.addNode({
      name: extraName(i),
      region: e.region,
      group: 'extra',
      process: (ctx) => new Drawer(ctx, peers, seen),
    });
  };
  extras.forEach((e, i) => e.before && addExtra(e, i));
  sim.addNode({ name: 'a', region: 'east', process: (ctx) => new Drawer(ctx, ['b'], a) });
  sim.addNode({ name: 'b', region: 'west', process: (ctx) => new Drawer(ctx, ['a'], b) });
  extras.forEach((e, i) => !e.before && addExtra(e, i));
  startFaultProcess(sim, {
    kind: 'crash-restart',
    name: 'churn',
    nodes: ['a', 'b'],
    mtbfUs: 50 * MILLISECOND,
    mttrUs: 5 * MILLISECOND,
    endUs: 150 * MILLISECOND,
  });
  if (extraProcess && extras.length > 0) {
    startFaultProcess(sim, {
      kind: 'random-kill',
      name: 'chaos',
      nodes: 'extra',
      meanIntervalUs: 20 * MILLISECOND,
      downUs: { type: 'constant', value: MILLISECOND },
    });
  }
  const result = sim.run({ untilUs: SECOND });
  const faultsOf = (name: string) => result.faults.filter((f) => f.nodes.includes(name));
  return { a, b, faultsA: faultsOf('a'), faultsB: faultsOf('b'), result };
}

describe('stream independence', () => {
  it('adding nodes and fault processes leaves existing nodes’ draws, pair latencies and fault times unchanged', () => {
    const extraArb = fc.record({
      before: fc.boolean(),
      region: fc.constantFrom('east', 'west', 'south'),
      peers: fc.array(fc.nat(), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(extraArb, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (seed, extras, extraProcess) => {
          const base = build(seed, [], false);
          const grown = build(seed, extras, extraProcess);
          expect(base.a.draws.length).toBeGreaterThan(0);
          expect(base.a.delays.length).toBeGreaterThan(0);
          expect(grown.a).toEqual(base.a);
          expect(grown.b).toEqual(base.b);
          expect(grown.faultsA).toEqual(base.faultsA);
          expect(grown.faultsB).toEqual(base.faultsB);
          expect(grown.result.traceHash).not.toBe(base.result.traceHash);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('a model’s stream named "network" is neither the link’s stream nor able to shift its delays', () => {
    const run = (drawNetwork: boolean) => {
      const sim = new Simulation({ seed: 3 });
      const drawn: number[] = [];
      const delays: number[] = [];
      sim.addNode({
        name: 'a',
        process: (ctx) => ({
          onStart: () => ctx.setTimer(MILLISECOND),
          onTimer: () => {
            if (drawNetwork) drawn.push(Math.ceil(ctx.random('network').next() * SECOND));
            ctx.send(ctx.lookup('b'), ctx.nowUs);
            if (ctx.nowUs < 50 * MILLISECOND) ctx.setTimer(MILLISECOND);
          },
          onMessage: () => {},
        }),
      });
      sim.addNode({
        name: 'b',
        process: (ctx) => ({ onMessage: (_f: NodeId, sentUs: number) => delays.push(ctx.nowUs - sentUs) }),
      });
      // One uniform draw per message, so a shared stream would make delays equal the model's draws.
      sim.setLink('a', 'b', { latencyUs: { type: 'uniform', min: 0, max: SECOND } });
      sim.run();
      return { drawn, delays };
    };
    const quiet = run(false);
    const noisy = run(true);
    expect(quiet.delays).toHaveLength(50);
    expect(noisy.delays).toEqual(quiet.delays);
    expect(noisy.drawn.filter((d, i) => d === quiet.delays[i]).length).toBeLessThan(3);
  });

  it('streams depend on the seed, the node name and the purpose', () => {
    const draw = (seed: number | string, node: string, purpose: string) => {
      const sim = new Simulation({ seed });
      const id = sim.addNode({ name: node, process: () => ({ onMessage: () => {} }) });
      return sim.context(id).random(purpose).next();
    };
    const ref = draw(1, 'a', 'p');
    expect(draw(1, 'a', 'p')).toBe(ref);
    expect(draw(2, 'a', 'p')).not.toBe(ref);
    expect(draw('1', 'a', 'p')).not.toBe(ref);
    expect(draw(1, 'b', 'p')).not.toBe(ref);
    expect(draw(1, 'a', 'q')).not.toBe(ref);
  });

  it('a node’s stream for a purpose is one continuing sequence across crashes', () => {
    const sim = new Simulation({ seed: 5 });
    const got: number[] = [];
    const id = sim.addNode({
      name: 'a',
      process: (ctx) => ({ onStart: () => got.push(ctx.random('p').next()), onMessage: () => {} }),
    });
    sim.at(10, () => sim.crash(id));
    sim.at(20, () => sim.restart(id));
    sim.run();
    const fresh = new Simulation({ seed: 5 });
    const fid = fresh.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
    const stream = fresh.context(fid).random('p');
    expect(got).toEqual([stream.next(), stream.next()]);
  });
});
