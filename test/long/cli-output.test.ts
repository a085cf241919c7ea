import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputFolder } from '../../cli/atomic-write.js';
import { OutputError } from '../../cli/exit-codes.js';
import { main } from '../../cli/program.js';
import { faultline } from '../support/run-cli.js';

/**
 * Where outputs go and what happens when they cannot: signals in every phase of a run, the output folder checked
 * before simulating and replaced whole, and stdout closed or full for every command that writes to it.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'bin', 'faultline.js');
/** A run of about a second: mm1's warm-up is 10 s. */
const RUN = ['run', 'mm1', '--duration', '12s', '--exit-zero', '--quiet'];
/** A run that would take minutes: a refusal that comes back at once came before the simulation. */
const LONG_RUN = ['run', 'flaky-network', '--duration', '2h', '--quiet'];
let work: string;
const at = (...parts: string[]) => join(work, ...parts);
const reason = (stderr: string) => stderr.trimEnd().split('\n').at(-1);
const isRoot = process.getuid?.() === 0;

/** Every file under a folder with its content, hidden ones included, to tell that nothing changed. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true }))
    if (entry.isFile())
      files[join(entry.parentPath, entry.name)] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  return files;
}

/** Runs the binary paused at `phase` (FAULTLINE_TEST_PAUSE_AT), sends `signal` once it says so, and waits for it. */
async function interruptAt(args: string[], phase: string, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: work,
    env: { ...process.env, NO_COLOR: '1', FAULTLINE_TEST_PAUSE_AT: phase },
  });
  let stderr = '';
  const paused = new Promise<void>((resolve) =>
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes(`faultline: paused at ${phase}`)) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await paused;
  child.kill(signal);
  const code = await exited;
  return { code, stderr };
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  work = mkdtempSync(join(tmpdir(), 'faultline-out-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('signals after the simulation', () => {
  for (const [signal, phase, code] of [
    ['SIGINT', 'report', 130],
    ['SIGTERM', 'write', 143],
  ] as const) {
    it(`${signal} while the run is at "${phase}" exits ${code}; no output folder, no temporary file`, async () => {
      const out = `stopped-${phase}`;
      const r = await interruptAt([...RUN, '--out', out], phase, signal);
      expect(r.code, r.stderr).toBe(code);
      expect(reason(r.stderr)).toBe(`faultline: exit ${code}: interrupted by ${signal}; nothing was written`);
      expect(readdirSync(work).filter((name) => name.includes(out))).toEqual([]);
    });
  }

  it('a run interrupted while writing over an earlier output leaves the earlier one as it was', async () => {
    const out = at('earlier');
    expect((await faultline([...RUN, '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'report.json'), '{"earlier": true}\n');
    const before = snapshot(work);
    const r = await interruptAt([...RUN, '--seed', '2', '--out', out], 'write', 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(snapshot(work)).toEqual(before);
  });

  it('report, interrupted while writing beside its report.json, changes nothing there', async () => {
    const out = at('rerender');
    expect((await faultline([...RUN, '--out', out])).code).toBe(0);
    const before = snapshot(out);
    const r = await interruptAt(['report', join(out, 'report.json')], 'write', 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(snapshot(out)).toEqual(before);
  });

  it('a signal during a command’s last synchronous step still decides its exit code', async () => {
    const interrupted = new AbortController();
    interrupted.abort('SIGTERM');
    let stderr = '';
    const silent = { write: () => true };
    const code = await main(['list'], {
      stdout: silent,
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
      signal: interrupted.signal,
    });
    expect(code).toBe(143);
    expect(reason(stderr)).toBe(
      'faultline: exit 143: interrupted by SIGTERM as the command finished; its output is complete',
    );
  });
});

describe('the output folder is replaced whole', () => {
  it('a second run into a folder leaves only its own files; none of the first run’s, no temporary ones', async () => {
    const out = at('replaced');
    expect((await faultline([...RUN, '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'chart-of-an-older-version.svg'), '<svg/>');
    writeFileSync(join(out, '.report.json.1234.tmp'), 'left by an older faultline');
    // As `faultline report --variant` leaves one.
    mkdirSync(join(out, 'variant'));
    cpSync(join(out, 'report.json'), join(out, 'variant', 'report.json'));
    const first = readdirSync(out).sort();
    expect((await faultline([...RUN, '--seed', '2', '--out', out])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      first.filter((f) => !['chart-of-an-older-version.svg', '.report.json.1234.tmp', 'variant'].includes(f)),
    );
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).seed).toBe(2);
    expect(readdirSync(work).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('a failure while writing removes the temporary folder and keeps the earlier output', async () => {
    const out = at('kept');
    expect((await faultline([...RUN, '--out', out])).code).toBe(0);
    const before = snapshot(work);
    const folder = OutputFolder.prepare(out);
    // A file where the next one needs a folder: the write fails half-way.
    const write = folder.write(
      [
        { path: join(out, 'report.json'), content: '{}' },
        { path: join(out, 'report.json', 'inside'), content: '' },
      ],
      { stdout: { write: () => true }, stderr: { write: () => true }, env: {} },
    );
    await expect(write).rejects.toThrow(OutputError);
    await expect(write).rejects.toThrow(/kept: cannot create .*report\.json: .*\((EEXIST|ENOTDIR)\)/);
    expect(snapshot(work)).toEqual(before);
  });
});

describe('the output folder is checked before simulating', () => {
  beforeAll(() => {
    writeFileSync(at('a-file'), 'not a folder\n');
    mkdirSync(at('users-folder'));
    writeFileSync(at('users-folder', 'notes.md'), 'mine\n');
    mkdirSync(at('in-the-way', 'report.json'), { recursive: true });
  });

  const cases: [string, () => string, RegExp][] = [
    ['an existing file', () => at('a-file'), /a-file: it exists and is not a folder/],
    ['a path under a file', () => at('a-file', 'out'), /a-file\/out: .*a-file is a file, not a folder/],
    ['/dev/full', () => '/dev/full', /\/dev\/full: it exists and is not a folder/],
    ['a 300-character name', () => at('n'.repeat(300)), /: cannot create .*: name too long \(ENAMETOOLONG\)/],
    ['a path under /proc', () => '/proc/faultline/out', /\/proc is a kernel file system, not a disk/],
    ['a path under /sys', () => '/sys/faultline', /\/sys is a kernel file system, not a disk/],
    [
      'a folder of the user’s',
      () => at('users-folder'),
      /users-folder: it holds .*notes\.md, which faultline did not write/,
    ],
    ['a folder named report.json in the way', () => at('in-the-way'), /it holds .*in-the-way\/report\.json, which/],
  ];
  for (const [what, out, message] of cases) {
    it(`refuses ${what} with exit 2 and why, having written nothing`, async () => {
      const before = snapshot(work);
      const r = await faultline([...LONG_RUN, '--out', out()]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('bug in faultline');
      expect(reason(r.stderr)).toBe('faultline: exit 2: bad output folder (see above)');
      expect(snapshot(work)).toEqual(before);
    });
  }

  it('refuses an empty --out', async () => {
    const r = await faultline([...LONG_RUN, '--out', '']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the output folder's name is empty; give one, like --out results");
  });

  it.skipIf(isRoot)('refuses a read-only folder (root may write anywhere: skipped as root)', async () => {
    mkdirSync(at('read-only'));
    chmodSync(at('read-only'), 0o555);
    const r = await faultline([...LONG_RUN, '--out', at('read-only', 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/permission denied \(EACCES\)/);
  });

  it('makes missing parent folders, and removes them again when the run stops early', async () => {
    const interrupted = new AbortController();
    interrupted.abort('SIGINT');
    const silent = { write: () => true };
    const args = [...RUN, '--out', at('new', 'deep', 'out')];
    expect(await main(args, { stdout: silent, stderr: silent, env: {}, signal: interrupted.signal })).toBe(130);
    expect(existsSync(at('new'))).toBe(false);
    expect((await faultline(args)).code).toBe(0);
    expect(readdirSync(at('new', 'deep', 'out'))).toContain('report.json');
  });
});

/** A 64 KiB tmpfs, where root may mount one: a disk that fills up. */
let fullDisk: string | undefined;
describe('a full disk', () => {
  beforeAll(() => {
    const mount = mkdtempSync(join(tmpdir(), 'faultline-tinyfs-'));
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]).status === 0) fullDisk = mount;
    else rmSync(mount, { recursive: true });
  });
  afterAll(() => {
    if (fullDisk === undefined) return;
    spawnSync('umount', [fullDisk]);
    rmSync(fullDisk, { recursive: true });
  });

  it('is a failed write, exit 5, not a bug; nothing is left on the disk (skipped where tmpfs cannot be mounted)', async (context) => {
    if (fullDisk === undefined) context.skip();
    const r = await faultline([...RUN, '--out', join(fullDisk!, 'sub', 'out')]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/sub\/out: cannot write: no space left on device \(ENOSPC\); free some space/);
    expect(reason(r.stderr)).toBe('faultline: exit 5: could not write the output (see above)');
    expect(readdirSync(fullDisk!)).toEqual([]);
  });
});

describe('stdout closed or full, for every command that writes to it', () => {
  const commands: [string, string[]][] = [
    ['run --json', [...RUN, '--json', '--out', 'json-out']],
    ['schema', ['schema']],
    ['list', ['list']],
    ['validate', ['validate', join(ROOT, 'scenarios', 'mm1.yaml')]],
    ['check', ['check', join(ROOT, 'test', 'fixtures', 'jepsen', 'kv', 'c10-ok.txt'), '--model', 'kv']],
    ['report', ['report', 'report-source/report.json', '--out', 'report-out']],
  ];
  beforeAll(async () => {
    expect((await faultline([...RUN, '--out', at('report-source')])).code).toBe(0);
  });

  /** The binary with stdout on `stdout` (a file descriptor, or a pipe the test closes at once). */
  async function withStdout(args: string[], stdout: number | 'closed') {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: work,
      stdio: ['ignore', stdout === 'closed' ? 'pipe' : stdout, 'pipe'],
    });
    if (stdout === 'closed') child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stderr };
  }

  it.skipIf(!existsSync('/dev/full'))('> /dev/full: exit 5 and one line why, no stack', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const results = await Promise.all(commands.map(([, args]) => withStdout(args, full)));
      for (const [i, r] of results.entries()) {
        expect(r.code, `${commands[i][0]}: ${r.stderr}`).toBe(5);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(reason(r.stderr)).toBe('faultline: exit 5: could not write to stdout: no space left on device (ENOSPC)');
      }
    } finally {
      closeSync(full);
    }
  });

  it('| a reader that has gone: exit 141 and one line, no stack', async () => {
    // run --json is in cli.test.ts.
    const results = await Promise.all(commands.slice(1).map(([, args]) => withStdout(args, 'closed')));
    for (const [i, r] of results.entries()) {
      expect(r.code, `${commands[i + 1][0]}: ${r.stderr}`).toBe(141);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(reason(r.stderr)).toBe('faultline: exit 141: stdout was closed before everything was written to it');
    }
  });
});
