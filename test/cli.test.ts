import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** End to end through the built binary, as a user runs it (`npm test` builds first). */
const BIN = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
let work: string;

function faultline(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const withoutWall = (json: string) => {
  const { wall: _wall, ...rest } = JSON.parse(json);
  return rest;
};

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  work = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('faultline run', () => {
  it('writes report.json, one SVG per chart and report.html atomically, and exits 1 when the SLO fails', () => {
    const r = faultline(['run', 'regional-partition', '--out', 'rp']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('regional-partition');
    expect(r.stdout).toMatch(/SLO availability\s.*FAIL/);
    expect(r.stdout).toContain(`report: ${join('rp', 'report.html')}`);
    const files = readdirSync(join(work, 'rp')).sort();
    expect(files).toContain('report.json');
    expect(files).toContain('report.html');
    expect(files.filter((f) => f.endsWith('.svg')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
    const report = JSON.parse(readFileSync(join(work, 'rp', 'report.json'), 'utf8'));
    expect(Object.keys(report).slice(0, 5)).toEqual(['format', 'faultline', 'scenario', 'warnings', 'seed']);
    expect(Object.keys(report).at(-1)).toBe('wall');
    for (const key of [
      'scenario',
      'seed',
      'traceHash',
      'events',
      'simulatedSeconds',
      'metrics',
      'faults',
      'slo',
      'wall',
    ])
      expect(report).toHaveProperty(key);
    expect(report.traceHash).toBe('3b346f39062baff0');
    expect(report.slo.passed).toBe(false);
  });

  it('--json puts the report, and nothing else, on stdout; equal seeds give identical reports but for wall', () => {
    const a = faultline(['run', 'regional-partition', '--json', '--exit-zero', '--out', 'j1']);
    const b = faultline(['run', 'regional-partition', '--json', '--exit-zero', '--out', 'j2']);
    expect(a.code, a.stderr).toBe(0);
    expect(withoutWall(a.stdout)).toEqual(withoutWall(b.stdout));
    expect(JSON.stringify(withoutWall(a.stdout))).toBe(
      JSON.stringify(withoutWall(readFileSync(join(work, 'j2', 'report.json'), 'utf8'))),
    );
    const c = faultline(['run', 'regional-partition', '--json', '--exit-zero', '--seed', '2', '--out', 'j3']);
    expect(JSON.parse(c.stdout).traceHash).not.toBe(JSON.parse(a.stdout).traceHash);
    expect(JSON.parse(c.stdout).seed).toBe(2);
  });

  it('--set overrides a field, validated like the file', () => {
    const base = JSON.parse(
      faultline(['run', 'server-sizing', '--json', '--exit-zero', '--out', 's0', '--duration', '5s']).stdout,
    );
    const r = faultline([
      'run',
      'server-sizing',
      '--json',
      '--exit-zero',
      '--out',
      's1',
      '--duration',
      '5s',
      '--set',
      'components.api.queueCapacity=0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.simulatedSeconds).toBe(5);
    expect(report.variants.map((v: { name: string }) => v.name)).toEqual(['workers-4', 'workers-6', 'workers-8']);
    expect(report.metrics.requests.errors.rejected).toBeGreaterThan(base.metrics.requests.errors.rejected);
    const bad = faultline(['run', 'server-sizing', '--out', 's2', '--set', 'components.api.workers=lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^--set components\.api\.workers: /m);
    expect(existsSync(join(work, 's2'))).toBe(false);
  });

  it('compares variants side by side, sharing random numbers where they are alike', () => {
    const report = JSON.parse(
      faultline(['run', 'server-sizing', '--json', '--exit-zero', '--out', 'v', '--duration', '5s']).stdout,
    );
    expect(report.comparison.variants).toEqual(['workers-4', 'workers-6', 'workers-8']);
    const p99 = report.comparison.rows.find((r: { key: string }) => r.key === 'p99').values;
    expect(p99[0]).toBeGreaterThan(p99[2]);
    // Common random numbers: arrivals come from the same streams, so every variant sees the same requests.
    const sent = report.variants.map((v: { metrics: { requests: { sent: number } } }) => v.metrics.requests.sent);
    expect(new Set(sent).size).toBe(1);
  });

  it('a queueing station gets a theory table beside its simulated values', () => {
    const r = faultline(['run', 'mm1', '--duration', '120s', '--json', '--out', 'mm1']);
    expect(r.code, r.stderr).toBe(0);
    const [check] = JSON.parse(r.stdout).theory;
    expect(check).toMatchObject({
      component: 'station',
      model: 'M/M/1',
      method: 'Pollaczek–Khinchine',
      arrivalRatePerSec: 800,
    });
    expect(check.rows.map((row: { key: string }) => row.key)).toEqual([
      'utilization',
      'mean-time-at-server',
      'probability-of-waiting',
    ]);
    expect(readFileSync(join(work, 'mm1', 'report.html'), 'utf8')).toContain('<h2>Queueing theory</h2>');
  });

  it('--check-determinism runs twice and says so', () => {
    const r = faultline([
      'run',
      'server-sizing',
      '--duration',
      '3s',
      '--check-determinism',
      '--exit-zero',
      '--out',
      'd',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('determinism: a second run gave an identical report');
  });

  it('bad input exits 2 with file:line:col, and writes nothing', () => {
    writeFileSync(join(work, 'bad.yaml'), 'name: bad\nduration: 10 parsecs\n');
    const r = faultline(['run', 'bad.yaml', '--out', 'bad-out']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bad\.yaml:2:11 duration: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, 'bad-out'))).toBe(false);
    expect(faultline(['run', 'no-such-scenario']).stderr).toContain('faultline list');
    expect(faultline(['run', 'no-such-scenario']).code).toBe(2);
    expect(faultline(['run', 'regional-partition', '--seed', '-3']).code).toBe(2);
    expect(faultline(['run', 'regional-partition', '--duration', 'soon']).code).toBe(2);
    expect(faultline(['frobnicate']).code).toBe(2);
  });

  it('Ctrl-C stops the run cleanly, exits 130 and leaves no file behind', async () => {
    const child = spawn(process.execPath, [BIN, 'run', 'flaky-network', '--duration', '2h', '--out', 'interrupted'], {
      cwd: work,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted');
    expect(existsSync(join(work, 'interrupted'))).toBe(false);
  });
});

describe('the other commands', () => {
  it('--version and --help', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(faultline(['--version']).stdout.trim()).toBe(pkg.version);
    for (const command of ['run', 'validate', 'list', 'schema', 'report']) {
      const help = faultline([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
    }
  });

  it('validate accepts every bundled scenario and rejects a bad file with exit 2', () => {
    const scenarios = join(import.meta.dirname, '..', 'scenarios');
    const files = readdirSync(scenarios)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(scenarios, f));
    const ok = faultline(['validate', ...files]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(files.length);
    writeFileSync(join(work, 'typo.yaml'), 'name: typo\nduration: 1s\ntopology:\n  nodez: {}\n');
    const bad = faultline(['validate', 'typo.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('typo.yaml:4:3 topology.nodez: unknown key "nodez"');
  });

  it('list shows each bundled scenario with its description; schema prints the JSON Schema', () => {
    const list = faultline(['list']).stdout;
    for (const name of ['regional-partition', 'server-sizing', 'flaky-network'])
      expect(list).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
    const schema = JSON.parse(faultline(['schema']).stdout);
    expect(schema.properties.components).toBeDefined();
    expect(schema).toEqual(
      JSON.parse(readFileSync(join(import.meta.dirname, '..', 'scenarios', 'scenario.schema.json'), 'utf8')),
    );
  });

  it('report re-renders the same charts and HTML from a saved report.json', () => {
    expect(faultline(['run', 'regional-partition', '--quiet', '--exit-zero', '--out', 'orig']).code).toBe(0);
    const r = faultline(['report', join('orig', 'report.json'), '--out', 'again']);
    expect(r.code, r.stderr).toBe(0);
    for (const file of readdirSync(join(work, 'orig'))) {
      expect(readFileSync(join(work, 'again', file), 'utf8'), file).toBe(
        readFileSync(join(work, 'orig', file), 'utf8'),
      );
    }
    writeFileSync(join(work, 'not-a-report.json'), '{"hello": 1}');
    expect(faultline(['report', 'not-a-report.json']).code).toBe(2);
    expect(faultline(['report', 'missing.json']).code).toBe(2);
    writeFileSync(join(work, 'partial.json'), '{"format": 1, "metrics": {}}');
    const partial = faultline(['report', 'partial.json']);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('the report lacks scenario');
  });
});

describe('faultline check', () => {
  const jepsen = join(import.meta.dirname, 'fixtures', 'jepsen');

  it('prints a JSON verdict: exit 0 when linearizable, 1 with a counterexample when not', () => {
    const ok = faultline(['check', join(jepsen, 'kv', 'c10-ok.txt'), '--model', 'kv']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ linearizable: true, model: 'kv', partitions: 10 });
    const bad = faultline(['check', join(jepsen, 'etcd', 'etcd_000.log'), '--model', 'register', '--format', 'jepsen']);
    expect(bad.code, bad.stderr).toBe(1);
    const verdict = JSON.parse(bad.stdout);
    expect(verdict.linearizable).toBe(false);
    expect(verdict.counterexample.stuck).toMatchObject({ f: 'read' });
    expect(verdict.counterexample.explanation).toMatch(/^In the longest order found, the register ends at/);
  });

  it('exits 2 with file:line on an unreadable history, a missing file, or the wrong model', () => {
    writeFileSync(
      join(work, 'broken.jsonl'),
      '{"process":0,"type":"invoke","f":"read","value":null}\n{"process":0,"type":"ok"\n',
    );
    const broken = faultline(['check', 'broken.jsonl', '--model', 'register']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^broken\.jsonl:2: not JSON/);
    expect(faultline(['check', 'nowhere.log', '--model', 'register']).stderr).toMatch(
      /nowhere\.log: cannot read it \(ENOENT\)/,
    );
    const wrong = faultline(['check', join(jepsen, 'kv', 'c01-ok.txt'), '--model', 'register']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/a register has no operation "append".*is --model register right\?/);
    expect(faultline(['check', 'broken.jsonl']).code).toBe(2);
  });
});
