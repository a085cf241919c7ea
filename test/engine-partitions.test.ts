import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  Simulation,
  applyFault,
  bridge,
  isolate,
  majorityMinority,
  oneWay,
  ring,
  scheduleFaults,
  splitGroups,
  type NodeId,
  type PartitionShape,
} from '../engine/index.js';

const name = (i: number) => `n${i}`;

/** An independent statement of each shape: may traffic flow from node index `f` to `t`? */
function oracle(shape: PartitionShape, n: number): (f: number, t: number) => boolean {
  const idx = (names: readonly string[] | string) =>
    (typeof names === 'string' ? [names] : names).map((s) => Number(s.slice(1)));
  const within = (list: number[], x: number) => list.includes(x);
  switch (shape.type) {
    case 'groups': {
      const groups = shape.groups.map((g) => idx(g as string[]));
      const groupOf = (x: number) => groups.findIndex((g) => g.includes(x));
      return (f, t) => groupOf(f) < 0 || groupOf(t) < 0 || groupOf(f) === groupOf(t);
    }
    case 'majority-minority': {
      const nodes = idx(shape.nodes as string[]);
      const big = nodes.slice(0, Math.floor(nodes.length / 2) + 1);
      const small = nodes.filter((x) => !big.includes(x));
      return (f, t) => !((within(big, f) && within(small, t)) || (within(small, f) && within(big, t)));
    }
    case 'isolate': {
      const x = idx(shape.node)[0];
      const others = (
        shape.from === undefined ? Array.from({ length: n }, (_, i) => i) : idx(shape.from as string[])
      ).filter((y) => y !== x);
      return (f, t) => !((f === x && within(others, t)) || (t === x && within(others, f)));
    }
    case 'bridge': {
      const a = idx(shape.sideA as string[]);
      const b = idx(shape.sideB as string[]);
      return (f, t) => !((within(a, f) && within(b, t)) || (within(b, f) && within(a, t)));
    }
    case 'ring': {
      const nodes = idx(shape.nodes as string[]);
      const m = nodes.length;
      let reach = 1;
      while (!(2 * reach + 1 > m / 2)) reach++;
      return (f, t) => {
        const i = nodes.indexOf(f);
        const j = nodes.indexOf(t);
        if (i < 0 || j < 0) return true;
        const d = Math.abs(i - j);
        return Math.min(d, m - d) <= reach;
      };
    }
    case 'one-way': {
      const from = idx(shape.from as string[]);
      const to = idx(shape.to as string[]);
      return (f, t) => !(within(from, f) && within(to, t));
    }
  }
}

interface Case {
  n: number;
  shape: PartitionShape;
}

const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 2, max: 8 }).chain((n) =>
  fc
    .record({
      type: fc.constantFrom('groups', 'majority-minority', 'isolate', 'bridge', 'ring', 'one-way'),
      perm: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => name(i)),
        { minLength: n, maxLength: n },
      ),
      included: fc.integer({ min: 1, max: n }),
      k1: fc.nat(),
      k2: fc.nat(),
      allOthers: fc.boolean(),
    })
    .map(({ type, perm, included, k1, k2, allOthers }): Case => {
      const inc = perm.slice(0, type === 'ring' ? Math.max(3, included) : Math.max(2, included));
      const cut1 = k1 % (inc.length + 1);
      const cut2 = cut1 + (k2 % (inc.length - cut1 + 1));
      let shape: PartitionShape;
      switch (type) {
        case 'groups':
          shape = { type, groups: [inc.slice(0, cut1), inc.slice(cut1, cut2), inc.slice(cut2)] };
          break;
        case 'majority-minority':
          shape = { type, nodes: inc };
          break;
        case 'isolate':
          shape = allOthers ? { type, node: inc[0] } : { type, node: inc[0], from: inc.slice(1) };
          break;
        case 'bridge':
          shape = { type, sideA: inc.slice(1, Math.max(1, cut1)), bridge: inc[0], sideB: inc.slice(Math.max(1, cut1)) };
          break;
        case 'ring':
          shape = n >= 3 ? { type, nodes: inc } : { type: 'majority-minority', nodes: inc };
          break;
        default:
          shape = { type: 'one-way', from: inc.slice(0, cut1), to: inc.slice(cut1) };
      }
      return { n, shape };
    }),
);

/** Every node records the (from, to) pairs it receives; traffic is all-to-all at chosen times. */
function setup(n: number, seed: number) {
  const sim = new Simulation({ seed, network: { link: { jitterUs: 500 } } });
  const got: [number, NodeId, NodeId][] = [];
  for (let i = 0; i < n; i++) {
    sim.addNode({
      name: name(i),
      group: i % 2 ? 'odd' : 'even',
      process: (ctx) => ({ onMessage: (from: NodeId, round: number) => got.push([round, from, ctx.id]) }),
    });
  }
  const allToAll = (round: number) => {
    for (let f = 0; f < n; f++) for (let t = 0; t < n; t++) sim.context(f).send(t, round);
  };
  const pairs = (round: number) =>
    got
      .filter(([r]) => r === round)
      .map(([, f, t]) => `${f}>${t}`)
      .sort();
  return { sim, allToAll, pairs };
}

function expectedPairs(n: number, allowed: (f: number, t: number) => boolean): string[] {
  const out: string[] = [];
  for (let f = 0; f < n; f++) for (let t = 0; t < n; t++) if (allowed(f, t)) out.push(`${f}>${t}`);
  return out.sort();
}

describe('partitions', () => {
  it('drop exactly the directions the cut blocks, and everything flows after heal', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), fc.boolean(), ({ n, shape }, seed, healByForUs) => {
        const { sim, allToAll, pairs } = setup(n, seed);
        scheduleFaults(sim, [
          {
            atUs: MILLISECOND,
            action: healByForUs ? { kind: 'partition', shape, forUs: 99 * MILLISECOND } : { kind: 'partition', shape },
          },
          ...(healByForUs ? [] : [{ atUs: 100 * MILLISECOND, action: { kind: 'heal' as const } }]),
        ]);
        sim.at(2 * MILLISECOND, () => allToAll(1));
        sim.at(200 * MILLISECOND, () => allToAll(2));
        const r = sim.run();
        const allowed = oracle(shape, n);
        const during = expectedPairs(n, allowed);
        expect(pairs(1)).toEqual(during);
        expect(pairs(2)).toEqual(expectedPairs(n, () => true));
        expect(r.messages.droppedByPartition).toBe(n * n - during.length);
        expect(r.messages.delivered).toBe(during.length + n * n);
        expect(r.faults.map((f) => [f.kind, f.timeUs])).toEqual([
          ['partition', MILLISECOND],
          ['heal', 100 * MILLISECOND],
        ]);
        expect(r.faults[0].detail).toContain(shape.type);
      }),
      { numRuns: 150 },
    );
  });

  it('a one-way cut blocks only its direction', () => {
    const { sim, allToAll, pairs } = setup(3, 1);
    sim.partition(oneWay([0], [1]), 'test');
    allToAll(1);
    sim.run();
    expect(pairs(1)).not.toContain('0>1');
    expect(pairs(1)).toContain('1>0');
    expect(pairs(1)).toHaveLength(8);
  });

  it('group selectors resolve to their members', () => {
    const { sim, allToAll, pairs } = setup(4, 1);
    applyFault(sim, { kind: 'partition', shape: { type: 'groups', groups: ['even', 'odd'] } });
    allToAll(1);
    sim.run();
    expect(pairs(1)).toEqual(expectedPairs(4, (f, t) => f % 2 === t % 2));
  });

  it('the cut constructors agree with the oracle on node ids', () => {
    const ids = [0, 1, 2, 3, 4, 5, 6];
    const check = (cut: { blocks(f: number, t: number): boolean }, shape: PartitionShape) => {
      const allowed = oracle(shape, 8);
      for (let f = 0; f < 8; f++) for (let t = 0; t < 8; t++) expect(cut.blocks(f, t)).toBe(!allowed(f, t));
    };
    const names = (xs: number[]) => xs.map(name);
    check(
      splitGroups([
        [0, 1],
        [2, 3, 4],
      ]),
      { type: 'groups', groups: [names([0, 1]), names([2, 3, 4])] },
    );
    check(majorityMinority([6, 5, 4, 3, 2]), { type: 'majority-minority', nodes: names([6, 5, 4, 3, 2]) });
    check(isolate(3, ids), { type: 'isolate', node: 'n3', from: names(ids) });
    check(bridge([0, 1], 2, [3, 4]), { type: 'bridge', sideA: names([0, 1]), bridge: 'n2', sideB: names([3, 4]) });
    check(ring(ids), { type: 'ring', nodes: names(ids) });
    check(oneWay([0, 1], [5]), { type: 'one-way', from: names([0, 1]), to: names([5]) });
  });

  it('in a ring every node sees a majority and no two see the same set', () => {
    for (let m = 3; m <= 12; m++) {
      const cut = ring(Array.from({ length: m }, (_, i) => i));
      const views = Array.from({ length: m }, (_, f) =>
        Array.from({ length: m }, (_, t) => t).filter((t) => !cut.blocks(f, t)),
      );
      for (const v of views) expect(v.length).toBeGreaterThan(m / 2);
      if (m >= 4) expect(new Set(views.map((v) => v.join())).size).toBe(m);
    }
  });

  it('shapes that need more nodes, or list a node twice, are refused before the run', () => {
    const { sim } = setup(3, 1);
    expect(() =>
      scheduleFaults(sim, [{ atUs: 0, action: { kind: 'partition', shape: { type: 'ring', nodes: ['n0', 'n1'] } } }]),
    ).toThrow(RangeError);
    expect(() =>
      scheduleFaults(sim, [
        { atUs: 0, action: { kind: 'partition', shape: { type: 'majority-minority', nodes: 'n0' } } },
      ]),
    ).toThrow(RangeError);
    expect(() =>
      scheduleFaults(sim, [
        { atUs: 0, action: { kind: 'partition', shape: { type: 'groups', groups: [['n0', 'n1'], ['n1']] } } },
      ]),
    ).toThrow(RangeError);
    expect(() =>
      scheduleFaults(sim, [{ atUs: 0, action: { kind: 'partition', shape: { type: 'isolate', node: 'nobody' } } }]),
    ).toThrow(RangeError);
    expect(sim.pending).toBe(3);
  });

  it("a partition's forUs does not heal a later partition that replaced it", () => {
    const { sim, allToAll, pairs } = setup(4, 1);
    scheduleFaults(sim, [
      { atUs: 0, action: { kind: 'partition', shape: { type: 'isolate', node: 'n0' }, forUs: 10 * MILLISECOND } },
      { atUs: 5 * MILLISECOND, action: { kind: 'partition', shape: { type: 'isolate', node: 'n3' } } },
    ]);
    sim.at(20 * MILLISECOND, () => allToAll(1));
    const r = sim.run();
    expect(pairs(1)).toEqual(expectedPairs(4, (f, t) => (f === 3) === (t === 3)));
    expect(r.faults.map((f) => f.kind)).toEqual(['partition', 'partition']);
  });
});
