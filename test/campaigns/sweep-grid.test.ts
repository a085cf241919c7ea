import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planCampaign } from '../../campaigns/campaign-plan.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText, type SweepOptions } from '../../scenarios/harness/load-scenario.js';
import { formatProblem, ScenarioError } from '../../scenarios/harness/scenario-error.js';
import { expandParameterValues, MAX_SWEEP_RUNS } from '../../scenarios/harness/sweep-section.js';

const SIZING = resolveScenarioArgument('server-sizing');

const SIZING_WITHOUT_SWEEP = readFileSync(SIZING, 'utf8').split('\nsweep:')[0];

/** server-sizing with `sweep` (first, so positions count from line 1) instead of its own, loaded for a sweep. */
function sweepOf(sweep: string, options: SweepOptions = {}, overrides: string[] = []) {
  return parseScenarioText(`${sweep}\n${SIZING_WITHOUT_SWEEP}`, '/tmp/sweep.yaml', { overrides, sweep: options });
}

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected the sweep to be refused');
}

describe('sweep parameter ranges', () => {
  it('expands a rate range in the unit of its start, ends included', () => {
    expect(expandParameterValues({ from: '500/s', to: '1500/s', step: '250/s' })).toEqual([
      '500/s',
      '750/s',
      '1000/s',
      '1250/s',
      '1500/s',
    ]);
  });

  it('expands durations, plain numbers and geometric ranges without float noise', () => {
    expect(expandParameterValues({ from: '10ms', to: '0.05s', step: '10ms' })).toEqual([
      '10ms',
      '20ms',
      '30ms',
      '40ms',
      '50ms',
    ]);
    expect(expandParameterValues({ from: 0.1, to: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(expandParameterValues({ from: 1, to: 64, times: 2 })).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });

  it('refuses ranges that are empty, mixed or endless, saying why', () => {
    expect(expandParameterValues({ from: '2s', to: '1s', step: '1s' })).toMatch(/below from/);
    expect(expandParameterValues({ from: '1s', to: '2s', step: '1/s' })).toMatch(/one kind/);
    expect(expandParameterValues({ from: 1, to: 2, step: 0 })).toMatch(/above zero/);
    expect(expandParameterValues({ from: 1, to: 2, times: 1 })).toMatch(/above 1/);
    expect(expandParameterValues({ from: 1, to: 2 })).toMatch(/either step or times/);
    expect(expandParameterValues({ from: 0, to: 1e9, step: 1 })).toMatch(/at most 1000/);
  });

  it('every value of a step range lies within its ends, the first at from', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 500 }),
        (from, span, step) => {
          const values = expandParameterValues({ from: `${from}ms`, to: `${from + span}ms`, step: `${step}ms` });
          if (typeof values === 'string') return span / step + 1 > 1000;
          const us = (values as string[]).map((v) => Number(v.replace('ms', '')));
          return (
            us[0] === from &&
            us.every((v) => v >= from && v <= from + span) &&
            us.length === Math.floor(span / step) + 1
          );
        },
      ),
    );
  });
});

describe('a sweep section', () => {
  it('crosses the parameters into a grid under every variant, the last parameter fastest', () => {
    const loaded = sweepOf(
      'sweep:\n  seeds: 3\n  parameters:\n    workloads.users.rate: [400/s, 500/s]\n    components.api.queueCapacity: [10, 20, 30]\n',
    );
    const sweep = loaded.sweep!;
    expect(sweep.seeds).toBe(3);
    expect(sweep.configurations).toHaveLength(3 * 2 * 3);
    expect(sweep.configurations.slice(0, 4).map((c) => [c.variant, ...c.values])).toEqual([
      ['workers-4', '400/s', 10],
      ['workers-4', '400/s', 20],
      ['workers-4', '400/s', 30],
      ['workers-4', '500/s', 10],
    ]);
    const last = sweep.configurations.at(-1)!;
    expect(last.scenario.components.api).toMatchObject({ workers: 8, queueCapacity: 30 });
    expect(last.scenario.workloads.users).toMatchObject({ rate: 500 });
    expect(last.scenario.variants).toEqual([]);
    expect(last.scenario.sweep).toBeUndefined();
  });

  it('applies the scenario, then --set, then the variant, then the sweep: the most specific wins', () => {
    const loaded = sweepOf('sweep:\n  parameters:\n    components.api.queueCapacity: [7]\n', {}, [
      'components.api.workers=3',
      'components.api.queueCapacity=99',
    ]);
    const [four, six] = loaded.sweep!.configurations;
    // --set beats the file; workers-4 sets nothing, so --set's 3 stands; workers-6's own set beats --set.
    expect(four.scenario.components.api).toMatchObject({ workers: 3, queueCapacity: 7 });
    expect(six.scenario.components.api).toMatchObject({ workers: 6, queueCapacity: 7 });
  });

  it('takes --param beside the file, replacing a parameter of the same path', () => {
    const loaded = sweepOf('sweep:\n  parameters:\n    components.api.queueCapacity: [10, 20]\n', {
      parameters: ['components.api.queueCapacity=[5]', 'workloads.users.rate={from: 100/s, to: 300/s, step: 100/s}'],
    });
    expect(loaded.sweep!.parameters).toEqual([
      { path: 'components.api.queueCapacity', values: [5] },
      { path: 'workloads.users.rate', values: ['100/s', '200/s', '300/s'] },
    ]);
  });

  it('names a path that is not a field at the parameter, file:line:col, once for every configuration', () => {
    const problems = problemsOf(() => sweepOf('sweep:\n  parameters:\n    components.api.wrokers: [4, 5]\n'));
    expect(problems).toEqual([
      '/tmp/sweep.yaml:3:29 sweep.parameters.components.api.wrokers: unknown key "wrokers" (did you mean "workers"?)',
    ]);
  });

  it('names a value that breaks the scenario, with the first configuration that has it', () => {
    const problems = problemsOf(() => sweepOf('sweep:\n  parameters:\n    components.api.workers: [2, 0]\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^\/tmp\/sweep\.yaml:3:29 sweep\.parameters\.components\.api\.workers: must be at least 1.*with components\.api\.workers=0 in variant "workers-4", and 2 more configurations/,
    );
  });

  it('places problems of --param on the option, and of the section in the file', () => {
    expect(problemsOf(() => sweepOf('', { parameters: ['components.api.workers=4'] }))).toEqual([
      '--param components.api.workers: expected a list of values ([4, 6, 8]) or a range ({from: 500/s, to: 1500/s, step: 250/s})',
    ]);
    expect(problemsOf(() => sweepOf('sweep:\n  baseline: nope\n'))[0]).toMatch(
      /^\/tmp\/sweep\.yaml:2:13 sweep\.baseline: no variant is named "nope"; its variants: workers-4, workers-6, workers-8$/,
    );
    expect(problemsOf(() => sweepOf('sweep:\n  seeds: 0\n'))[0]).toMatch(/^\/tmp\/sweep\.yaml:2:10 sweep\.seeds: /);
  });

  it(`refuses more than ${MAX_SWEEP_RUNS} runs without --yes, at the section`, () => {
    const big = 'sweep:\n  seeds: 1000\n  parameters:\n    components.api.queueCapacity: [1, 2, 3, 4]\n';
    expect(problemsOf(() => sweepOf(big))).toEqual([
      `/tmp/sweep.yaml:2:3 sweep: the sweep plans 12000 runs (12 configurations × 1000 seeds), more than ${MAX_SWEEP_RUNS}; pass --yes to run it anyway, or use fewer values or seeds`,
    ]);
    expect(sweepOf(big, { yes: true }).sweep!.configurations).toHaveLength(12);
  });
});

describe('a campaign plan', () => {
  const plan = (version = '1.0.0') => {
    const loaded = loadScenario(SIZING, { sweep: { seeds: 2 } });
    return planCampaign(loaded, 'server-sizing', version);
  };

  it('runs every configuration with the same seeds, keyed by content', () => {
    const p = plan();
    expect(p.seeds).toEqual([1, 2]);
    expect(p.runs).toHaveLength(p.configurations.length * 2);
    expect(new Set(p.runs.map((r) => r.key)).size).toBe(p.runs.length);
    expect(p.configurations[1].name).toBe('workers-4 · rate=475/s');
    expect(p.parameters[0].numeric).toEqual({ values: [400, 475, 550, 625, 700, 775, 850], unit: 'per-sec' });
  });

  it('gives the same keys for the same campaign, and new ones for another faultline version', () => {
    expect(plan().campaignKey).toBe(plan().campaignKey);
    expect(plan('1.0.1').runs[0].key).not.toBe(plan().runs[0].key);
  });
});
