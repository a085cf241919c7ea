import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/program.js';
import { faultline } from '../support/run-cli.js';

// The search runs on the worker pool, from dist/: `npm test` builds first.
const work = mkdtempSync(join(tmpdir(), 'faultline-search-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small failover: five users a side for six simulated seconds, a dozen schedules. */
const FAILOVER = [
  'search',
  'failover',
  '--variant',
  'async',
  '--property',
  'no-lost-writes',
  '--duration',
  '6s',
  '--set',
  'workloads.users.users=5',
  '--runs',
  '12',
];

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

describe('faultline search', () => {
  const two = join(work, 'two-threads');

  it('finds acknowledged writes lost by async failover, shrinks the schedule and writes it with its report', async () => {
    const { code, stdout, stderr } = await faultline([...FAILOVER, '--jobs', '2', '--out', two]);
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(/no-lost-writes fails: schedule \d+ of up to 12 broke it/);
    expect(stdout).toMatch(/shrunk in \d+ steps \(\d+ runs\) to [12] faults?:/);
    expect(stdout).toContain(`faultline run ${join(two, 'counterexample.yaml')}`);
    expect(stdout).toContain(`faultline replay ${join(two, 'report.json')}`);
    expect(stderr).toMatch(
      /faultline: exit 1: no-lost-writes fails: failover variant async \(\d+ acknowledged writes? lost/,
    );
    for (const file of ['counterexample.yaml', 'report.json', 'report.html'])
      expect(existsSync(join(two, file))).toBe(true);
    const text = read(two, 'counterexample.yaml');
    expect(text).toContain('extends: ');
    expect(text).toContain('random: []');
    expect(text).toMatch(/variants:\n {2}- name: async\n {4}set:\n {6}duration: 6s\n {6}workloads\.users\.users: 5\n/);
  });

  it('writes a scenario that runs on its own and gives the report written beside it', async () => {
    const again = join(work, 'again');
    const { code, stderr } = await faultline(['run', join(two, 'counterexample.yaml'), '--out', again, '--quiet']);
    expect(code, stderr).toBe(0);
    const written = JSON.parse(read(two, 'report.json'));
    const rerun = JSON.parse(read(again, 'report.json'));
    expect(rerun.traceHash).toBe(written.traceHash);
    expect(rerun.consistency.lostWrites.lost).toBeGreaterThan(0);
  });

  it('tries the same schedules and finds the same counterexample on one thread as on two', async () => {
    const one = join(work, 'one-thread');
    const a = await faultline([...FAILOVER, '--jobs', '2', '--out', two, '--json']);
    const b = await faultline([...FAILOVER, '--jobs', '1', '--out', one, '--json']);
    expect(a.code).toBe(1);
    const strip = (json: string, dir: string) => json.replaceAll(dir, '<out>');
    expect(strip(b.stdout, one)).toBe(strip(a.stdout, two));
    expect(strip(read(one, 'counterexample.yaml'), one)).toBe(strip(read(two, 'counterexample.yaml'), two));
    const search = JSON.parse(a.stdout).searches[0];
    expect(search.counterexample.shrunk.schedule.length).toBeLessThanOrEqual(
      search.counterexample.found.schedule.length,
    );
  });

  it('exits 0 and says how many schedules it tried when none breaks the property', async () => {
    const out = join(work, 'raft');
    const { code, stdout, stderr } = await faultline([
      'search',
      'cap-partition',
      '--variant',
      'raft-read-index',
      '--property',
      'linearizable',
      '--duration',
      '8s',
      '--runs',
      '3',
      '--faults',
      'crash,partition',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('cap-partition variant raft-read-index: no counterexample to linearizable in 3 schedules');
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [
      ['mm1', '--property', 'linearizable'],
      'linearizable is judged on the history of store operations, and mm1 records none',
    ],
    [['mm1', '--property', 'no-stale-reads'], 'no-stale-reads is judged on the history of store operations'],
    [['failover', '--property', 'fast'], '--property: "fast" is not a property'],
    [['failover', '--property', 'availability>=120%'], 'is not a share'],
    [['failover', '--property', 'slo', '--variant', 'async'], 'failover declares no SLO'],
    [['failover', '--property', 'no-lost-writes', '--faults', 'meteor'], '--faults: "meteor" is not a fault kind'],
    [
      ['failover', '--property', 'no-lost-writes', '--variant', 'async', '--nodes', 'db-1', '--faults', 'partition'],
      'partition needs at least 2 nodes, and faults may touch 1 (db-1)',
    ],
    [
      ['failover', '--property', 'no-lost-writes', '--nodes', 'web'],
      '--nodes: "web" is no node, group or region of failover',
    ],
    [['failover', '--property', 'no-lost-writes', '--set', 'faults.timeline=[]'], 'search draws the fault timeline'],
    [['failover', '--property', 'no-lost-writes', '--variant', 'fast'], 'its variants: async, semi-sync, sync'],
  ])('refuses %j before running anything (exit 2)', async (args, message) => {
    const out = join(work, `refused-${args.join('-').replace(/[^\w-]/g, '')}`);
    const { code, stderr } = await faultline(['search', ...args, '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });

  it('stops at Ctrl-C with exit 130, prints the smallest failure so far and writes nothing', async () => {
    const out = join(work, 'interrupted');
    const controller = new AbortController();
    let stderr = '';
    const code = await main([...FAILOVER, '--jobs', '1', '--out', out], {
      stdout: { write: () => true },
      stderr: {
        write: (text: string) => {
          stderr += text;
          // Interrupted while shrinking: the counterexample is known but not yet minimal.
          if (text.includes('shrinking it')) controller.abort('SIGINT');
          return true;
        },
      },
      env: { NO_COLOR: '1' },
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stderr).toContain('the smallest failing schedule so far (not written):');
    expect(stderr).toMatch(
      /faultline: exit 130: interrupted by SIGINT after \d+ schedules of failover variant async; nothing was written/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
