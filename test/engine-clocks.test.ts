import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND, Simulation, scheduleFaults, type NodeContext, type Process } from '../engine/index.js';

const idle = (): Process => ({ onMessage: () => {} });

/** Reads node 0's local clock at the given true times. */
function readings(sim: Simulation, times: number[]): number[] {
  const out: number[] = [];
  for (const t of times) sim.at(t, () => out.push(sim.context(0).localTimeUs()));
  sim.run();
  return out;
}

describe('local clocks', () => {
  it('read true time + offset + drift · elapsed (+100 ppm over 10 s is +1000 µs)', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode({ name: 'a', clock: { offsetUs: 5_000, driftPpm: 100 }, process: idle });
    expect(readings(sim, [0, SECOND, 10 * SECOND])).toEqual([5_000, SECOND + 5_100, 10 * SECOND + 6_000]);
  });

  it('follow offset + (1 + drift) · t for any offset, drift and time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10 * SECOND, max: 10 * SECOND }),
        fc.double({ min: -1_000, max: 1_000, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 1_000 * SECOND }), { minLength: 1, maxLength: 10 }),
        (offsetUs, driftPpm, times) => {
          const sorted = [...times].sort((x, y) => x - y);
          const sim = new Simulation({ seed: 1 });
          sim.addNode({ name: 'a', clock: { offsetUs, driftPpm }, process: idle });
          const got = readings(sim, sorted);
          sorted.forEach((t, i) =>
            expect(Math.abs(got[i] - (t + offsetUs + driftPpm * 1e-6 * t))).toBeLessThanOrEqual(0.5 + 1e-6),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('jump forwards and backwards by exactly the step, and keep running at their drift', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode({ name: 'a', clock: { driftPpm: 100 }, process: idle });
    scheduleFaults(sim, [
      { atUs: 2 * SECOND, action: { kind: 'clock-jump', nodes: 'a', deltaUs: 3 * SECOND } },
      { atUs: 4 * SECOND, action: { kind: 'clock-jump', nodes: 'a', deltaUs: -10 * SECOND } },
    ]);
    expect(readings(sim, [2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND])).toEqual([
      2 * SECOND + 200 + 3 * SECOND,
      3 * SECOND + 300 + 3 * SECOND,
      4 * SECOND + 400 - 7 * SECOND,
      5 * SECOND + 500 - 7 * SECOND,
    ]);
  });

  it('re-base continuously when drift changes', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode({ name: 'a', clock: { driftPpm: 100 }, process: idle });
    scheduleFaults(sim, [{ atUs: 10 * SECOND, action: { kind: 'clock-drift', nodes: 'a', driftPpm: -100 } }]);
    expect(readings(sim, [10 * SECOND - 1, 10 * SECOND, 10 * SECOND + 1, 20 * SECOND])).toEqual([
      10 * SECOND + 1_000 - 1,
      10 * SECOND + 1_000,
      10 * SECOND + 1_000 + 1,
      20 * SECOND,
    ]);
  });

  it('match a piecewise oracle over any timeline of jumps and drift changes', () => {
    const stepArb = fc.record({
      atUs: fc.integer({ min: 0, max: 100 * SECOND }),
      jump: fc.option(fc.integer({ min: -SECOND, max: SECOND }), { nil: undefined }),
      driftPpm: fc.integer({ min: -500, max: 500 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: -SECOND, max: SECOND }),
        fc.integer({ min: -500, max: 500 }),
        fc.array(stepArb, { maxLength: 10 }),
        (offset, drift0, steps) => {
          const sorted = [...steps].sort((x, y) => x.atUs - y.atUs);
          const sim = new Simulation({ seed: 1 });
          sim.addNode({ name: 'a', clock: { offsetUs: offset, driftPpm: drift0 }, process: idle });
          scheduleFaults(
            sim,
            sorted.map((s) => ({
              atUs: s.atUs,
              action:
                s.jump !== undefined
                  ? { kind: 'clock-jump' as const, nodes: 'a', deltaUs: s.jump }
                  : { kind: 'clock-drift' as const, nodes: 'a', driftPpm: s.driftPpm },
            })),
          );
          // Read just after each step and at the end.
          const times = [...sorted.map((s) => s.atUs), 100 * SECOND];
          const got = readings(sim, times);
          // Oracle: integrate rate (1 + drift) piecewise, adding jumps.
          let local = offset;
          let drift = drift0;
          let last = 0;
          const expected: number[] = [];
          let k = 0;
          for (const s of sorted) {
            local += (s.atUs - last) * (1 + drift * 1e-6);
            last = s.atUs;
            if (s.jump !== undefined) local += s.jump;
            else drift = s.driftPpm;
            expected[k++] = local;
          }
          local += (100 * SECOND - last) * (1 + drift * 1e-6);
          expected[k] = local;
          // A reading taken at a step's instant sees that step (scheduled first) and any later steps at the same instant.
          const sameInstantFinal = times.map((t) => {
            let idx = -1;
            sorted.forEach((s, i) => {
              if (s.atUs === t) idx = i;
            });
            return idx < 0 ? expected[expected.length - 1] : expected[idx];
          });
          got.forEach((g, i) => expect(Math.abs(g - sameInstantFinal[i])).toBeLessThanOrEqual(1));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('are recorded as faults with their node and amount', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode({ name: 'a', process: idle });
    scheduleFaults(sim, [
      { atUs: 1, action: { kind: 'clock-jump', nodes: 'a', deltaUs: -250 } },
      { atUs: 2, action: { kind: 'clock-drift', nodes: 'a', driftPpm: 40 } },
    ]);
    expect(sim.run().faults).toEqual([
      { timeUs: 1, kind: 'clock-jump', nodes: ['a'], detail: '-250us' },
      { timeUs: 2, kind: 'clock-drift', nodes: ['a'], detail: '40ppm' },
    ]);
  });
});

/** Sets one timer at `atUs` true time and records when it fires in true and local time. */
class OneTimer implements Process {
  setLocal = NaN;
  firedUs = NaN;
  firedLocal = NaN;
  constructor(
    private readonly ctx: NodeContext,
    private readonly delayUs: number,
  ) {}
  onStart(): void {
    this.setLocal = this.ctx.localTimeUs();
    this.ctx.setTimer(this.delayUs);
  }
  onTimer(): void {
    this.firedUs = this.ctx.nowUs;
    this.firedLocal = this.ctx.localTimeUs();
  }
  onMessage(): void {}
}

function timerRun(driftPpm: number, delayUs: number, timeline: Parameters<typeof scheduleFaults>[1] = []): OneTimer {
  const sim = new Simulation({ seed: 1 });
  const id = sim.addNode({ name: 'a', clock: { driftPpm }, process: (ctx) => new OneTimer(ctx, delayUs) });
  scheduleFaults(sim, timeline);
  sim.run();
  return sim.process(id) as OneTimer;
}

describe('timers on drifting clocks', () => {
  it('a node at +1000 ppm asking for 1 s fires after 999001 µs of true time; at -1000 ppm after 1001001 µs', () => {
    expect(timerRun(1_000, SECOND).firedUs).toBe(999_001);
    expect(timerRun(-1_000, SECOND).firedUs).toBe(1_001_001);
    expect(timerRun(0, SECOND).firedUs).toBe(SECOND);
  });

  it('fire when the local clock has advanced the requested delay (to within rounding)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 0, max: 100 * SECOND }),
        (driftPpm, delayUs) => {
          const t = timerRun(driftPpm, delayUs);
          expect(t.firedUs).toBe(Math.round(delayUs / (1 + driftPpm * 1e-6)));
          expect(Math.abs(t.firedLocal - t.setLocal - delayUs)).toBeLessThanOrEqual(1.5);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('jumps do not move pending timers', () => {
    for (const deltaUs of [10 * SECOND, -10 * SECOND, 1]) {
      const t = timerRun(0, SECOND, [{ atUs: 500 * MILLISECOND, action: { kind: 'clock-jump', nodes: 'a', deltaUs } }]);
      expect(t.firedUs).toBe(SECOND);
      expect(t.firedLocal).toBe(SECOND + deltaUs);
    }
  });
});
