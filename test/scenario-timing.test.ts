import { describe, expect, it } from 'vitest';
import { parseScenarioText, type LoadedScenario, type OverrideArgument } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';

/** Times that do not fit the run: errors at the value to fix, or warnings when only a shortened run cut them off. */

const FILE = 'timing.yaml';

/** A small scenario; `extra` lines are appended at the top level, `workload` to the workload's mapping. */
function scenario(options: { head?: string; workload?: string; faults?: string; tail?: string } = {}): string {
  return [
    'name: timing',
    options.head ?? 'duration: 20s',
    'topology:',
    '  nodes:',
    '    server: { count: 2 }',
    '    client: { count: 1 }',
    'components:',
    '  api: { type: queue-server, nodes: server, serviceTime: 2ms, workers: 2 }',
    'workloads:',
    `  users: { type: poisson, nodes: client, target: api, rate: 100/s, timeout: 100ms${options.workload ?? ''} }`,
    ...(options.faults === undefined ? [] : ['faults:', options.faults]),
    ...(options.tail === undefined ? [] : [options.tail]),
    '',
  ].join('\n');
}

const load = (text: string, overrides: OverrideArgument[] = []) => parseScenarioText(text, FILE, { overrides });

function problems(text: string, overrides: OverrideArgument[] = []): string[] {
  let loaded: LoadedScenario | undefined;
  try {
    loaded = load(text, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).message.split('\n');
  }
  throw new Error(`loaded without problems: ${loaded.scenario.name}`);
}

const duration = (d: string): OverrideArgument => ({ flag: '--duration', set: `duration=${d}` });

describe('times that do not fit the run are validation errors', () => {
  it('a warm-up as long as the run, in the file', () => {
    expect(problems(scenario({ head: 'duration: 10s\nwarmup: 10s' }))).toEqual([
      `${FILE}:3:9 warmup: the warm-up (10s) lasts the whole run (duration: 10s), so nothing would be measured; make it shorter than the run`,
    ]);
  });

  it('a run shortened with --duration to its warm-up or less names --duration', () => {
    expect(problems(scenario({ head: 'duration: 10m\nwarmup: 10s' }), [duration('10s')])).toEqual([
      '--duration: a 10s run leaves nothing to measure after its warm-up (warmup: 10s); run for longer than 10s',
    ]);
    expect(problems(scenario({ head: 'duration: 10m\nwarmup: 10s' }), ['warmup=20m'])).toEqual([
      '--set warmup: the warm-up (20m) lasts the whole run (duration: 10m), so nothing would be measured; make it shorter than the run',
    ]);
  });

  it('a fault at or after the end of the run, in the file or from --set', () => {
    const faults =
      '  timeline:\n    - { at: 5s, action: crash, nodes: server-1 }\n    - { at: 90s, action: partition, sides: [server, client] }';
    expect(problems(scenario({ faults }))).toEqual([
      `${FILE}:14:13 faults.timeline.1.at: the partition at 90s is not before the end of the run (duration: 20s), so it has no effect`,
    ]);
    expect(problems(scenario({ faults: faults.replace('90s', '10s') }), ['faults.timeline.0.at=20s'])).toEqual([
      '--set faults.timeline.0.at: the crash at 20s is not before the end of the run (duration: 20s), so it has no effect',
    ]);
  });

  it('random fault processes that start after the end, or end before they start', () => {
    const random = (fields: string) =>
      `  random:\n    - { type: crash-restart, nodes: server, mtbf: 5s, mttr: 1s, ${fields} }`;
    expect(problems(scenario({ faults: random('start: 30s') }))).toEqual([
      `${FILE}:13:72 faults.random.0.start: the crash-restart process starting at 30s is not before the end of the run (duration: 20s), so it never injects a fault`,
    ]);
    expect(problems(scenario({ faults: random('start: 10s, end: 5s') }))).toEqual([
      `${FILE}:13:82 faults.random.0.end: the process ends (5s) before it starts (10s), so it never injects a fault`,
    ]);
  });

  it("a workload's stopAt within the warm-up or after the end, and a spike after the end", () => {
    expect(problems(scenario({ head: 'duration: 20s\nwarmup: 5s', workload: ', stopAt: 5s' }))).toEqual([
      `${FILE}:11:92 workloads.users.stopAt: the workload stops sending at 5s, before the warm-up ends (warmup: 5s), so none of its requests are measured`,
    ]);
    expect(problems(scenario({ workload: ', stopAt: 25s' }))).toEqual([
      `${FILE}:10:92 workloads.users.stopAt: stopAt 25s is not before the end of the run (duration: 20s), so the workload never stops early`,
    ]);
    expect(problems(scenario({ workload: ', shape: { type: spike, at: 30s, for: 1s, factor: 2 }' }))).toEqual([
      `${FILE}:10:110 workloads.users.shape.at: the spike at 30s is not before the end of the run (duration: 20s), so it has no effect`,
    ]);
  });

  it("a variant's own times are errors at its set entry", () => {
    const text = scenario({ tail: 'variants:\n  - { name: long-warmup, set: { warmup: 30s } }' });
    expect(problems(text)).toEqual([
      `${FILE}:12:41 variants.0.set.warmup: the warm-up (30s) lasts the whole run (duration: 20s), so nothing would be measured; make it shorter than the run`,
    ]);
  });
});

describe('a run shortened on purpose goes ahead, and its report says what it left out', () => {
  const faults =
    '  timeline:\n    - { at: 2s, action: crash, nodes: server-1, for: 1s }\n    - { at: 8s, action: partition, sides: [server, client] }';

  async function report(loaded: LoadedScenario) {
    const planned =
      loaded.variants.length > 0
        ? loaded.variants.map((v) => ({ name: v.name, scenario: v.scenario }))
        : [{ name: 'base', scenario: loaded.scenario }];
    const runs = [];
    for (const p of planned) runs.push({ name: p.name, overrides: {}, run: await runScenario(p.scenario) });
    return buildReport({ faultlineVersion: 'test', file: null, scenario: loaded.scenario, runs, wallSeconds: 0 });
  }

  it('--duration before a fault: a warning in report.json, not an error', async () => {
    const r = await report(load(scenario({ faults }), [duration('5s')]));
    expect(r.warnings).toEqual([
      'faults.timeline.1.at: the partition at 8s is not before the end of the run (5s), so it has no effect',
    ]);
    expect(r.faults.map((f) => f.kind)).not.toContain('partition');
  });

  it("a variant's shorter duration warns for that variant only", async () => {
    const text = scenario({
      faults,
      tail: 'variants:\n  - { name: full }\n  - { name: short, set: { duration: 5s } }',
    });
    const r = await report(load(text));
    expect(r.warnings).toEqual([
      'variant "short": faults.timeline.1.at: the partition at 8s is not before the end of the run (5s), so it has no effect',
    ]);
  });

  it('a window longer than what is measured warns, from the file or after --duration', async () => {
    const text = scenario({ head: 'duration: 60s\nwarmup: 2s', tail: 'slo: { window: 5s }' });
    expect((await report(load(text, [duration('4s')]))).warnings).toEqual([
      'one 5s window (slo.window) is longer than what is measured (2s, after a 2s warm-up): the timeline, downtime and recovery times are coarse',
    ]);
    expect((await report(load(text.replace('window: 5s', 'window: 100s')))).warnings).toEqual([
      'one 100s window (slo.window) is longer than what is measured (58s, after a 2s warm-up): the timeline, downtime and recovery times are coarse',
    ]);
  });
});
