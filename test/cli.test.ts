import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FORMAT_VERSION } from '../reports/report-types.js';
import { faultline } from './support/run-cli.js';

/**
 * The commands in-process, through `main` with captured output; the built binary (`npm test` builds first) where
 * it is the point: signals, a closed pipe, exit codes and --help as a user meets them.
 */
const BIN = join(import.meta.dirname, '..', 'dist', 'bin', 'faultline.js');
let work: string;
/** A path in the test's folder: the commands run in-process, from the repository's root. */
const at = (...parts: string[]) => join(work, ...parts);

function binary(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The last line on stderr: why the exit code is not 0. */
const reason = (stderr: string) => stderr.trimEnd().split('\n').at(-1);

/** Stderr without the plain progress lines a run longer than a second prints (a loaded machine makes any run that long). */
const withoutProgress = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line !== '' && !/: [\d.]+s of [\d.]+s simulated \(\d+%\), [\d,]+ events$/.test(line))
    .join('\n');

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
  it('writes report.json, one SVG per chart and report.html atomically, and exits 1 when the SLO fails', async () => {
    const r = await faultline(['run', 'regional-partition', '--out', at('rp')]);
    expect(r.code, r.stderr).toBe(1);
    expect(reason(r.stderr)).toBe('faultline: exit 1: the SLO failed: availability (--exit-zero exits 0 all the same)');
    expect(r.stdout).toContain('regional-partition');
    expect(r.stdout).toMatch(/SLO availability\s.*FAIL/);
    expect(r.stdout).toContain(`report: ${at('rp', 'report.html')}`);
    const files = readdirSync(at('rp')).sort();
    expect(files).toContain('report.json');
    expect(files).toContain('report.html');
    expect(files.filter((f) => f.endsWith('.svg')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
    const report = JSON.parse(readFileSync(at('rp', 'report.json'), 'utf8'));
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
    expect(report.traceHash).toBe('eaeede41be9a1f6f');
    expect(report.slo.passed).toBe(false);
  });

  it('--json puts the report, and nothing else, on stdout; equal seeds give identical reports but for wall', async () => {
    const a = await faultline(['run', 'regional-partition', '--json', '--exit-zero', '--out', at('j1')]);
    const b = await faultline(['run', 'regional-partition', '--json', '--exit-zero', '--out', at('j2')]);
    expect(a.code, a.stderr).toBe(0);
    expect(withoutProgress(a.stderr)).toBe('');
    expect(withoutWall(a.stdout)).toEqual(withoutWall(b.stdout));
    expect(JSON.stringify(withoutWall(a.stdout))).toBe(
      JSON.stringify(withoutWall(readFileSync(at('j2', 'report.json'), 'utf8'))),
    );
    const c = await faultline(['run', 'regional-partition', '--json', '--exit-zero', '--seed', '2', '--out', at('j3')]);
    expect(JSON.parse(c.stdout).traceHash).not.toBe(JSON.parse(a.stdout).traceHash);
    expect(JSON.parse(c.stdout).seed).toBe(2);
  });

  it('--json without --out writes no files, not even to the folder the scenario names; with --out it writes them', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'faultline-json-'));
    try {
      const scenario = readFileSync(join(import.meta.dirname, '..', 'scenarios', 'mm1.yaml'), 'utf8');
      writeFileSync(join(cwd, 'named.yaml'), `${scenario}\noutputs: { dir: named-out }\n`);
      const run = (args: string[]) =>
        spawnSync(process.execPath, [BIN, 'run', ...args, '--duration', '12s', '--json', '--exit-zero'], {
          cwd,
          encoding: 'utf8',
        });
      for (const args of [['mm1'], ['named.yaml']]) {
        const r = run(args);
        expect(r.status, r.stderr).toBe(0);
        expect(withoutProgress(r.stderr)).toBe('');
        expect(JSON.parse(r.stdout).scenario.name).toBe('mm1');
      }
      expect(readdirSync(cwd)).toEqual(['named.yaml']);
      const written = run(['mm1', '--out', 'given']);
      expect(written.status, written.stderr).toBe(0);
      expect(withoutWall(readFileSync(join(cwd, 'given', 'report.json'), 'utf8'))).toEqual(withoutWall(written.stdout));
      expect(readdirSync(join(cwd, 'given'))).toContain('report.html');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('--set overrides a field, validated like the file', async () => {
    const base = JSON.parse(
      (await faultline(['run', 'server-sizing', '--json', '--exit-zero', '--out', at('s0'), '--duration', '5s']))
        .stdout,
    );
    const r = await faultline([
      'run',
      'server-sizing',
      '--json',
      '--exit-zero',
      '--out',
      at('s1'),
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
    const bad = await faultline(['run', 'server-sizing', '--out', at('s2'), '--set', 'components.api.workers=lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^--set components\.api\.workers: /m);
    expect(reason(bad.stderr)).toBe('faultline: exit 2: bad input (see above)');
    expect(existsSync(at('s2'))).toBe(false);
  });

  it('compares variants side by side, sharing random numbers where they are alike', async () => {
    const report = JSON.parse(
      (await faultline(['run', 'server-sizing', '--json', '--exit-zero', '--out', at('v'), '--duration', '5s'])).stdout,
    );
    expect(report.comparison.variants).toEqual(['workers-4', 'workers-6', 'workers-8']);
    const p99 = report.comparison.rows.find((r: { key: string }) => r.key === 'p99').values;
    expect(p99[0]).toBeGreaterThan(p99[2]);
    // Common random numbers: arrivals come from the same streams, so every variant sees the same requests.
    const sent = report.variants.map((v: { metrics: { requests: { sent: number } } }) => v.metrics.requests.sent);
    expect(new Set(sent).size).toBe(1);
  });

  it('a queueing station gets a theory table beside its simulated values, in the report and the summary', async () => {
    const r = await faultline(['run', 'mm1', '--duration', '120s', '--out', at('mm1')]);
    expect(r.code, r.stderr).toBe(0);
    const [check] = JSON.parse(readFileSync(at('mm1', 'report.json'), 'utf8')).theory;
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
    expect(readFileSync(at('mm1', 'report.html'), 'utf8')).toContain('<h2>Queueing theory</h2>');
    expect(r.stdout).toContain('queueing theory: station as M/M/1 (Pollaczek–Khinchine)');
    expect(r.stdout).toMatch(/mean time at the server \(wait \+ service\)\s+│\s+5\.00ms\s+│\s+\d\.\d\dms/);
  });

  it('--check-determinism runs twice and says so; an SLO that fails still exits 1, and says that is why', async () => {
    const r = await faultline([
      'run',
      'server-sizing',
      '--duration',
      '3s',
      '--check-determinism',
      '--exit-zero',
      '--out',
      at('d'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('determinism: a second run gave an identical report');
    const slo = await faultline(['run', 'regional-partition', '--check-determinism', '--out', at('d2')]);
    expect(slo.stdout).toContain('determinism: a second run gave an identical report');
    expect(slo.code).toBe(1);
    expect(reason(slo.stderr)).toMatch(/^faultline: exit 1: the SLO failed: availability/);
  });

  it('bad input exits 2 with file:line:col, and writes nothing', async () => {
    writeFileSync(at('bad.yaml'), 'name: bad\nduration: 10 parsecs\n');
    const r = await faultline(['run', at('bad.yaml'), '--out', at('bad-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:2:11 duration: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(at('bad-out'))).toBe(false);
    expect((await faultline(['run', 'no-such-scenario'])).stderr).toContain('faultline list');
    expect((await faultline(['run', 'no-such-scenario'])).code).toBe(2);
    expect((await faultline(['run', 'regional-partition', '--seed', '-3'])).code).toBe(2);
    expect((await faultline(['run', 'regional-partition', '--duration', 'soon'])).code).toBe(2);
    const unknown = await faultline(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(reason(unknown.stderr)).toBe('faultline: exit 2: bad usage (see above)');
  });

  it('--quiet prints nothing but, when the code is not 0, the one line that says why', async () => {
    const r = await faultline(['run', 'regional-partition', '--quiet', '--out', at('q')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'faultline: exit 1: the SLO failed: availability (--exit-zero exits 0 all the same)',
    ]);
  });
});

describe('--variant', () => {
  it('runs one variant alone, into a folder of its own; an unknown name exits 2 listing the names', async () => {
    const r = await faultline([
      'run',
      'server-sizing',
      '--duration',
      '5s',
      '--variant',
      'workers-6',
      '--json',
      '--out',
      at('one'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.variant).toBe('workers-6');
    expect(report.variants.map((v: { name: string }) => v.name)).toEqual(['workers-6']);
    expect(report.comparison.variants).toEqual(['workers-6']);
    const all = JSON.parse(
      (await faultline(['run', 'server-sizing', '--duration', '5s', '--json', '--out', at('all')])).stdout,
    );
    expect(report.traceHash).toBe(all.variants[1].traceHash);

    const unknown = await faultline(['run', 'server-sizing', '--variant', 'workers-5', '--out', at('none')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '--variant workers-5: server-sizing has no such variant; its variants: workers-4, workers-6, workers-8',
    );
    expect(existsSync(at('none'))).toBe(false);
    expect((await faultline(['run', 'mm1', '--variant', 'fast'])).stderr).toContain('mm1 has no variants');
  });

  it('report --variant renders one variant of a saved report as if it had been run alone', async () => {
    expect((await faultline(['run', 'server-sizing', '--duration', '5s', '--quiet', '--out', at('sv')])).code).toBe(0);
    const r = await faultline(['report', at('sv', 'report.json'), '--variant', 'workers-8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`open ${at('sv', 'workers-8', 'report.html')}`);
    const alone = JSON.parse(
      (
        await faultline([
          'run',
          'server-sizing',
          '--duration',
          '5s',
          '--variant',
          'workers-8',
          '--json',
          '--out',
          at('sv8'),
        ])
      ).stdout,
    );
    expect(withoutWall(readFileSync(at('sv', 'workers-8', 'report.json'), 'utf8'))).toEqual(
      withoutWall(JSON.stringify(alone)),
    );
    // The full report beside it is untouched.
    expect(JSON.parse(readFileSync(at('sv', 'report.json'), 'utf8')).variants).toHaveLength(3);
    const unknown = await faultline(['report', at('sv', 'report.json'), '--variant', 'workers-5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('its variants: workers-4, workers-6, workers-8');
  });
});

describe('the summary', () => {
  const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

  it('fits the width it is given (COLUMNS, else 100), continuing with more tables when there are many variants', async () => {
    const wide = await faultline(['run', 'lb-shootout', '--duration', '6s', '--exit-zero', '--out', at('lb')]);
    expect(wide.code, wide.stderr).toBe(0);
    const lines = wide.stdout.split('\n').filter((line) => !line.startsWith('report: '));
    expect(widest(lines.join('\n'))).toBeLessThanOrEqual(100);
    for (const variant of ['round-robin', 'resource-based-stale']) expect(wide.stdout).toContain(variant);
    const narrow = await faultline(['run', 'lb-shootout', '--duration', '6s', '--exit-zero', '--out', at('lb')], {
      COLUMNS: '60',
    });
    expect(
      widest(
        narrow.stdout
          .split('\n')
          .filter((line) => !line.startsWith('report: '))
          .join('\n'),
      ),
    ).toBeLessThanOrEqual(60);
    expect(narrow.stdout.match(/│ trace hash/g)?.length).toBe(10);
  });

  it('shows per-operation p99, availability per partition side and session guarantees broken', async () => {
    const r = await faultline(['run', 'cap-partition', '--exit-zero', '--out', at('cap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/│ {3}minority side, 15\.0s–45\.0s\s+│\s+\d/);
    expect(r.stdout).toMatch(/│ {3}majority side, 15\.0s–45\.0s\s+│\s+\d/);
    expect(r.stdout).toMatch(/│ {3}write p99\s+│\s+\d/);
    expect(r.stdout).toMatch(/│ {3}read p99\s+│\s+\d/);
    expect(r.stdout).toMatch(/│ read-your-writes broken\s+│\s+0 of [\d,]+\s+│/);
    expect(r.stdout).toMatch(/│ monotonic reads broken\s+│/);
  });
});

describe('signals, a closed pipe, and the binary', () => {
  it('the entry point installs its signal handlers before it loads anything heavy', () => {
    const entry = readFileSync(join(import.meta.dirname, '..', 'cli', 'main.ts'), 'utf8');
    const imports = ts.preProcessFile(entry, true, false).importedFiles.map((f) => f.fileName);
    // Static imports only of files that import nothing of the project; the rest comes with `await import`.
    expect(imports.filter((f) => !['./signals.js', './exit-codes.js', './program.js'].includes(f))).toEqual([]);
    const staticImports = [...entry.matchAll(/^import .* from '(.+)';$/gm)].map((m) => m[1]);
    expect(staticImports.sort()).toEqual(['./exit-codes.js', './signals.js']);
    for (const file of ['signals.ts', 'exit-codes.ts']) {
      const source = readFileSync(join(import.meta.dirname, '..', 'cli', file), 'utf8');
      expect(
        ts.preProcessFile(source, true, false).importedFiles.filter((f) => f.fileName.startsWith('.')),
        file,
      ).toEqual([]);
    }
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} stops the run cleanly, exits ${code} and leaves no file behind`, async () => {
      const out = `interrupted-${signal}`;
      const child = spawn(process.execPath, [BIN, 'run', 'flaky-network', '--duration', '2h', '--out', out], {
        cwd: work,
      });
      let stderr = '';
      // Signal once the run has started: its first progress line, not a fixed time.
      const started = new Promise<void>((resolve) =>
        child.stderr.on('data', (d) => {
          stderr += d;
          if (stderr.includes('simulated')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await started;
      child.kill(signal);
      expect(await exited, stderr).toBe(code);
      expect(reason(stderr)).toBe(`faultline: exit ${code}: interrupted by ${signal}; nothing was written`);
      expect(existsSync(join(work, out))).toBe(false);
    });
  }

  it('a reader that closes stdout early gets exit 141 and one line, not a stack', async () => {
    const child = spawn(process.execPath, [BIN, 'run', 'lb-shootout', '--duration', '8s', '--json', '--out', 'pipe'], {
      cwd: work,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(141);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(reason(stderr)).toBe('faultline: exit 141: stdout was closed before everything was written to it');
  });

  it('a reader that stalls still gets all of stdout: the binary exits only once its output has drained', async () => {
    const child = spawn(process.execPath, [BIN, 'run', 'lb-shootout', '--duration', '20s', '--json', '--exit-zero'], {
      cwd: work,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (piece: string) => (stdout += piece));
    // Read nothing until the binary has exited, or 4 s: the report outgrows the pipe, so a binary that exited
    // without waiting for it to drain would have lost the rest.
    child.stdout.pause();
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 4000))]);
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(2 ** 18);
    expect(stdout.endsWith('}\n')).toBe(true);
    expect(JSON.parse(stdout).variants).toHaveLength(10);
  });

  it('--version, --help and the exit codes of the binary', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(binary(['--version']).stdout.trim()).toBe(pkg.version);
    for (const command of ['run', 'sweep', 'merge', 'replay', 'validate', 'list', 'schema', 'report', 'check']) {
      const help = binary([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
    }
    expect(binary(['--help']).stdout).toContain(
      '4    two runs of one seed differed (--check-determinism), a replay differs from its report (replay),\n       or one campaign run gave two results (sweep, merge)',
    );
    const bad = binary(['run', 'no-such-scenario']);
    expect(bad.code).toBe(2);
    expect(reason(bad.stderr)).toBe('faultline: exit 2: bad input (see above)');
    expect(binary(['frobnicate']).code).toBe(2);
  });
});

describe('the other commands', () => {
  it('validate accepts every bundled scenario and rejects a bad file with exit 2', async () => {
    const scenarios = join(import.meta.dirname, '..', 'scenarios');
    const files = readdirSync(scenarios)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(scenarios, f));
    const ok = await faultline(['validate', ...files]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(files.length);
    writeFileSync(at('typo.yaml'), 'name: typo\nduration: 1s\ntopology:\n  nodez: {}\n');
    const bad = await faultline(['validate', at('typo.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('typo.yaml:4:3 topology.nodez: unknown key "nodez"');
    // Two problems in one file: the count is of problems, not files.
    expect(reason(bad.stderr)).toBe('faultline: exit 2: 2 problems found');
    // Valid, but over the default event budget: a warning, exit 0.
    writeFileSync(
      at('long.yaml'),
      'name: long\nduration: 36500d\ntopology:\n  nodes:\n    server: { count: 1 }\n    client: { count: 1 }\n' +
        'components:\n  api: { type: queue-server, nodes: server, serviceTime: 1ms }\n' +
        'workloads:\n  users: { type: poisson, nodes: client, target: api, rate: 10/s }\n',
    );
    const long = await faultline(['validate', at('long.yaml')]);
    expect(long.code, long.stderr).toBe(0);
    expect(long.stdout).toContain('long.yaml: ok (long)');
    expect(long.stderr).toMatch(
      /long\.yaml: warning: faultline run would refuse it: long: the run would take at least 3\.15e\+10 events .*--max-events raises it/,
    );
    // 151 problems (no topology, 150 unknown keys): past the hundred listed, the rest are counted, and all in the last line.
    const keys = Array.from({ length: 150 }, (_, i) => `unknown${i}: 1`).join('\n');
    writeFileSync(at('many.yaml'), `name: many\nduration: 1s\n${keys}\n`);
    const many = await faultline(['validate', at('many.yaml'), at('typo.yaml')]);
    expect(many.stderr).toContain('many.yaml: and 51 more problems');
    expect(reason(many.stderr)).toBe('faultline: exit 2: 153 problems found');
  });

  it('list shows each bundled scenario with its description; schema prints the JSON Schema', async () => {
    const list = (await faultline(['list'])).stdout;
    for (const name of ['regional-partition', 'server-sizing', 'flaky-network'])
      expect(list).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
    const schema = JSON.parse((await faultline(['schema'])).stdout);
    expect(schema.properties.components).toBeDefined();
    expect(schema).toEqual(
      JSON.parse(readFileSync(join(import.meta.dirname, '..', 'scenarios', 'scenario.schema.json'), 'utf8')),
    );
  });

  it('report re-renders the same charts and HTML from a saved report.json', async () => {
    expect((await faultline(['run', 'regional-partition', '--quiet', '--exit-zero', '--out', at('orig')])).code).toBe(
      0,
    );
    const r = await faultline(['report', at('orig', 'report.json'), '--out', at('again')]);
    expect(r.code, r.stderr).toBe(0);
    for (const file of readdirSync(at('orig'))) {
      expect(readFileSync(at('again', file), 'utf8'), file).toBe(readFileSync(at('orig', file), 'utf8'));
    }
    writeFileSync(at('not-a-report.json'), '{"hello": 1}');
    expect((await faultline(['report', at('not-a-report.json')])).code).toBe(2);
    expect((await faultline(['report', at('missing.json')])).code).toBe(2);
    writeFileSync(at('partial.json'), `{"format": ${REPORT_FORMAT_VERSION}, "metrics": {}}`);
    const partial = await faultline(['report', at('partial.json')]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain(`${at('partial.json')}: faultline: missing (expected a string)`);
    writeFileSync(at('old.json'), '{"format": 1, "metrics": {}}');
    const old = await faultline(['report', at('old.json')]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain(
      `a faultline report of format 1, but this faultline reads formats 4, 5, 6 and ${REPORT_FORMAT_VERSION}; run the scenario again`,
    );
  });
});

describe('faultline check', () => {
  const jepsen = join(import.meta.dirname, 'fixtures', 'jepsen');

  it('prints a JSON verdict: exit 0 when linearizable, 1 with a counterexample when not', async () => {
    const ok = await faultline(['check', join(jepsen, 'kv', 'c10-ok.txt'), '--model', 'kv']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ linearizable: true, model: 'kv', partitions: 10 });
    const bad = await faultline([
      'check',
      join(jepsen, 'etcd', 'etcd_000.log'),
      '--model',
      'register',
      '--format',
      'jepsen',
    ]);
    expect(bad.code, bad.stderr).toBe(1);
    expect(reason(bad.stderr)).toBe(
      'faultline: exit 1: the history is not linearizable (the verdict has a counterexample)',
    );
    const verdict = JSON.parse(bad.stdout);
    expect(verdict.linearizable).toBe(false);
    expect(verdict.counterexample.stuck).toMatchObject({ f: 'read' });
    expect(verdict.counterexample.explanation).toMatch(/^In the longest order found, the register ends at/);
  });

  it('a file name with control characters is escaped in messages, not sent to the terminal', async () => {
    const missing = await faultline(['check', at('\u001b[31mred.log'), '--model', 'register']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('\\u001b[31mred.log: cannot read it (ENOENT)');
    expect(missing.stderr).not.toContain('\u001b');
  });

  it('--max-steps bounds a hard search: no verdict (linearizable null), exit 1 saying why; 0 is refused', async () => {
    // Twelve concurrent writes, then a read of a value none wrote: the search must try every order of the writes.
    const events = [];
    for (let p = 0; p < 12; p++) events.push({ process: p, type: 'invoke', f: 'write', value: p, timeUs: p });
    for (let p = 0; p < 12; p++) events.push({ process: p, type: 'ok', f: 'write', value: p, timeUs: 12 + p });
    events.push({ process: 12, type: 'invoke', f: 'read', value: null, timeUs: 30 });
    events.push({ process: 12, type: 'ok', f: 'read', value: 99, timeUs: 31 });
    writeFileSync(at('hard.jsonl'), events.map((e) => JSON.stringify(e)).join('\n'));
    const bounded = await faultline(['check', at('hard.jsonl'), '--model', 'register', '--max-steps', '5000']);
    expect(bounded.code, bounded.stderr).toBe(1);
    expect(JSON.parse(bounded.stdout)).toMatchObject({
      linearizable: null,
      unknown: 'budget exhausted: no verdict after 5000 search steps',
    });
    expect(reason(bounded.stderr)).toMatch(/^faultline: exit 1: no verdict: the search stopped after 5000 steps/);
    const unbounded = await faultline(['check', at('hard.jsonl'), '--model', 'register']);
    expect(JSON.parse(unbounded.stdout).linearizable).toBe(false);
    for (const bad of ['0', '-1', '1e6', ''])
      expect((await faultline(['check', at('hard.jsonl'), '--model', 'register', '--max-steps', bad])).code).toBe(2);
  });

  it('exits 2 with file:line on an unreadable history, a missing file, or the wrong model', async () => {
    writeFileSync(
      at('broken.jsonl'),
      '{"process":0,"type":"invoke","f":"read","value":null}\n{"process":0,"type":"ok"\n',
    );
    const broken = await faultline(['check', at('broken.jsonl'), '--model', 'register']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.jsonl:2: not JSON/);
    expect((await faultline(['check', at('nowhere.log'), '--model', 'register'])).stderr).toMatch(
      /nowhere\.log: cannot read it \(ENOENT\)/,
    );
    const wrong = await faultline(['check', join(jepsen, 'kv', 'c01-ok.txt'), '--model', 'register']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/a register has no operation "append".*is --model register right\?/);
    expect((await faultline(['check', at('broken.jsonl')])).code).toBe(2);
  });
});
