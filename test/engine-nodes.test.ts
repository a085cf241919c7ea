import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MILLISECOND,
  Simulation,
  applyFault,
  scheduleFaults,
  type NodeContext,
  type NodeId,
  type Process,
  type TimedFault,
} from '../engine/index.js';

interface Durable {
  incarnation: number;
}

type Call = { kind: 'start' | 'timer' | 'message'; node: NodeId; incarnation: number; data?: unknown };

/** Ticks on a timer, sends to a random peer on each tick, and reports every handler call with its incarnation. */
class Ticker implements Process<number> {
  readonly incarnation: number;
  ticks = 0;
  constructor(
    private readonly ctx: NodeContext<Durable>,
    private readonly n: number,
    private readonly onCall: (c: Call) => void = () => {},
  ) {
    this.incarnation = ++ctx.durable.incarnation;
  }

  onStart(): void {
    this.onCall({ kind: 'start', node: this.ctx.id, incarnation: this.incarnation });
    this.tick();
  }

  onTimer(_tag: number, data: unknown): void {
    this.onCall({ kind: 'timer', node: this.ctx.id, incarnation: this.incarnation, data });
    this.ticks++;
    this.ctx.send(this.ctx.random('peer').int(this.n), this.incarnation);
    this.tick();
  }

  onMessage(): void {
    this.onCall({ kind: 'message', node: this.ctx.id, incarnation: this.incarnation });
  }

  private tick(): void {
    this.ctx.setTimer(1 + this.ctx.random('tick').int(2 * MILLISECOND), 0, this.incarnation);
  }
}

describe('crash and restart', () => {
  it('a crashed node handles nothing until restart, and timers from before the crash never fire after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.array(
          fc.record({ atUs: fc.integer({ min: 0, max: 100 * MILLISECOND }), node: fc.nat(), up: fc.boolean() }),
          { maxLength: 20 },
        ),
        fc.integer(),
        (n, flips, seed) => {
          const sim = new Simulation({ seed });
          const down = new Array<boolean>(n).fill(false);
          const current = new Array<number>(n).fill(0);
          const handled = new Array<number>(n).fill(0);
          const onCall = (c: Call) => {
            expect(down[c.node]).toBe(false);
            if (c.kind === 'start') {
              expect(c.incarnation).toBe(current[c.node] + 1);
              current[c.node] = c.incarnation;
            }
            expect(c.incarnation).toBe(current[c.node]);
            if (c.kind === 'timer') expect(c.data).toBe(c.incarnation);
            handled[c.node]++;
          };
          for (let i = 0; i < n; i++) {
            sim.addNode<Durable>({
              name: `n${i}`,
              durable: () => ({ incarnation: 0 }),
              process: (ctx) => new Ticker(ctx, n, onCall),
            });
          }
          for (const f of flips) {
            const id = f.node % n;
            sim.at(f.atUs, () => {
              if (f.up) {
                down[id] = false;
                sim.restart(id);
              } else {
                sim.crash(id);
                down[id] = true;
              }
            });
          }
          sim.run({ untilUs: 150 * MILLISECOND });
          for (let id = 0; id < n; id++) {
            expect(sim.isUp(id)).toBe(!down[id]);
            expect(handled[id]).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('messages arriving at a crashed node are dropped and counted; so are sends from it', () => {
    const sim = new Simulation({ seed: 1, network: { sameRegionRttUs: { type: 'constant', value: 2_000 } } });
    const got: number[] = [];
    const a = sim.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
    const b = sim.addNode({ name: 'b', process: () => ({ onMessage: (_f: NodeId, m: number) => got.push(m) }) });
    scheduleFaults(sim, [{ atUs: 10 * MILLISECOND, action: { kind: 'crash', nodes: 'b', forUs: 10 * MILLISECOND } }]);
    for (let i = 0; i < 30; i++) sim.at(i * MILLISECOND, () => sim.context(a).send(b, i));
    sim.at(15 * MILLISECOND, () => sim.context(b).send(a, -1));
    const r = sim.run();
    // Sent at 9..18 ms arrive at 10..19 ms, while b is down (crash at 10 ms runs before the arrival at 10 ms).
    expect(got).toEqual([...Array.from({ length: 9 }, (_, i) => i), ...Array.from({ length: 11 }, (_, i) => 19 + i)]);
    expect(r.messages).toMatchObject({ sent: 31, delivered: 20, droppedAtDownNode: 11 });
  });

  it('a restart runs onStart on a fresh instance: durable state survives, fields do not', () => {
    const sim = new Simulation({ seed: 1 });
    const instances: Ticker[] = [];
    const id = sim.addNode<Durable>({
      name: 'a',
      durable: () => ({ incarnation: 0 }),
      process: (ctx) => {
        const t = new Ticker(ctx, 1);
        instances.push(t);
        return t;
      },
    });
    sim.addNode({ name: 'b', process: () => ({ onMessage: () => {} }) });
    scheduleFaults(sim, [
      { atUs: 50 * MILLISECOND, action: { kind: 'crash', nodes: 'a' } },
      { atUs: 60 * MILLISECOND, action: { kind: 'restart', nodes: 'a' } },
    ]);
    sim.run({ untilUs: 55 * MILLISECOND });
    expect(sim.process(id)).toBeNull();
    expect(instances).toHaveLength(1);
    const before = instances[0].ticks;
    expect(before).toBeGreaterThan(0);
    sim.run({ untilUs: 60 * MILLISECOND });
    expect(instances).toHaveLength(2);
    expect(sim.process(id)).toBe(instances[1]);
    expect(instances[1].incarnation).toBe(2);
    expect(instances[1].ticks).toBe(0);
    expect(sim.context(id).durable).toEqual({ incarnation: 2 });
    sim.run({ untilUs: 70 * MILLISECOND });
    expect(instances[0].ticks).toBe(before);
    expect(instances[1].ticks).toBeGreaterThan(0);
  });

  it('crashing a crashed node and restarting a running one change nothing', () => {
    const sim = new Simulation({ seed: 1 });
    const calls: Call[] = [];
    sim.addNode<Durable>({
      name: 'a',
      durable: () => ({ incarnation: 0 }),
      process: (ctx) => new Ticker(ctx, 1, (c) => calls.push(c)),
    });
    sim.run({ untilUs: 1 });
    applyFault(sim, { kind: 'restart', nodes: 'a' });
    applyFault(sim, { kind: 'crash', nodes: 'a' });
    applyFault(sim, { kind: 'crash', nodes: 'a' });
    applyFault(sim, { kind: 'resume', nodes: 'a' });
    applyFault(sim, { kind: 'pause', nodes: 'a' });
    expect(sim.isUp(0)).toBe(false);
    expect(sim.isPaused(0)).toBe(false);
    expect(sim.result().faults.map((f) => f.kind)).toEqual(['crash']);
    expect(calls.filter((c) => c.kind === 'start')).toHaveLength(1);
  });

  it('a node crashed before it started starts only when restarted', () => {
    const sim = new Simulation({ seed: 1 });
    const starts: number[] = [];
    sim.at(0, () => sim.crash(0));
    sim.addNode<Durable>({
      name: 'a',
      durable: () => ({ incarnation: 0 }),
      process: (ctx) => new Ticker(ctx, 1, (c) => c.kind === 'start' && starts.push(sim.nowUs)),
    });
    sim.at(5 * MILLISECOND, () => sim.restart(0));
    sim.run({ untilUs: 4 * MILLISECOND });
    expect(starts).toEqual([]);
    sim.run({ untilUs: 5 * MILLISECOND });
    expect(starts).toEqual([5 * MILLISECOND]);
  });
});

/** Records (tag, time) for timers and (message, time) for messages. */
class Recorder implements Process<number> {
  constructor(
    private readonly ctx: NodeContext,
    private readonly timers: number[],
    readonly seen: string[] = [],
  ) {}
  onStart(): void {
    this.timers.forEach((due, tag) => this.ctx.setTimer(due, tag));
  }
  onTimer(tag: number): void {
    this.seen.push(`t${tag}@${this.ctx.nowUs}`);
  }
  onMessage(_from: NodeId, m: number): void {
    this.seen.push(`m${m}@${this.ctx.nowUs}`);
  }
}

describe('pause and resume', () => {
  it('holds messages and timers and handles them at resume, in their original order', () => {
    const sim = new Simulation({ seed: 1, network: { sameRegionRttUs: { type: 'constant', value: 2_000 } } });
    const a = sim.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
    const b = sim.addNode({ name: 'b', process: (ctx) => new Recorder(ctx, [12_000, 5_000, 14_500]) });
    scheduleFaults(sim, [{ atUs: 10 * MILLISECOND, action: { kind: 'pause', nodes: 'b', forUs: 10 * MILLISECOND } }]);
    sim.at(11_000, () => sim.context(a).send(b, 1)); // arrives 12 000, after timer 0 was due
    sim.at(11_500, () => sim.context(a).send(b, 2)); // arrives 12 500
    sim.at(25_000, () => sim.context(a).send(b, 3));
    const r = sim.run();
    expect((sim.process(b) as Recorder).seen).toEqual([
      't1@5000',
      't0@20000',
      'm1@20000',
      'm2@20000',
      't2@20000',
      'm3@26000',
    ]);
    expect(r.faults.map((f) => [f.kind, f.timeUs])).toEqual([
      ['pause', 10_000],
      ['resume', 20_000],
    ]);
    expect(r.messages.delivered).toBe(3);
  });

  it('held timers fire at resume, before a timer that falls due at the resume instant (explicit resume)', () => {
    const sim = new Simulation({ seed: 1 });
    const b = sim.addNode({ name: 'b', process: (ctx) => new Recorder(ctx, [15_000, 20_000]) });
    scheduleFaults(sim, [
      { atUs: 10_000, action: { kind: 'pause', nodes: 'b' } },
      { atUs: 20_000, action: { kind: 'resume', nodes: 'b' } },
    ]);
    sim.run();
    expect((sim.process(b) as Recorder).seen).toEqual(['t0@20000', 't1@20000']);
  });

  it('a fifo link still delivers in send order across a pause of the receiver', () => {
    const sim = new Simulation({ seed: 1 });
    const a = sim.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
    const b = sim.addNode({ name: 'b', process: (ctx) => new Recorder(ctx, []) });
    sim.setLink('a', 'b', { latencyUs: { type: 'constant', value: 1_000 }, fifo: true });
    scheduleFaults(sim, [{ atUs: 10_000, action: { kind: 'pause', nodes: 'b', forUs: 10_000 } }]);
    sim.at(14_000, () => sim.context(a).send(b, 1)); // arrives while b is paused
    sim.at(19_000, () => sim.context(a).send(b, 2)); // arrives at the resume instant
    sim.run();
    expect((sim.process(b) as Recorder).seen).toEqual(['m1@20000', 'm2@20000']);
  });

  it('a timer held during a pause and cancelled by a handler at resume does not fire', () => {
    const sim = new Simulation({ seed: 1, network: { sameRegionRttUs: { type: 'constant', value: 2_000 } } });
    const fired: string[] = [];
    const a = sim.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
    const b = sim.addNode({
      name: 'b',
      process: (ctx) => {
        let timeout = -1;
        return {
          onStart: () => {
            timeout = ctx.setTimer(15_000, 7);
          },
          onMessage: () => {
            fired.push(`reply@${ctx.nowUs}`);
            ctx.cancelTimer(timeout);
          },
          onTimer: (tag: number) => fired.push(`timeout${tag}@${ctx.nowUs}`),
        };
      },
    });
    scheduleFaults(sim, [{ atUs: 10_000, action: { kind: 'pause', nodes: 'b', forUs: 10_000 } }]);
    sim.at(11_000, () => sim.context(a).send(b, 0)); // the reply arrives at 12 000, before the timeout is due
    sim.run();
    expect(fired).toEqual(['reply@20000']);
  });

  it('timers fire at their due time, or at the resume time if due while paused, in due-time order', () => {
    const grid = (k: number) => k * MILLISECOND;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 20 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
        (dues, points) => {
          const sorted = [...points].sort((x, y) => x - y);
          const windows: [number, number][] = [];
          for (let i = 0; i + 1 < sorted.length; i += 2) windows.push([grid(sorted[i]), grid(sorted[i + 1])]);
          const timeline: TimedFault[] = windows.flatMap(([p, r]) => [
            { atUs: p, action: { kind: 'pause' as const, nodes: 'a' } },
            { atUs: r, action: { kind: 'resume' as const, nodes: 'a' } },
          ]);
          const sim = new Simulation({ seed: 1 });
          const id = sim.addNode({ name: 'a', process: (ctx) => new Recorder(ctx, dues.map(grid)) });
          scheduleFaults(sim, timeline);
          sim.run();
          const fireAt = (t: number) => windows.find(([p, r]) => p <= t && t <= r)?.[1] ?? t;
          const expected = dues
            .map((d, tag) => ({ due: grid(d), tag }))
            .sort((x, y) => x.due - y.due || x.tag - y.tag)
            .map(({ due, tag }) => `t${tag}@${fireAt(due)}`);
          expect((sim.process(id) as Recorder).seen).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a node that crashes while paused drops what it held, counted as droppedAtDownNode, and its held timers never fire', () => {
    const sim = new Simulation({ seed: 1, network: { sameRegionRttUs: { type: 'constant', value: 2_000 } } });
    const a = sim.addNode({ name: 'a', process: () => ({ onMessage: () => {} }) });
    const seen: string[] = [];
    const b = sim.addNode({ name: 'b', process: (ctx) => new Recorder(ctx, ctx.nowUs === 0 ? [12_000] : [], seen) });
    scheduleFaults(sim, [
      { atUs: 10_000, action: { kind: 'pause', nodes: 'b', forUs: 10_000 } },
      { atUs: 15_000, action: { kind: 'crash', nodes: 'b', forUs: 10_000 } },
    ]);
    sim.at(10_500, () => sim.context(a).send(b, 1));
    sim.at(11_000, () => sim.context(a).send(b, 2));
    const r = sim.run();
    expect(sim.isUp(b)).toBe(true);
    expect(seen).toEqual([]);
    expect(r.messages.sent).toBe(2);
    expect(r.messages.delivered).toBe(0);
    expect(r.messages.droppedAtDownNode).toBe(2);
  });
});

describe('nodes added while the run goes on', () => {
  it('get their messages and timers, however many are added (the per-node records grow under the run loop)', () => {
    const sim = new Simulation({ seed: 1 });
    const received: string[] = [];
    const sender = sim.addNode({ name: 'sender', process: () => ({ onMessage() {} }) });
    const added: NodeId[] = [];
    sim.at(1 * MILLISECOND, () => {
      for (let i = 0; i < 40; i++)
        added.push(
          sim.addNode({
            name: `late-${i}`,
            process: (ctx: NodeContext) => ({
              onStart: () => void ctx.setTimer(MILLISECOND, 1),
              onTimer: () => void received.push(`timer ${ctx.name}`),
              onMessage: (_from: NodeId, message: unknown) => void received.push(`${String(message)} ${ctx.name}`),
            }),
          }),
        );
    });
    sim.at(2 * MILLISECOND, () => {
      for (const id of added) sim.send(sender, id, 'hello', 0);
    });
    sim.run({ untilUs: 100 * MILLISECOND });
    expect(sim.messages.droppedAtDownNode).toBe(0);
    expect(received.filter((r) => r.startsWith('hello'))).toHaveLength(40);
    expect(received.filter((r) => r.startsWith('timer'))).toHaveLength(40);
  });
});
