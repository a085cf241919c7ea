import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeterminismError,
  MILLISECOND,
  Simulation,
  checkDeterminism,
  scheduleFaults,
  type NodeId,
  type Process,
} from '../engine/index.js';

type Divergence = 'timer' | 'size' | 'target' | 'skip';

/** Module-level state that survives from one build to the next: the nondeterminism under test. */
let handled = 0;

/** a pings b every ms; b replies. When the module counter hits `threshold`, b does something else. */
function build(threshold: number, divergence: Divergence, pings: number): () => Simulation {
  return () => {
    const sim = new Simulation({ seed: 99, network: { link: { jitterUs: 200 } } });
    sim.addNode({
      name: 'a',
      process: (ctx) => ({
        onStart: () => ctx.setTimer(MILLISECOND),
        onTimer: () => {
          ctx.send(ctx.lookup('b'), 0, 10);
          if (ctx.nowUs < pings * MILLISECOND) ctx.setTimer(MILLISECOND);
        },
        onMessage: () => {},
      }),
    });
    sim.addNode({
      name: 'b',
      process: (ctx) => ({
        onMessage: (from: NodeId) => {
          handled++;
          if (handled !== threshold) return ctx.send(from, 0, 10);
          if (divergence === 'timer') {
            ctx.send(from, 0, 10);
            ctx.setTimer(500, 9);
          } else if (divergence === 'size') ctx.send(from, 0, 11);
          else if (divergence === 'target') ctx.send(ctx.lookup('c'), 0, 10);
        },
        onTimer: () => {},
      }),
    });
    sim.addNode({ name: 'c', process: () => ({ onMessage: () => {} }) });
    scheduleFaults(sim, [{ atUs: 5 * MILLISECOND, action: { kind: 'pause', nodes: 'c', forUs: MILLISECOND } }]);
    return sim;
  };
}

/** Every event of one run as (time, kind, target, a, b). */
function record(sim: Simulation): number[][] {
  const events: number[][] = [];
  sim.addObserver({ onEvent: (_i, t, kind, target, a, b) => events.push([t, kind, target, a, b]) });
  sim.run();
  return events;
}

describe('checkDeterminism', () => {
  it('returns the run result for a deterministic build', () => {
    const make = build(-1, 'timer', 20);
    const expected = make().run();
    const result = checkDeterminism(make);
    expect(result).toEqual(expected);
    expect(result.events).toBeGreaterThan(40);
  });

  it('honours untilUs', () => {
    const make = build(-1, 'timer', 20);
    expect(checkDeterminism(make, { untilUs: 7 * MILLISECOND })).toEqual(make().run({ untilUs: 7 * MILLISECOND }));
  });

  it('names the first event at which two builds of a nondeterministic model differ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 45 }),
        fc.constantFrom<Divergence>('timer', 'size', 'target', 'skip'),
        fc.integer({ min: 5, max: 20 }),
        (threshold, divergence, pings) => {
          const make = build(threshold, divergence, pings);
          handled = 0;
          const first = record(make());
          const second = record(make());
          let diverge = -1;
          for (let i = 0; i < Math.max(first.length, second.length); i++) {
            if (JSON.stringify(first[i]) !== JSON.stringify(second[i])) {
              diverge = i;
              break;
            }
          }

          handled = 0;
          if (diverge < 0) {
            expect(checkDeterminism(make).events).toBe(first.length);
            return;
          }
          let error: unknown;
          try {
            checkDeterminism(make);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DeterminismError);
          const err = error as DeterminismError;
          expect(err.eventIndex).toBe(diverge);
          expect(err.message).toContain(`#${diverge}`);
          if (first[diverge] !== undefined) expect(err.first?.timeUs).toBe(first[diverge][0]);
          else expect(err.first).toBeUndefined();
          if (second[diverge] !== undefined) expect(err.second?.timeUs).toBe(second[diverge][0]);
          else expect(err.second).toBeUndefined();
        },
      ),
      { numRuns: 80 },
    );
  });

  it('reports a run that ends early, pointing at the first missing event', () => {
    let builds = 0;
    const make = () => {
      builds++;
      const sim = new Simulation({ seed: 1 });
      const ticks = builds === 1 ? 10 : 6;
      sim.addNode({
        name: 'a',
        process: (ctx) => {
          let n = 0;
          return {
            onStart: () => ctx.setTimer(100),
            onTimer: () => ++n < ticks && ctx.setTimer(100),
            onMessage: () => {},
          } satisfies Process;
        },
      });
      return sim;
    };
    let error: unknown;
    try {
      checkDeterminism(make);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeterminismError);
    const err = error as DeterminismError;
    // Events: start, then 10 (first run) or 6 (second run) timers.
    expect(err.eventIndex).toBe(7);
    expect(err.first).toMatchObject({ index: 7, kind: 'timer', node: 'a', timeUs: 700 });
    expect(err.second).toBeUndefined();
  });
});
