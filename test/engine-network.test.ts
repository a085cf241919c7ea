import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  SECOND,
  Simulation,
  type DistributionSpec,
  type LinkSpec,
  type NetworkConfig,
  type NodeId,
} from '../engine/index.js';

interface Msg {
  id: number;
  sentUs: number;
}

interface Delivery {
  id: number;
  from: NodeId;
  to: NodeId;
  sentUs: number;
  atUs: number;
  sizeBytes: number;
}

/** Nodes that only record what reaches them; traffic is injected with `send`. */
function recorders(sim: Simulation, nodes: { name: string; region?: string }[]): Delivery[] {
  const log: Delivery[] = [];
  for (const spec of nodes) {
    sim.addNode({
      ...spec,
      process: (ctx) => ({
        onMessage: (from: NodeId, m: Msg, sizeBytes: number) =>
          log.push({ id: m.id, from, to: ctx.id, sentUs: m.sentUs, atUs: ctx.nowUs, sizeBytes }),
      }),
    });
  }
  return log;
}

let nextId = 0;
function send(sim: Simulation, from: string, to: string, sizeBytes = 0): number {
  const id = nextId++;
  sim.context(sim.nodeId(from)).send(sim.nodeId(to), { id, sentUs: sim.nowUs } satisfies Msg, sizeBytes);
  return id;
}

/** The smallest value a distribution can produce, with negative draws clamped to 0 as links do. */
function floorOf(spec: DistributionSpec): number {
  switch (spec.type) {
    case 'constant':
      return Math.max(0, spec.value);
    case 'uniform':
      return Math.max(0, spec.min);
    case 'pareto':
      return spec.scale;
    default:
      return 0;
  }
}

const latencyArb: fc.Arbitrary<DistributionSpec> = fc.oneof(
  fc.integer({ min: 0, max: 20_000 }).map((value) => ({ type: 'constant', value }) as const),
  fc
    .tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20_000 }))
    .map(([min, width]) => ({ type: 'uniform', min, max: min + width }) as const),
  fc.integer({ min: 10, max: 5_000 }).map((mean) => ({ type: 'exponential', mean }) as const),
  fc
    .tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 5_000 }))
    .map(([mean, stddev]) => ({ type: 'normal', mean, stddev }) as const),
  fc
    .tuple(fc.integer({ min: 1, max: 5_000 }), fc.double({ min: 0.5, max: 4, noNaN: true }))
    .map(([scale, shape]) => ({ type: 'pareto', scale, shape }) as const),
);

const REGIONS = ['east', 'west', 'north'];

describe('minimum latency', () => {
  it('no message arrives before its send time plus the minimum of its link latency', () => {
    const linkArb: fc.Arbitrary<LinkSpec> = fc.record(
      {
        latencyUs: latencyArb,
        jitterUs: fc.integer({ min: 0, max: 5_000 }),
        duplicateProbability: fc.double({ min: 0, max: 0.5, noNaN: true }),
        bandwidthBitsPerSec: fc.integer({ min: 1_000_000, max: 1_000_000_000 }),
        fifo: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const rttArb = latencyArb.filter((d) => d.type === 'constant' || d.type === 'uniform');
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((n) =>
          fc.record({
            regions: fc.array(fc.constantFrom(...REGIONS), { minLength: n, maxLength: n }),
            config: fc.record(
              {
                sameRegionRttUs: rttArb,
                crossRegionRttUs: rttArb,
                regionRtts: fc.constant([
                  { between: ['east', 'west'] as const, rttUs: { type: 'uniform', min: 2_000, max: 4_000 } as const },
                ]),
                link: fc.record({ jitterUs: fc.integer({ min: 0, max: 1_000 }) }, { requiredKeys: [] }),
              },
              { requiredKeys: [] },
            ),
            overrides: fc.array(
              fc.record({
                from: fc.integer({ min: 0, max: n - 1 }),
                to: fc.integer({ min: 0, max: n - 1 }),
                spec: linkArb,
                bothWays: fc.boolean(),
              }),
              { maxLength: 6 },
            ),
            sends: fc.array(
              fc.record({
                at: fc.integer({ min: 0, max: 100 * MILLISECOND }),
                from: fc.integer({ min: 0, max: n - 1 }),
                to: fc.integer({ min: 0, max: n - 1 }),
                size: fc.integer({ min: 0, max: 5_000 }),
              }),
              { minLength: 1, maxLength: 80 },
            ),
          }),
        ),
        fc.integer(),
        ({ regions, config, overrides, sends }, seed) => {
          const sim = new Simulation({ seed, network: config as NetworkConfig });
          const names = regions.map((_, i) => `n${i}`);
          const log = recorders(
            sim,
            names.map((name, i) => ({ name, region: regions[i] })),
          );
          // The oracle: the last override of a pair wins; without latencyUs it keeps the region's RTT / 2.
          const regionFloor = (a: string, b: string): number => {
            if (config.regionRtts !== undefined && ((a === 'east' && b === 'west') || (a === 'west' && b === 'east')))
              return 1_000;
            const rtt =
              a === b
                ? (config.sameRegionRttUs ?? { type: 'uniform', min: 500, max: 1_000 })
                : (config.crossRegionRttUs ?? { type: 'uniform', min: 50_000, max: 100_000 });
            return floorOf(rtt) / 2;
          };
          const floor = (from: number, to: number): number => {
            let f = regionFloor(regions[from], regions[to]);
            for (const o of overrides) {
              if ((o.from === from && o.to === to) || (o.bothWays && o.from === to && o.to === from)) {
                f =
                  o.spec.latencyUs !== undefined ? floorOf(o.spec.latencyUs) : regionFloor(regions[from], regions[to]);
              }
            }
            return f;
          };
          for (const o of overrides) sim.setLink(names[o.from], names[o.to], o.spec, o.bothWays);
          for (const s of sends) sim.at(s.at, () => send(sim, names[s.from], names[s.to], s.size));
          const result = sim.run();
          expect(result.messages.delivered).toBe(log.length);
          expect(log.length).toBeGreaterThanOrEqual(sends.length);
          for (const d of log) {
            expect(d.atUs - d.sentUs).toBeGreaterThanOrEqual(floor(d.from, d.to));
            expect(Number.isInteger(d.atUs)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('same-region one-way delays lie in [250, 500] µs by default (RTT U(500, 1000) µs)', () => {
    const sim = new Simulation({ seed: 11 });
    const log = recorders(sim, [
      { name: 'a', region: 'x' },
      { name: 'b', region: 'x' },
    ]);
    for (let i = 0; i < 500; i++) sim.at(i * MILLISECOND, () => send(sim, 'a', 'b'));
    sim.run();
    const delays = log.map((d) => d.atUs - d.sentUs);
    expect(delays).toHaveLength(500);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...delays)).toBeLessThanOrEqual(500);
    expect(Math.min(...delays)).toBeLessThan(260);
    expect(Math.max(...delays)).toBeGreaterThan(490);
  });

  it('cross-region one-way delays lie in [25, 50] ms by default (RTT U(50, 100) ms)', () => {
    const sim = new Simulation({ seed: 12 });
    const log = recorders(sim, [
      { name: 'a', region: 'x' },
      { name: 'b', region: 'y' },
    ]);
    for (let i = 0; i < 500; i++) sim.at(i * MILLISECOND, () => send(sim, 'b', 'a'));
    sim.run();
    const delays = log.map((d) => d.atUs - d.sentUs);
    expect(delays).toHaveLength(500);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(25 * MILLISECOND);
    expect(Math.max(...delays)).toBeLessThanOrEqual(50 * MILLISECOND);
    expect(Math.min(...delays)).toBeLessThan(26 * MILLISECOND);
    expect(Math.max(...delays)).toBeGreaterThan(49 * MILLISECOND);
  });

  it('a region RTT matrix entry sets one-way delay to half its round trip, symmetrically', () => {
    const sim = new Simulation({
      seed: 1,
      network: { regionRtts: [{ between: ['x', 'y'], rttUs: { type: 'constant', value: 10_000 } }] },
    });
    const log = recorders(sim, [
      { name: 'a', region: 'x' },
      { name: 'b', region: 'y' },
      { name: 'c', region: 'z' },
    ]);
    send(sim, 'a', 'b');
    send(sim, 'b', 'a');
    send(sim, 'a', 'c');
    sim.run();
    const delay = (from: string, to: string) =>
      log.find((d) => d.from === sim.nodeId(from) && d.to === sim.nodeId(to))!.atUs;
    expect(delay('a', 'b')).toBe(5_000);
    expect(delay('b', 'a')).toBe(5_000);
    expect(delay('a', 'c')).toBeGreaterThanOrEqual(25_000);
  });

  it('setLink overrides one direction only unless bothWays', () => {
    const sim = new Simulation({ seed: 1, network: { sameRegionRttUs: { type: 'constant', value: 2_000 } } });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 7_000 } });
    sim.setLink('a', 'c', { latencyUs: { type: 'constant', value: 3_000 } }, true);
    for (const [f, t] of [
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'c'],
      ['c', 'a'],
      ['b', 'c'],
    ])
      send(sim, f, t);
    sim.run();
    const at = (f: string, t: string) => log.find((d) => d.from === sim.nodeId(f) && d.to === sim.nodeId(t))!.atUs;
    expect([at('a', 'b'), at('b', 'a'), at('a', 'c'), at('c', 'a'), at('b', 'c')]).toEqual([
      7_000, 1_000, 3_000, 3_000, 1_000,
    ]);
  });

  it('an override without latencyUs keeps the region latency', () => {
    const sim = new Simulation({ seed: 1, network: { crossRegionRttUs: { type: 'constant', value: 60_000 } } });
    const log = recorders(sim, [
      { name: 'a', region: 'x' },
      { name: 'b', region: 'y' },
    ]);
    sim.setLink('a', 'b', { fifo: true });
    send(sim, 'a', 'b');
    sim.run();
    expect(log[0].atUs).toBe(30_000);
  });

  it('constant latency plus jitter stays within [latency, latency + jitter]', () => {
    const sim = new Simulation({ seed: 5 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 1_000 }, jitterUs: 400 });
    for (let i = 0; i < 300; i++) sim.at(i * 10, () => send(sim, 'a', 'b'));
    sim.run();
    const delays = log.map((d) => d.atUs - d.sentUs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1_400);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it('invalid link specs are refused', () => {
    const sim = new Simulation({ seed: 1 });
    recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    expect(() => sim.setLink('a', 'b', { lossProbability: 1.5 })).toThrow(RangeError);
    expect(() => sim.setLink('a', 'b', { bandwidthBitsPerSec: 0 })).toThrow(RangeError);
    expect(() => sim.setLink('a', 'b', { jitterUs: -1 })).toThrow(RangeError);
    expect(() => sim.setLink('a', 'nobody', {})).toThrow(RangeError);
  });
});

describe('FIFO links', () => {
  it('a fifo link delivers in send order whatever its latency distribution, jitter and bandwidth', () => {
    fc.assert(
      fc.property(
        latencyArb,
        fc.integer({ min: 0, max: 10_000 }),
        fc.option(fc.integer({ min: 100_000, max: 100_000_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 * MILLISECOND }), fc.integer({ min: 0, max: 3_000 })), {
          minLength: 2,
          maxLength: 60,
        }),
        fc.integer(),
        (latencyUs, jitterUs, bandwidthBitsPerSec, duplicateProbability, sends, seed) => {
          const sim = new Simulation({ seed });
          const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
          sim.setLink('a', 'b', { latencyUs, jitterUs, bandwidthBitsPerSec, duplicateProbability, fifo: true });
          const order: number[] = [];
          for (const [at, size] of sends) sim.at(at, () => order.push(send(sim, 'a', 'b', size)));
          sim.run();
          const ids = log.map((d) => d.id);
          expect([...new Set(ids)]).toEqual(order);
          for (let i = 1; i < ids.length; i++)
            expect(order.indexOf(ids[i])).toBeGreaterThanOrEqual(order.indexOf(ids[i - 1]));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('without fifo a wide-latency link reorders messages (fixed seed)', () => {
    const sim = new Simulation({ seed: 9 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'uniform', min: 1_000, max: 20_000 } });
    const order: number[] = [];
    for (let i = 0; i < 50; i++) sim.at(i * 100, () => order.push(send(sim, 'a', 'b')));
    sim.run();
    expect(log.map((d) => d.id)).not.toEqual(order);
    expect(log.map((d) => d.id).sort((x, y) => x - y)).toEqual(order);
  });

  it('reorderProbability 1 holds every message back by reorderDelayUs, even on a fifo link', () => {
    const sim = new Simulation({ seed: 1 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', {
      latencyUs: { type: 'constant', value: 1_000 },
      fifo: true,
      reorderProbability: 1,
      reorderDelayUs: 5_000,
    });
    for (let i = 0; i < 5; i++) sim.at(i * 10, () => send(sim, 'a', 'b'));
    sim.run();
    expect(log.map((d) => d.atUs - d.sentUs)).toEqual([6_000, 6_000, 6_000, 6_000, 6_000]);
  });
});

describe('bandwidth', () => {
  it('1250-byte messages on a 1 Mbit/s link take 10 ms each to serialize and queue back to back', () => {
    const sim = new Simulation({ seed: 1 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 1_000 }, bandwidthBitsPerSec: 1_000_000 });
    for (let i = 0; i < 5; i++) send(sim, 'a', 'b', 1_250);
    sim.run();
    expect(log.map((d) => d.atUs)).toEqual([11_000, 21_000, 31_000, 41_000, 51_000]);
  });

  it('a message sent after the link drained does not queue', () => {
    const sim = new Simulation({ seed: 1 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 1_000 }, bandwidthBitsPerSec: 1_000_000 });
    send(sim, 'a', 'b', 1_250);
    sim.at(50 * MILLISECOND, () => send(sim, 'a', 'b', 1_250));
    sim.at(55 * MILLISECOND, () => send(sim, 'a', 'b', 125));
    sim.run();
    expect(log.map((d) => d.atUs)).toEqual([11_000, 61_000, 62_000]);
  });

  it('serialization delay is per direction: the reverse link is not queued behind it', () => {
    const sim = new Simulation({ seed: 1 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 1_000 }, bandwidthBitsPerSec: 1_000_000 }, true);
    send(sim, 'a', 'b', 12_500);
    send(sim, 'b', 'a', 1_250);
    sim.run();
    expect(log.map((d) => [d.to, d.atUs])).toEqual([
      [0, 11_000],
      [1, 101_000],
    ]);
  });

  it('every message waits at least its size / bandwidth beyond the latency floor', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 100_000, max: 10_000_000 }),
        (sizes, bps) => {
          const sim = new Simulation({ seed: 1 });
          const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
          sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 500 }, bandwidthBitsPerSec: bps });
          for (const size of sizes) send(sim, 'a', 'b', size);
          sim.run();
          // Back-to-back at t=0: the k-th finishes serializing after the first k sizes.
          let busy = 0;
          log.forEach((d, k) => {
            busy += (sizes[k] * 8 * SECOND) / bps;
            expect(d.sizeBytes).toBe(sizes[k]);
            expect(d.atUs).toBe(Math.ceil(busy + 500));
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('loss and duplication', () => {
  it('lossProbability 1 drops everything, counted as droppedByLoss', () => {
    const sim = new Simulation({ seed: 1 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { lossProbability: 1 });
    for (let i = 0; i < 10; i++) send(sim, 'a', 'b');
    send(sim, 'b', 'a');
    const r = sim.run();
    expect(log).toHaveLength(1);
    expect(r.messages).toMatchObject({ sent: 11, delivered: 1, droppedByLoss: 10 });
  });

  it('lossProbability 0.3 drops about 30% (fixed seed)', () => {
    const sim = new Simulation({ seed: 3 });
    recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { lossProbability: 0.3 });
    const n = 4_000;
    for (let i = 0; i < n; i++) sim.at(i, () => send(sim, 'a', 'b'));
    const r = sim.run();
    const se = Math.sqrt((0.3 * 0.7) / n);
    expect(Math.abs(r.messages.droppedByLoss / n - 0.3)).toBeLessThan(5 * se);
    expect(r.messages.delivered + r.messages.droppedByLoss).toBe(n);
  });

  it('duplicateProbability 1 delivers every message twice, each copy with its own delay', () => {
    const sim = new Simulation({ seed: 2 });
    const log = recorders(sim, [{ name: 'a' }, { name: 'b' }]);
    sim.setLink('a', 'b', { latencyUs: { type: 'uniform', min: 1_000, max: 9_000 }, duplicateProbability: 1 });
    for (let i = 0; i < 20; i++) send(sim, 'a', 'b');
    const r = sim.run();
    expect(r.messages).toMatchObject({ sent: 20, duplicated: 20, delivered: 40 });
    const byId = new Map<number, number[]>();
    for (const d of log) byId.set(d.id, [...(byId.get(d.id) ?? []), d.atUs]);
    expect([...byId.values()].every((times) => times.length === 2)).toBe(true);
    expect([...byId.values()].some(([x, y]) => x !== y)).toBe(true);
  });
});
