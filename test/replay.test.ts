import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstDivergentWindow } from '../explore/replay.js';
import type { Report, TraceCheckpoints } from '../reports/report-types.js';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { CheckpointRecorder, MAX_CHECKPOINTS } from '../scenarios/harness/trace-checkpoints.js';
import type { TraceLine } from '../engine/trace.js';
import { faultline } from './support/run-cli.js';

let dir: string;
const at = (name: string) => join(dir, name);
/** failover's async variant cut to 13 s: the leader crashes at 12 s. */
const RUN = ['failover', '--variant', 'async', '--duration', '13s', '--exit-zero', '--quiet'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-replay-'));
  const r = await faultline(['run', ...RUN, '--out', at('run'), '--trace', at('events.jsonl')]);
  expect(r.code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = () => JSON.parse(readFileSync(at('run/report.json'), 'utf8')) as Report;
const trace = () =>
  readFileSync(at('events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceLine);
/** The report with `edit` applied to a copy, written beside it. */
function edited(name: string, edit: (r: Report) => void): string {
  const r = report();
  edit(r);
  writeFileSync(at(name), JSON.stringify(r));
  return at(name);
}

describe('faultline replay', () => {
  it('runs the report again and confirms its trace hash', async () => {
    const r = await faultline(['replay', at('run/report.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `identical: trace hash ${report().traceHash}, ${report().events.toLocaleString('en-US')} events\n`,
    );
  });

  it('embeds the resolved scenario: the command line overrides are in it and it runs on its own', () => {
    const { document, overrides } = report().scenario.resolved!;
    expect(overrides).toEqual(['duration=13s']);
    expect(document.name).toBe('failover');
    expect(document.duration).toBe('30s');
    expect((document.faults as { timeline: unknown[] }).timeline).toHaveLength(1);
  });

  it('names the first checkpoint window that differs, and with the original trace the first event', async () => {
    // The crash moves from 12 s to 12.5 s: everything before 12 s is the same.
    const moved = edited('moved.json', (r) => {
      const faults = r.scenario.resolved!.document.faults as { timeline: { at: string }[] };
      faults.timeline[0].at = '12.5s';
    });
    const crash = trace().find((l) => l.kind === 'call' && l.timeUs === 12_000_000)!;
    const r = await faultline(['replay', moved]);
    expect(r.code).toBe(4);
    // Between two checkpoints, or after the last one (the crash comes late in this short run).
    const window = /first difference (?:between events ([\d,]+) and ([\d,]+)|after event ([\d,]+))/.exec(r.stdout);
    expect(window).not.toBeNull();
    const number = (n: string | undefined) => (n === undefined ? Infinity : Number(n.replaceAll(',', '')));
    expect(number(window![1] ?? window![3])).toBeLessThanOrEqual(crash.index);
    expect(number(window![2])).toBeGreaterThan(crash.index);
    expect(r.stdout).toMatch(/faultline replay .* --trace events\.jsonl/);

    const named = await faultline(['replay', moved, '--trace', at('events.jsonl')]);
    expect(named.code).toBe(4);
    expect(named.stdout).toContain(`first divergent event: #${crash.index}`);
    expect(named.stdout).toMatch(/original: timeUs=12000000 kind=call/);
  });

  it('tells a report from another faultline version apart from a divergence', async () => {
    const same = edited('old-version.json', (r) => (r.faultline = '0.0.1'));
    const r = await faultline(['replay', same]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('written by faultline 0.0.1, replayed by');
    const differs = edited('old-version-moved.json', (r) => {
      r.faultline = '0.0.1';
      (r.scenario.resolved!.document.faults as { timeline: { at: string }[] }).timeline[0].at = '12.5s';
    });
    const d = await faultline(['replay', differs]);
    expect(d.code).toBe(2);
    expect(d.stdout).toContain('was written by faultline 0.0.1');
    expect(d.stdout).toContain('not a determinism failure: replay it with faultline 0.0.1');
  });

  it('stops at a time and shows the nodes, messages in flight, timers and faults there', async () => {
    const r = await faultline(['replay', at('run/report.json'), '--until', '12.5s', '--json']);
    expect(r.code).toBe(0);
    const state = JSON.parse(r.stdout);
    expect(state.timeUs).toBe(12_500_000);
    expect(state.nodes.map((n: { name: string }) => n.name)).toEqual([
      'db-1',
      'db-2',
      'db-3',
      'db-4',
      'client-1',
      'client-2',
    ]);
    const byName = new Map(state.nodes.map((n: { name: string }) => [n.name, n]));
    expect(byName.get('db-1')).toMatchObject({
      status: 'down',
      state: null,
      instance: 'store',
      type: 'leader-follower',
    });
    expect(byName.get('db-2')).toMatchObject({ status: 'up', state: { role: expect.any(String) } });
    expect(state.faults).toEqual([{ timeUs: 12_000_000, kind: 'crash', nodes: ['db-1'] }]);
    // What the trace says: every event up to 12.5 s handled.
    expect(state.events).toBe(
      trace().filter((l) => l.kind !== 'send' && l.kind !== 'fault' && l.timeUs <= 12_500_000).length,
    );

    const text = await faultline(['replay', at('run/report.json'), '--until', '12.5s', '--node', 'db-2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^failover · async · seed 1: stopped at 12\.500000s/);
    expect(text.stdout).toMatch(/nodes \(1\)\n {2}db-2 {2}store \(leader-follower\) {2}UP {2}role=/);
  });

  it('stops after an event: the state there agrees with the trace', async () => {
    const crash = trace().find((l) => l.kind === 'fault')!;
    const r = await faultline(['replay', at('run/report.json'), '--event', String(crash.index), '--json']);
    expect(r.code).toBe(0);
    const state = JSON.parse(r.stdout);
    expect(state.events).toBe(crash.index + 1);
    expect(state.timeUs).toBe(crash.timeUs);
    const last = trace().filter((l) => l.index === crash.index && l.hash !== undefined)[0];
    expect(state.traceHash.length).toBe(16);
    expect(last.kind).toBe('call');
    // Messages to db-1 still in flight will find it down.
    for (const m of state.messages.filter((m: { to: string }) => m.to === 'db-1')) expect(m.receiverDown).toBe(true);
  });

  it('writes the time-travel page for a window, by default around the first fault', async () => {
    const r = await faultline(['replay', at('run/report.json'), '--html', at('view.html')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/view\.html: [\d,]+ events from 11\.950000s to 12\.450000s\n/);
    const page = readFileSync(at('view.html'), 'utf8');
    expect(page).toContain('<!doctype html>');
    expect(page).toContain('id="time-travel-data"');
    const narrow = await faultline([
      'replay',
      at('run/report.json'),
      '--html',
      at('narrow.html'),
      '--from',
      '12s',
      '--to',
      '12.01s',
    ]);
    expect(narrow.code).toBe(0);
    expect(narrow.stdout).toMatch(/from 12\.000000s to 12\.010000s/);
  });

  it('refuses what it cannot replay, saying why', async () => {
    const cases: [string[], RegExp][] = [
      [['replay', at('nope.json')], /nope\.json: cannot read it \(ENOENT\)/],
      [
        ['replay', edited('format3.json', (r) => ((r as { format: number }).format = 3))],
        /format 3, but this faultline reads formats 4, 5, 6 and 7; .* can replay/,
      ],
      [['replay', edited('no-scenario.json', (r) => (r.scenario.resolved = null))], /holds no scenario to run again/],
      [
        ['replay', edited('bad-scenario.json', (r) => (r.scenario.resolved!.document.warmup = 'soon'))],
        /\(scenario\.resolved\):\d+:\d+ warmup: /,
      ],
      [['replay', at('run/report.json'), '--variant', 'sync'], /no run named "sync"; its runs: async/],
      [['replay', at('run/report.json'), '--until', '14s'], /the run ends at 13\.0s/],
      [['replay', at('run/report.json'), '--until', 'noon'], /--until noon: not a time/],
      [['replay', at('run/report.json'), '--event', '99999999'], /--event 99999999: the run has [\d,]+ events/],
      [
        ['replay', at('run/report.json'), '--until', '1s', '--node', 'db-9'],
        /--node db-9: no such node \(did you mean "db-1"\?\)/,
      ],
      [['replay', at('run/report.json'), '--node', 'db-1'], /--node narrows what --until or --event show/],
      [['replay', at('run/report.json'), '--trace', at('nope.jsonl')], /--trace .*nope\.jsonl: cannot read it/],
      [
        ['replay', at('run/report.json'), '--html', at('v.html'), '--from', '12s', '--to', '11s'],
        /the window 12\.0s to 11\.0s is empty/,
      ],
      [['replay', at('run/report.json'), '--html', at('v.html'), '--to', '20s'], /--to 20s: the run ends at 13\.0s/],
      [['replay', at('run/report.json'), '--from', '12s'], /--from and --to set the window of the page --html/],
    ];
    writeFileSync(at('garbage.jsonl'), 'hello\n');
    cases.push([
      ['replay', at('run/report.json'), '--trace', at('garbage.jsonl')],
      /not a faultline trace: a line is not JSON/,
    ]);
    for (const [args, message] of cases) {
      const r = await faultline(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('trace-hash checkpoints', () => {
  it('are the hashes a run has after every everyEvents events, however the run is cut into slices', () => {
    const scenario = loadScenario('scenarios/failover.yaml', { overrides: ['duration=3s'] }).variants[0].scenario;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 8 }), (slices) => {
        const built = buildScenario(scenario);
        const recorder = new CheckpointRecorder();
        for (const n of slices) recorder.run(built.sim, scenario.duration, n);
        recorder.run(built.sim, scenario.duration, Infinity);
        const single = buildScenario(scenario).sim;
        const expected: string[] = [];
        const every = recorder.result().everyEvents;
        while (single.events < built.sim.events) {
          single.run({ untilUs: scenario.duration, maxEvents: every });
          if (single.events % every === 0) expected.push(single.traceHashNow());
        }
        expect(recorder.result().hashes).toEqual(expected);
      }),
      { numRuns: 5 },
    );
  });

  it('keep at most MAX_CHECKPOINTS, doubling their spacing', () => {
    const recorder = new CheckpointRecorder();
    while (recorder.nextAt <= 3 * MAX_CHECKPOINTS * 1024) recorder.record(`h${recorder.nextAt}`);
    const { everyEvents, hashes } = recorder.result();
    expect(hashes.length).toBeLessThanOrEqual(MAX_CHECKPOINTS);
    expect(everyEvents).toBe(4096);
    hashes.forEach((h, i) => expect(h).toBe(`h${(i + 1) * everyEvents}`));
  });

  it('name the first window that differs, at the coarser spacing when the runs kept different ones', () => {
    const c = (everyEvents: number, hashes: string[]): TraceCheckpoints => ({ everyEvents, hashes });
    expect(firstDivergentWindow(c(10, ['a', 'b', 'c']), c(10, ['a', 'b', 'c']), 35, 35)).toBeNull();
    expect(firstDivergentWindow(c(10, ['a', 'x', 'c']), c(10, ['a', 'b', 'c']), 35, 35)).toEqual({
      fromEvents: 10,
      toEvents: 20,
    });
    expect(firstDivergentWindow(c(10, ['a', 'b']), c(10, ['a', 'b', 'c']), 25, 35)).toEqual({
      fromEvents: 20,
      toEvents: null,
    });
    // The longer run doubled its spacing: its 20-event checkpoints are the shorter run's every second one.
    expect(firstDivergentWindow(c(10, ['a', 'b', 'c', 'd']), c(20, ['b', 'D']), 45, 45)).toEqual({
      fromEvents: 20,
      toEvents: 40,
    });
  });
});
