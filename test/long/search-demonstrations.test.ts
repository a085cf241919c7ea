import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/program.js';

/**
 * The fault search's demonstrations (README, "Fault search"), with their real budgets, on the bundled models:
 * it finds and shrinks acknowledged-write loss in async failover and split brain without fencing, and finds
 * nothing for Raft with read-index reads. Needs `npm run build` (the search runs on the worker pool).
 */
const work = mkdtempSync(join(tmpdir(), 'faultline-search-demos-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function search(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['search', ...args, '--json'], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { NO_COLOR: '1' },
  });
  return { code, stderr, search: code === 2 ? null : JSON.parse(stdout).searches[0] };
}

describe('faultline search on the bundled models', () => {
  it('finds acknowledged writes lost by async failover and shrinks the schedule to one or two faults', async () => {
    const out = join(work, 'failover');
    const {
      code,
      stderr,
      search: found,
    } = await search(['failover', '--variant', 'async', '--property', 'no-lost-writes', '--out', out]);
    expect(code, stderr).toBe(1);
    expect(found.counterexample.shrunk.schedule.length).toBeLessThanOrEqual(2);
    expect(found.counterexample.shrunk.verdict.reason).toMatch(/^\d+ acknowledged writes? lost/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.consistency.lostWrites.lost).toBeGreaterThan(0);
  });

  it('finds split brain without fencing from partitions alone, shrunk to one or two partitions', async () => {
    const {
      code,
      stderr,
      search: found,
    } = await search([
      'split-brain',
      '--variant',
      'no-fencing',
      '--property',
      'no-lost-writes',
      '--faults',
      'partition',
      '--out',
      join(work, 'split-brain'),
    ]);
    expect(code, stderr).toBe(1);
    const shrunk = found.counterexample.shrunk.schedule;
    expect(shrunk.length).toBeLessThanOrEqual(2);
    expect(shrunk.every((fault: { action: string }) => fault.action === 'partition')).toBe(true);
  });

  it('finds no schedule that makes Raft with read-index reads non-linearizable in its budget', async () => {
    const {
      code,
      stderr,
      search: none,
    } = await search([
      'cap-partition',
      '--variant',
      'raft-read-index',
      '--property',
      'linearizable',
      '--out',
      join(work, 'raft'),
    ]);
    expect(code, stderr).toBe(0);
    expect(none.schedulesTried).toBe(500);
    expect(none.counterexample).toBeNull();
  });
});
