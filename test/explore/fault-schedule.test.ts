import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { counterexampleText } from '../../explore/counterexample-scenario.js';
import {
  durationText,
  faultScheduleArbitrary,
  TICK_MS,
  type FaultSpace,
  type TimelineEntry,
} from '../../explore/fault-schedule.js';
import { bundledScenariosDir } from '../../scenarios/harness/bundled-scenarios.js';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';
import { parseDurationUs } from '../../models/kit/unit-text.js';
import { FAILOVER_FAULT_SPACE } from '../support/failover-fault-space.js';

const failover = join(bundledScenariosDir(), 'failover.yaml');
const space = FAILOVER_FAULT_SPACE;

const ms = (text: unknown) => (parseDurationUs(String(text).replace(/^-/, '')) ?? NaN) / 1000;

/** Every node name a timeline entry mentions. */
function mentioned(entry: TimelineEntry): string[] {
  return ['nodes', 'node', 'sides', 'from', 'to', 'sideA', 'sideB', 'bridge'].flatMap((key) =>
    entry[key] === undefined ? [] : [entry[key]].flat(2).map(String),
  );
}

describe('fault schedules', () => {
  it('are valid timelines of the scenario format: every drawn schedule loads as a scenario', () => {
    fc.assert(
      fc.property(faultScheduleArbitrary(space), (schedule) => {
        const file = join(bundledScenariosDir(), '..', 'out', 'search-test', 'counterexample.yaml');
        const text = counterexampleText({
          original: failover,
          file,
          name: 'failover-counterexample',
          description: '',
          header: [],
          carried: {},
          variant: { name: 'async' },
          schedule,
        });
        const loaded = parseScenarioText(text, file);
        expect(loaded.variants.map((v) => v.name)).toEqual(['async']);
        expect(loaded.variants[0].scenario.faults.timeline).toHaveLength(schedule.length);
        expect(loaded.variants[0].scenario.faults.random).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('stay inside the window and the node set, sorted by time, with at most maxFaults faults', () => {
    const narrow: FaultSpace = { ...space, nodes: ['db-2', 'db-3', 'db-4'], kinds: ['crash', 'partition', 'degrade'] };
    fc.assert(
      fc.property(faultScheduleArbitrary(narrow), (schedule) => {
        expect(schedule.length).toBeGreaterThanOrEqual(1);
        expect(schedule.length).toBeLessThanOrEqual(narrow.maxFaults);
        const times = schedule.map((e) => ms(e.at));
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        for (const entry of schedule) {
          expect(narrow.kinds).toContain(entry.action);
          expect(ms(entry.at)).toBeGreaterThanOrEqual(narrow.fromMs);
          expect(ms(entry.at) + ms(entry.for)).toBeLessThanOrEqual(narrow.untilMs);
          expect(ms(entry.at) % TICK_MS).toBe(0);
          expect(Number.isInteger(parseDurationUs(String(entry.at)))).toBe(true);
          for (const node of mentioned(entry)) expect(narrow.nodes).toContain(node);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes durations in whole seconds or milliseconds, which the unit parser reads exactly', () => {
    expect([0, 100, 999, 1000, 7300, 12_000, -2450, -3000].map(durationText)).toEqual([
      '0ms',
      '100ms',
      '999ms',
      '1s',
      '7300ms',
      '12s',
      '-2450ms',
      '-3s',
    ]);
  });
});
