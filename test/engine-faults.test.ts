import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  SECOND,
  Simulation,
  scheduleFaults,
  startFaultProcess,
  type FaultAction,
  type FaultRecord,
  type NodeContext,
  type NodeId,
  type Process,
} from '../engine/index.js';

const idle = (): Process => ({ onMessage: () => {} });

interface Delivery {
  from: NodeId;
  to: NodeId;
  sentUs: number;
  atUs: number;
}

/** n recorder nodes on constant 1 ms one-way links; returns a function that sends now. */
function net(n: number, seed = 1, groups: string[] = []) {
  const sim = new Simulation({ seed, network: { sameRegionRttUs: { type: 'constant', value: 2_000 } } });
  const log: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    sim.addNode({
      name: `n${i}`,
      group: groups[i],
      process: (ctx) => ({
        onMessage: (from: NodeId, sentUs: number) => log.push({ from, to: ctx.id, sentUs, atUs: ctx.nowUs }),
      }),
    });
  }
  const send = (from: number, to: number) => sim.context(from).send(to, sim.nowUs);
  return { sim, log, send };
}

describe('fault timelines', () => {
  it('apply each action at its time, undo it after forUs, and record it with node names', () => {
    const { sim } = net(4, 1, ['db', 'web', 'web', 'db']);
    scheduleFaults(sim, [
      { atUs: 1_000, action: { kind: 'crash', nodes: 'web', forUs: 2_000 } },
      { atUs: 2_000, action: { kind: 'pause', nodes: 'n3', forUs: 1_000 } },
      { atUs: 4_000, action: { kind: 'partition', shape: { type: 'isolate', node: 'n0' }, forUs: 1_000 } },
      { atUs: 6_000, action: { kind: 'degrade', id: 'slow', from: 'n0', to: 'n1', latencyFactor: 10, forUs: 1_000 } },
      { atUs: 8_000, action: { kind: 'degrade', id: 'lossy', to: 'db', lossProbability: 0.5, extraLatencyUs: 7 } },
      { atUs: 9_000, action: { kind: 'restore-links' } },
    ]);
    const states: string[] = [];
    for (const t of [999, 1_000, 2_500, 3_001, 3_500]) {
      sim.at(t, () =>
        states.push([0, 1, 2, 3].map((id) => (sim.isUp(id) ? 'U' : sim.isPaused(id) ? 'P' : 'D')).join('')),
      );
    }
    const r = sim.run();
    expect(states).toEqual(['UUUU', 'UDDU', 'UDDP', 'UUUU', 'UUUU']);
    const expected: FaultRecord[] = [
      { timeUs: 1_000, kind: 'crash', nodes: ['n1'] },
      { timeUs: 1_000, kind: 'crash', nodes: ['n2'] },
      { timeUs: 2_000, kind: 'pause', nodes: ['n3'] },
      { timeUs: 3_000, kind: 'restart', nodes: ['n1'] },
      { timeUs: 3_000, kind: 'restart', nodes: ['n2'] },
      { timeUs: 3_000, kind: 'resume', nodes: ['n3'] },
      { timeUs: 4_000, kind: 'partition', nodes: ['n0', 'n1', 'n2', 'n3'], detail: 'isolate: {n0} | {n1,n2,n3}' },
      { timeUs: 5_000, kind: 'heal', nodes: [] },
      { timeUs: 6_000, kind: 'degrade', nodes: ['n0', 'n1'], detail: 'slow: x10' },
      { timeUs: 7_000, kind: 'restore-links', nodes: [], detail: 'slow' },
      { timeUs: 8_000, kind: 'degrade', nodes: ['n0', 'n3'], detail: 'lossy: x1, +7us, loss 0.5' },
      { timeUs: 9_000, kind: 'restore-links', nodes: [] },
    ];
    expect(r.faults).toEqual(expected);
  });

  it('unknown selectors and bad numbers throw when scheduled, before the run', () => {
    const { sim } = net(2, 1, ['g', 'g']);
    const bad: FaultAction[] = [
      { kind: 'crash', nodes: 'nobody' },
      { kind: 'pause', nodes: ['n0', 'typo'] },
      { kind: 'clock-jump', nodes: 'x', deltaUs: 1 },
      { kind: 'degrade', from: 'n0', to: 'nope' },
      { kind: 'degrade', lossProbability: 2 },
      { kind: 'degrade', latencyFactor: -1 },
      { kind: 'crash', nodes: 'n0', forUs: -5 },
      { kind: 'partition', shape: { type: 'one-way', from: 'n0', to: 'n9' } },
      { kind: 'partition', shape: { type: 'bridge', sideA: 'n0', bridge: 'zz', sideB: 'n1' } },
    ];
    for (const action of bad) expect(() => scheduleFaults(sim, [{ atUs: 10, action }])).toThrow(RangeError);
    expect(() =>
      startFaultProcess(sim, { kind: 'crash-restart', name: 'c', nodes: 'ghost', mtbfUs: 1, mttrUs: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      startFaultProcess(sim, {
        kind: 'random-kill',
        name: 'k',
        nodes: [],
        meanIntervalUs: 1,
        downUs: { type: 'constant', value: 1 },
      }),
    ).toThrow(RangeError);
    expect(sim.pending).toBe(2);
    expect(sim.run().faults).toEqual([]);
  });

  it('a timeline with one bad entry schedules none of it', () => {
    const { sim } = net(2);
    expect(() =>
      scheduleFaults(sim, [
        { atUs: 10, action: { kind: 'crash', nodes: 'n0' } },
        { atUs: 20, action: { kind: 'crash', nodes: 'nobody' } },
      ]),
    ).toThrow(RangeError);
    expect(sim.run().faults).toEqual([]);
  });
});

describe('link degradation', () => {
  it('latencyFactor 10 multiplies delays on matching links only, until restored', () => {
    const { sim, log, send } = net(3);
    scheduleFaults(sim, [
      {
        atUs: 10_000,
        action: { kind: 'degrade', from: 'n0', to: 'n1', latencyFactor: 10, extraLatencyUs: 0, forUs: 10_000 },
      },
    ]);
    const pairs: [number, number][] = [
      [0, 1],
      [1, 0],
      [0, 2],
      [2, 1],
    ];
    for (const t of [5_000, 15_000, 25_000]) sim.at(t, () => pairs.forEach(([f, to]) => send(f, to)));
    sim.run();
    const delays = (t: number) =>
      pairs.map(([f, to]) => log.find((d) => d.sentUs === t && d.from === f && d.to === to)!.atUs - t);
    expect(delays(5_000)).toEqual([1_000, 1_000, 1_000, 1_000]);
    expect(delays(15_000)).toEqual([10_000, 1_000, 1_000, 1_000]);
    expect(delays(25_000)).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('extraLatencyUs adds to every matching link, in either selector', () => {
    const { sim, log, send } = net(3);
    scheduleFaults(sim, [{ atUs: 0, action: { kind: 'degrade', to: 'n2', extraLatencyUs: 4_000 } }]);
    sim.at(1, () =>
      [
        [0, 2],
        [1, 2],
        [2, 0],
      ].forEach(([f, t]) => send(f, t)),
    );
    sim.run();
    expect(log.map((d) => [d.from, d.to, d.atUs - d.sentUs]).sort()).toEqual(
      [
        [0, 2, 5_000],
        [1, 2, 5_000],
        [2, 0, 1_000],
      ].sort(),
    );
  });

  it('lossProbability 0.5 drops about half of the matching traffic and none of the rest (fixed seed)', () => {
    const { sim, log, send } = net(3, 4);
    scheduleFaults(sim, [{ atUs: 0, action: { kind: 'degrade', from: 'n0', to: 'n1', lossProbability: 0.5 } }]);
    const n = 4_000;
    for (let i = 0; i < n; i++) {
      sim.at(i * 10, () => {
        send(0, 1);
        send(0, 2);
      });
    }
    const r = sim.run();
    const toB = log.filter((d) => d.to === 1).length;
    expect(log.filter((d) => d.to === 2)).toHaveLength(n);
    expect(r.messages.droppedByLoss).toBe(n - toB);
    expect(Math.abs(toB / n - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
  });

  it('two unnamed degradations applied at the same instant both take effect', () => {
    const { sim, log, send } = net(4);
    scheduleFaults(sim, [
      { atUs: 1_000, action: { kind: 'degrade', from: 'n0', to: 'n1', latencyFactor: 10, forUs: 50_000 } },
      { atUs: 1_000, action: { kind: 'degrade', from: 'n2', to: 'n3', latencyFactor: 10, forUs: 50_000 } },
    ]);
    sim.at(2_000, () => {
      send(0, 1);
      send(2, 3);
    });
    const r = sim.run();
    expect(log.map((d) => d.atUs - d.sentUs)).toEqual([10_000, 10_000]);
    expect(r.faults.map((f) => f.kind)).toEqual(['degrade', 'degrade', 'restore-links', 'restore-links']);
  });

  it('restore-links with an id lifts only that degradation', () => {
    const { sim, log, send } = net(3);
    scheduleFaults(sim, [
      { atUs: 0, action: { kind: 'degrade', id: 'x', to: 'n1', latencyFactor: 3 } },
      { atUs: 0, action: { kind: 'degrade', id: 'y', to: 'n2', latencyFactor: 5 } },
      { atUs: 1_000, action: { kind: 'restore-links', id: 'x' } },
    ]);
    sim.at(2_000, () => {
      send(0, 1);
      send(0, 2);
    });
    sim.run();
    expect(log.map((d) => [d.to, d.atUs - d.sentUs])).toEqual([
      [1, 1_000],
      [2, 5_000],
    ]);
  });
});

describe('random fault processes', () => {
  /** Total down time of each node over [0, horizon], from the fault records. */
  function downTime(faults: FaultRecord[], names: string[], horizon: number): number[] {
    return names.map((name) => {
      let total = 0;
      let since = -1;
      for (const f of faults) {
        if (!f.nodes.includes(name)) continue;
        if (f.kind === 'crash') {
          expect(since).toBe(-1);
          since = f.timeUs;
        } else if (f.kind === 'restart') {
          expect(since).toBeGreaterThanOrEqual(0);
          total += f.timeUs - since;
          since = -1;
        }
      }
      if (since >= 0) total += horizon - since;
      return total;
    });
  }

  it('crash-restart with MTBF 10 s and MTTR 2 s keeps nodes down about 1/6 of the time (fixed seed)', () => {
    const sim = new Simulation({ seed: 2024 });
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) sim.addNode({ name, group: 'g', process: idle });
    sim.addNode({ name: 'spared', process: idle });
    startFaultProcess(sim, {
      kind: 'crash-restart',
      name: 'churn',
      nodes: 'g',
      mtbfUs: 10 * SECOND,
      mttrUs: 2 * SECOND,
    });
    const horizon = 3_000 * SECOND;
    const r = sim.run({ untilUs: horizon });
    const down = downTime(r.faults, names, horizon);
    const fraction = down.reduce((x, y) => x + y, 0) / (names.length * horizon);
    expect(Math.abs(fraction - 2 / 12)).toBeLessThan(0.02);
    for (const d of down) expect(d / horizon).toBeGreaterThan(0.1);
    expect(r.faults.every((f) => !f.nodes.includes('spared'))).toBe(true);
  });

  it('crash-restart starts no failures after endUs', () => {
    const sim = new Simulation({ seed: 3 });
    sim.addNode({ name: 'a', process: idle });
    startFaultProcess(sim, {
      kind: 'crash-restart',
      name: 'churn',
      nodes: 'a',
      mtbfUs: 10 * MILLISECOND,
      mttrUs: MILLISECOND,
      startUs: 100 * MILLISECOND,
      endUs: 500 * MILLISECOND,
    });
    const r = sim.run();
    const crashes = r.faults.filter((f) => f.kind === 'crash').map((f) => f.timeUs);
    expect(crashes.length).toBeGreaterThan(10);
    expect(Math.min(...crashes)).toBeGreaterThanOrEqual(100 * MILLISECOND);
    expect(Math.max(...crashes)).toBeLessThanOrEqual(500 * MILLISECOND);
    expect(sim.isUp(0)).toBe(true);
  });

  it('random-kill kills only running selected nodes and restarts each after downUs', () => {
    const sim = new Simulation({ seed: 8 });
    const victims = ['v0', 'v1', 'v2'];
    for (const name of victims) sim.addNode({ name, group: 'victim', process: idle });
    for (const name of ['s0', 's1']) sim.addNode({ name, group: 'safe', process: idle });
    startFaultProcess(sim, {
      kind: 'random-kill',
      name: 'chaos',
      nodes: 'victim',
      meanIntervalUs: 10 * MILLISECOND,
      downUs: { type: 'constant', value: 25 * MILLISECOND },
    });
    const r = sim.run({ untilUs: 2 * SECOND });
    const crashes = r.faults.filter((f) => f.kind === 'crash');
    expect(crashes.length).toBeGreaterThan(50);
    for (const f of r.faults) expect(victims).toContain(f.nodes[0]);
    for (const v of victims) expect(crashes.some((f) => f.nodes[0] === v)).toBe(true);
    // Alternating crash/restart per node, each restart exactly 25 ms after its crash.
    for (const v of victims) {
      const mine = r.faults.filter((f) => f.nodes[0] === v);
      mine.forEach((f, i) => {
        expect(f.kind).toBe(i % 2 === 0 ? 'crash' : 'restart');
        if (i % 2 === 1) expect(f.timeUs - mine[i - 1].timeUs).toBe(25 * MILLISECOND);
      });
    }
  });
});

/** Gossips to random peers until `stopUs`. */
class Gossip implements Process<number> {
  constructor(
    private readonly ctx: NodeContext,
    private readonly n: number,
    private readonly stopUs: number,
  ) {}
  onStart(): void {
    this.ctx.setTimer(this.ctx.random('g').int(MILLISECOND));
  }
  onTimer(): void {
    if (this.ctx.nowUs >= this.stopUs) return;
    this.ctx.send(this.ctx.random('g').int(this.n), 0, 100);
    this.ctx.setTimer(1 + this.ctx.random('g').int(MILLISECOND));
  }
  onMessage(): void {}
}

describe('message accounting', () => {
  it('once traffic stops, every message sent (and every duplicate) was delivered or counted as dropped', () => {
    const n = 4;
    const sel = fc.constantFrom('n0', 'n1', 'n2', 'n3', '*');
    const forUs = fc.integer({ min: 0, max: 30 * MILLISECOND });
    const actionArb: fc.Arbitrary<FaultAction> = fc.oneof(
      fc.record({ kind: fc.constant('crash' as const), nodes: sel, forUs }),
      fc.record({ kind: fc.constant('pause' as const), nodes: sel, forUs }),
      fc.record({
        kind: fc.constant('partition' as const),
        shape: fc.constant({ type: 'majority-minority' as const, nodes: '*' }),
        forUs,
      }),
      fc.record({
        kind: fc.constant('degrade' as const),
        to: sel,
        lossProbability: fc.double({ min: 0, max: 1, noNaN: true }),
        forUs,
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ atUs: fc.integer({ min: 0, max: 100 * MILLISECOND }), action: actionArb }), {
          maxLength: 8,
        }),
        fc.integer(),
        (timeline, seed) => {
          const sim = new Simulation({ seed, network: { link: { lossProbability: 0.05, duplicateProbability: 0.1 } } });
          for (let i = 0; i < n; i++)
            sim.addNode({ name: `n${i}`, process: (ctx) => new Gossip(ctx, n, 100 * MILLISECOND) });
          scheduleFaults(sim, timeline);
          const m = sim.run().messages;
          expect(sim.pending).toBe(0);
          expect(m.sent + m.duplicated).toBe(
            m.delivered + m.droppedByPartition + m.droppedByLoss + m.droppedAtDownNode,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
