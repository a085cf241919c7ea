import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulation } from '../engine/index.js';
import { HistoryRecorder } from '../models/measure/history-recorder.js';
import { buildReport } from '../reports/build-report.js';
import { parseReport } from '../reports/report-schema.js';
import type { Report } from '../reports/report-types.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { MAX_WINDOWS } from '../scenarios/harness/run-timing.js';
import { faultline } from './support/run-cli.js';

/** Memory grows with nodes, keys and in-flight work, never with simulated time; what cannot fit is refused clearly. */

const BIN = join(import.meta.dirname, '..', 'dist', 'bin', 'faultline.js');
const SCENARIOS = join(import.meta.dirname, '..', 'scenarios');
let work: string;

/** One client at 10/s to one server: cheap per simulated second, so only the length of the run is large. */
const TINY = `name: tiny
duration: 10s
topology:
  regions: [dc]
  nodes:
    server: { count: 1 }
    client: { count: 1 }
components:
  api: { type: queue-server, nodes: server, serviceTime: 1ms }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 10/s }
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-bounded-'));
  writeFileSync(join(work, 'tiny.yaml'), TINY);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(name: string, args: string[]) {
  const out = join(work, name);
  const result = await faultline(['run', join(work, 'tiny.yaml'), '--quiet', '--exit-zero', '--out', out, ...args]);
  const file = join(out, 'report.json');
  return { ...result, out, report: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Report) : null };
}

describe('windows are capped however long the run', () => {
  it('widens the windows of a run longer than MAX_WINDOWS of them, and says so', async () => {
    // 200,000 windows of 1s: past the ~125,000 at which spreading them into Math.max overflowed the stack.
    const { code, report } = await run('long', ['--duration', '200000s', '--set', 'workloads.users.stopAt=10s']);
    expect(code).toBe(0);
    expect(report!.metrics.timeline).toHaveLength(MAX_WINDOWS);
    expect(report!.scenario.windowUs).toBe(20_000_000);
    expect(report!.scenario.requestedWindowUs).toBe(1_000_000);
    expect(report!.metrics.timeline.at(-1)!.endUs).toBe(200_000_000_000);
    for (const c of report!.metrics.components) expect(c.timeline.utilization).toHaveLength(MAX_WINDOWS);
    expect(report!.warnings).toContainEqual(expect.stringContaining('200000 windows of 1s (slo.window)'));
    expect(parseReport(report).ok, 'faultline report reads it back').toBe(true);
  });

  it('runs a 1 µs window over an hour in at most MAX_WINDOWS windows', async () => {
    const { code, report } = await run('micro', ['--duration', '1h', '--set', 'slo.window=1us']);
    expect(code).toBe(0);
    expect(report!.metrics.timeline).toHaveLength(MAX_WINDOWS);
    expect(report!.scenario.windowUs).toBe(360_000);
    expect(report!.metrics.requests.sent).toBeGreaterThan(30_000);
  });

  it('leaves a run within the cap exactly as declared', async () => {
    const { report } = await run('short', ['--duration', '20s']);
    expect(report!.scenario.windowUs).toBe(1_000_000);
    expect(report!.scenario).not.toHaveProperty('requestedWindowUs');
    expect(report!.warnings).toEqual([]);
  });
});

describe('durations out of range are refused at validation', () => {
  it('refuses a duration that parses to Infinity, or past 100 years, with its place in the file', async () => {
    const nines = `${'9'.repeat(400)}s`;
    writeFileSync(join(work, 'forever.yaml'), TINY.replace('duration: 10s', `duration: ${nines}`));
    const forever = await faultline(['validate', join(work, 'forever.yaml')]);
    expect(forever.code).toBe(2);
    expect(forever.stderr).toContain(
      `forever.yaml:2:11 duration: "${nines}" is too long: a duration is at most 100 years`,
    );

    const huge = await run('huge', ['--duration', '100000000000000000000s']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('--duration: "100000000000000000000s" is too long');
    expect(existsSync(huge.out)).toBe(false);
  });

  it('refuses any other time past the limit too', async () => {
    const { code, stderr } = await run('late', ['--set', 'slo.window=36526d']);
    expect(code).toBe(2);
    expect(stderr).toContain('slo.window: "36526d" is too long');
  });
});

describe('a run past its event or memory budget stops with exit 2 and writes nothing', () => {
  it('refuses up front a run whose arrivals alone are over the event budget', async () => {
    const { code, stderr, out } = await run('flood', [
      '--duration',
      '1h',
      '--set',
      'workloads.users.rate=1000000000/s',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'the run would take at least 3.60e+12 events (workloads.users: 1000000000/s × 1 node × 1h)',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('stops a run when it reaches --max-events', async () => {
    const { code, stderr, out } = await run('budget', ['--max-events', '100']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/the run reached its budget of 100 events \(--max-events raises it\), at [\d.]+s of 10s/);
    expect(existsSync(out)).toBe(false);
    expect((await run('enough', ['--max-events', '100000'])).code).toBe(0);
  });

  it('refuses a --max-events that is not a whole number', async () => {
    expect((await run('bad-budget', ['--max-events', '1e3'])).code).toBe(2);
  });

  it('stops a run whose memory grows toward the heap limit instead of letting V8 abort', () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
    // An open loop at 5x the server's capacity: the queue, and so memory, grows with simulated time.
    const args = ['--duration', '2h', '--set', 'workloads.users.rate=5000/s', '--quiet', '--out', join(work, 'heap')];
    const r = spawnSync(process.execPath, ['--max-old-space-size=96', BIN, 'run', 'mm1', ...args], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/mm1: its memory \(\d+ MB, growing\) was about to pass 80% of Node's heap limit/);
    expect(existsSync(join(work, 'heap'))).toBe(false);
  });
});

describe('node counts are capped', () => {
  it('refuses a group of ten million nodes at its count', async () => {
    writeFileSync(join(work, 'crowd.yaml'), TINY.replace('client: { count: 1 }', 'client: { count: 10000000 }'));
    const { code, stderr } = await faultline(['validate', join(work, 'crowd.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toContain('crowd.yaml:7:22 topology.nodes.client.count: a scenario has at most 100000 nodes\n');
    expect(stderr.match(/at most 100000/g)).toHaveLength(1);
  });

  it('refuses groups that are over the cap together', async () => {
    const text = TINY.replace('server: { count: 1 }', 'server: { count: 60000 }').replace(
      'client: { count: 1 }',
      'client: { count: 50000 }',
    );
    writeFileSync(join(work, 'crowds.yaml'), text);
    const { code, stderr } = await faultline(['validate', join(work, 'crowds.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'crowds.yaml:6:22 topology.nodes.server.count: the groups hold 110000 nodes together; a scenario has at most 100000',
    );
  });
});

describe('store histories are capped', () => {
  const sim = {} as Simulation;

  it('keeps the first operations and the completions of those, and counts what it left out', () => {
    const h = new HistoryRecorder(sim, {}, 2);
    h.invoke(0, 0, 'write', 1, 1, 10);
    h.invoke(1, 1, 'read', 1, null, 11);
    h.invoke(2, 2, 'read', 1, null, 12);
    h.complete(2, 2, 'ok', 'read', 1, 1, 13);
    h.complete(0, 0, 'ok', 'write', 1, 1, 14);
    h.invoke(0, 0, 'write', 1, 2, 15);
    h.complete(0, 0, 'ok', 'write', 1, 2, 16);
    h.complete(1, 1, 'ok', 'read', 1, 1, 17);
    expect(h.events.map((e) => [e.process, e.type, e.timeUs])).toEqual([
      [0, 'invoke', 10],
      [1, 'invoke', 11],
      [0, 'ok', 14],
      [1, 'ok', 17],
    ]);
    expect(h.truncation).toEqual({ keptOperations: 2, droppedOperations: 2, fromUs: 12 });
  });

  it('says in the report that the checks cover only the kept operations', async () => {
    const { scenario } = loadScenario(join(SCENARIOS, 'lww-clock-skew.yaml'), { overrides: ['duration=5s'] });
    const completed = await runScenario(scenario, { maxHistoryOperations: 100 });
    const report = buildReport({
      faultlineVersion: 'test',
      file: null,
      scenario,
      runs: [{ name: 'base', overrides: {}, run: completed }],
      wallSeconds: 1,
    });
    expect(report.consistency!.truncated).toMatchObject({ keptOperations: 100 });
    expect(report.consistency!.operations.invoked).toBe(100);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^the store history keeps its first 100 operations/));
    expect(parseReport(JSON.parse(JSON.stringify(report))).ok, 'faultline report reads it back').toBe(true);
  });
});
