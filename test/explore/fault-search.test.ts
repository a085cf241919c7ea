import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../explore/fault-schedule.js';
import { searchFaults, type JudgeSchedule, type SearchSettings } from '../../explore/fault-search.js';
import type { Verdict } from '../../explore/search-property.js';
import { FAILOVER_FAULT_SPACE } from '../support/failover-fault-space.js';

const space = FAILOVER_FAULT_SPACE;
const settings = (overrides: Partial<SearchSettings> = {}): SearchSettings => ({
  space,
  runs: 200,
  seed: 1,
  concurrency: 1,
  maxShrinkRuns: 300,
  ...overrides,
});

const pass: Verdict = { outcome: 'pass', reason: 'holds' };
const fail = (reason = 'broken'): Verdict => ({ outcome: 'fail', reason });

/** A judge from a predicate on the schedule, answering after a delay drawn from the schedule, so answers arrive out of order. */
function judgeBy(
  fails: (schedule: readonly TimelineEntry[]) => boolean,
  inconclusive = (_: readonly TimelineEntry[]) => false,
): JudgeSchedule {
  return async (schedule) => {
    const text = JSON.stringify(schedule);
    let hash = 0;
    for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
    await new Promise((resolve) => setTimeout(resolve, hash % 4));
    if (inconclusive(schedule)) return { outcome: 'inconclusive', reason: 'out of steps' };
    return fails(schedule) ? fail(`${schedule.length} faults`) : pass;
  };
}

const crashes = (node: string) => (schedule: readonly TimelineEntry[]) =>
  schedule.some((e) => e.action === 'crash' && e.nodes === node);

describe('the fault search', () => {
  it('shrinks to the smallest schedule that still fails: one crash, as early and as short as can be', async () => {
    const outcome = await searchFaults(settings(), judgeBy(crashes('db-1')));
    expect(outcome.counterexample?.shrunk.schedule).toEqual([
      { at: '2s', action: 'crash', nodes: 'db-1', for: '100ms' },
    ]);
    expect(outcome.counterexample?.found.index).toBe(outcome.tried);
    expect(outcome.counterexample?.shrinkSteps).toBeGreaterThan(0);
  });

  it('never shrinks to a schedule that passes, and finds the same whatever runs at once', async () => {
    // A random failure condition: some fault kind on some node, with a `for` of at least some length.
    const condition = fc.record({
      kind: fc.constantFrom('crash', 'pause', 'isolate', 'partition', 'clock-jump'),
      node: fc.constantFrom(...space.nodes),
      seed: fc.nat(1000),
      longerThanMs: fc.integer({ min: 0, max: 5000 }),
    });
    await fc.assert(
      fc.asyncProperty(condition, async ({ kind, node, seed, longerThanMs }) => {
        const fails = (schedule: readonly TimelineEntry[]) =>
          schedule.some(
            (e) =>
              e.action === kind &&
              JSON.stringify(e).includes(`"${node}"`) &&
              (e.for === undefined ||
                Number.parseFloat(String(e.for)) * (String(e.for).endsWith('ms') ? 1 : 1000) > longerThanMs),
          );
        const one = await searchFaults(settings({ seed, runs: 60 }), judgeBy(fails));
        const four = await searchFaults(settings({ seed, runs: 60, concurrency: 4 }), judgeBy(fails));
        expect(four).toEqual(one);
        if (one.counterexample === null) return;
        expect(fails(one.counterexample.found.schedule)).toBe(true);
        expect(fails(one.counterexample.shrunk.schedule)).toBe(true);
        expect(one.counterexample.shrunk.schedule.length).toBeLessThanOrEqual(one.counterexample.found.schedule.length);
      }),
      { numRuns: 15 },
    );
  });

  it('gives up after its budget, counting inconclusive runs apart', async () => {
    let calls = 0;
    const outcome = await searchFaults(
      settings({ runs: 40, concurrency: 3 }),
      judgeBy(
        () => (calls++, false),
        (schedule) => schedule.length === 2,
      ),
    );
    expect(outcome.counterexample).toBeNull();
    expect(outcome.tried).toBe(40);
    expect(calls + outcome.inconclusive).toBe(41);
    expect(outcome.inconclusive).toBeGreaterThan(0);
  });

  it('reports a property that fails with no fault at all as schedule 0, without drawing any', async () => {
    const outcome = await searchFaults(settings(), async () => fail('stale without faults'));
    expect(outcome.tried).toBe(0);
    expect(outcome.counterexample?.found).toEqual({ index: 0, schedule: [], verdict: fail('stale without faults') });
  });

  it('stops when the signal is aborted, keeping the smallest failure so far', async () => {
    const controller = new AbortController();
    let judged = 0;
    const outcome = await searchFaults(settings({ signal: controller.signal }), async (schedule, signal) => {
      if (++judged === 5) controller.abort('SIGINT');
      if (signal.aborted) throw new Error('aborted');
      return crashes('db-1')(schedule) ? fail() : pass;
    });
    expect(outcome.interrupted).toBe(true);
  });
});
