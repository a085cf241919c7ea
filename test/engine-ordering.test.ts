import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  SECOND,
  Simulation,
  scheduleFaults,
  type NodeContext,
  type NodeId,
  type Process,
  type TimedFault,
} from '../engine/index.js';

/** Sends to random peers at random times and checks, in every handler, that time never goes back. */
class Chatter implements Process<number> {
  constructor(
    private readonly ctx: NodeContext,
    private readonly n: number,
    private readonly seen: number[],
  ) {}

  onStart(): void {
    this.seen.push(this.ctx.nowUs);
    this.ctx.setTimer(this.ctx.random('chat').int(5 * MILLISECOND));
  }

  onTimer(): void {
    this.seen.push(this.ctx.nowUs);
    const rng = this.ctx.random('chat');
    this.ctx.send(rng.int(this.n), this.ctx.nowUs, rng.int(3_000));
    this.ctx.setTimer(rng.int(5 * MILLISECOND));
  }

  onMessage(_from: NodeId, sentUs: number): void {
    this.seen.push(this.ctx.nowUs);
    expect(this.ctx.nowUs).toBeGreaterThanOrEqual(sentUs);
  }
}

const faultArb = (n: number) =>
  fc.record({
    atUs: fc.integer({ min: 0, max: 300 * MILLISECOND }),
    action: fc.oneof(
      fc.record({
        kind: fc.constant('crash' as const),
        nodes: fc.constant(`n${n - 1}`),
        forUs: fc.integer({ min: 0, max: 50 * MILLISECOND }),
      }),
      fc.record({
        kind: fc.constant('pause' as const),
        nodes: fc.constant('n0'),
        forUs: fc.integer({ min: 0, max: 50 * MILLISECOND }),
      }),
      fc.record({ kind: fc.constant('resume' as const), nodes: fc.constant('*') }),
      fc.record({
        kind: fc.constant('clock-jump' as const),
        nodes: fc.constant('*'),
        deltaUs: fc.integer({ min: -SECOND, max: SECOND }),
      }),
      fc.record({
        kind: fc.constant('clock-drift' as const),
        nodes: fc.constant('n0'),
        driftPpm: fc.integer({ min: -900_000, max: 900_000 }),
      }),
    ),
  }) as fc.Arbitrary<TimedFault>;

describe('no event in the past', () => {
  it('the observer sees consecutive indices and non-decreasing times, and handlers never see time go back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.array(faultArb(n), { maxLength: 10 }))),
        fc.integer(),
        fc.constantFrom<'typed' | 'heap'>('typed', 'heap'),
        ([n, timeline], seed, queue) => {
          const sim = new Simulation({
            seed,
            queue,
            network: { link: { jitterUs: 3_000, duplicateProbability: 0.1, reorderProbability: 0.1 } },
          });
          const seen: number[][] = [];
          for (let i = 0; i < n; i++) {
            const mine: number[] = [];
            seen.push(mine);
            sim.addNode({ name: `n${i}`, region: i % 2 ? 'a' : 'b', process: (ctx) => new Chatter(ctx, n, mine) });
          }
          scheduleFaults(sim, timeline);
          const times: number[] = [];
          const indices: number[] = [];
          sim.addObserver({
            onEvent(index, timeUs) {
              indices.push(index);
              times.push(timeUs);
            },
          });
          const result = sim.run({ untilUs: 400 * MILLISECOND });
          expect(indices).toEqual(times.map((_, i) => i));
          expect(result.events).toBe(times.length);
          for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
          for (const t of times) expect(Number.isInteger(t)).toBe(true);
          for (const mine of seen)
            for (let i = 1; i < mine.length; i++) expect(mine[i]).toBeGreaterThanOrEqual(mine[i - 1]);
          expect(times.at(-1)!).toBeLessThanOrEqual(400 * MILLISECOND);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('sim.at() before the current time throws, at the current time it runs', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: number[] = [];
    sim.at(100, () => {
      expect(() => sim.at(99, () => ran.push(-1))).toThrow(RangeError);
      sim.at(100, () => ran.push(sim.nowUs));
    });
    sim.run();
    expect(ran).toEqual([100]);
    expect(() => sim.at(50, () => {})).toThrow(RangeError);
    expect(() => sim.at(NaN, () => {})).toThrow(RangeError);
  });

  it('after run({untilUs}) the clock reads untilUs and earlier times are refused', () => {
    const sim = new Simulation({ seed: 1 });
    const result = sim.run({ untilUs: 5 * SECOND });
    expect(result.simulatedUs).toBe(5 * SECOND);
    expect(() => sim.at(5 * SECOND - 1, () => {})).toThrow(RangeError);
  });

  it('run({untilUs}) stops before later events and a second run continues them', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: number[] = [];
    for (const t of [10, 20, 30]) sim.at(t, () => ran.push(t));
    sim.run({ untilUs: 20 });
    expect(ran).toEqual([10, 20]);
    sim.run();
    expect(ran).toEqual([10, 20, 30]);
  });
});

/** Sets the given timers in onStart and records the tags in firing order. */
class TimerSetter implements Process {
  fired: number[] = [];
  constructor(
    private readonly ctx: NodeContext,
    private readonly delays: number[],
  ) {}
  onStart(): void {
    this.delays.forEach((d, tag) => this.ctx.setTimer(d, tag));
  }
  onTimer(tag: number): void {
    this.fired.push(tag);
  }
  onMessage(): void {}
}

describe('FIFO among equal times', () => {
  it('timers due at the same instant fire in the order they were set (stable by due time)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 1_000, 2_000), { minLength: 1, maxLength: 60 }),
        fc.constantFrom<'typed' | 'heap'>('typed', 'heap'),
        (delays, queue) => {
          const sim = new Simulation({ seed: 3, queue });
          const id = sim.addNode({ name: 'a', process: (ctx) => new TimerSetter(ctx, delays) });
          sim.run();
          const expected = delays
            .map((d, tag) => ({ d, tag }))
            .sort((x, y) => x.d - y.d)
            .map((x) => x.tag);
          expect((sim.process(id) as TimerSetter).fired).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a timer set earlier fires before one set later for the same instant', () => {
    const order: string[] = [];
    const sim = new Simulation({ seed: 1 });
    sim.addNode({
      name: 'a',
      process: (ctx) => ({
        onStart: () => {
          ctx.setTimer(10 * MILLISECOND, 1);
          ctx.setTimer(5 * MILLISECOND, 2);
        },
        onTimer: (tag: number) => {
          order.push(`${tag}@${ctx.nowUs}`);
          if (tag === 2) ctx.setTimer(5 * MILLISECOND, 3);
        },
        onMessage: () => {},
      }),
    });
    sim.run();
    expect(order).toEqual(['2@5000', '1@10000', '3@10000']);
  });

  it('messages sent in one handler over a constant-latency link arrive in send order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer(),
        (count, latency, seed) => {
          const sim = new Simulation({ seed });
          const got: [number, number][] = [];
          const a = sim.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
          const b = sim.addNode({
            name: 'b',
            process: (ctx) => ({ onMessage: (_f: NodeId, m: number) => got.push([m, ctx.nowUs]) }),
          });
          sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: latency } });
          sim.at(7, () => {
            for (let i = 0; i < count; i++) sim.context(a).send(b, i);
          });
          sim.run();
          expect(got).toEqual(Array.from({ length: count }, (_, i) => [i, 7 + latency]));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('sim.at() callbacks for the same instant run in the order they were scheduled', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: number[] = [];
    for (let i = 0; i < 20; i++) sim.at(1_000, () => ran.push(i));
    sim.run();
    expect(ran).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
