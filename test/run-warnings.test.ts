import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/program.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-warnings-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** regional-partition cut to 25 s: the partition at 20 s runs past the end, the crash at 30 s never happens. */
async function shortened() {
  let stdout = '';
  const code = await main(['run', 'regional-partition', '--duration', '25s', '--out', join(work, 'rp')], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => {} },
    env: { NO_COLOR: '1', COLUMNS: '100' },
  });
  return { code, stdout, html: readFileSync(join(work, 'rp', 'report.html'), 'utf8') };
}

describe('a run that leaves a fault out says so, and says how long each fault took to recover from', async () => {
  const run = await shortened();

  it('prints the warning under the summary, wrapped to the terminal', () => {
    expect(run.stdout).toMatch(/^warning: faults\.timeline\.1\.at: the crash at 30s is not before the end of the run/m);
    for (const line of run.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('shows recovery per fault, with a short label, in the summary and the HTML', () => {
    expect(run.stdout).toMatch(/recovery after partition 5 \| 5 nodes at 20\.0s\s+│\s+not recovered/);
    expect(run.html).toContain('<div class="warnings"><p>Warnings</p><ul><li>faults.timeline.1.at: the crash at 30s');
    expect(run.html).toMatch(/<th[^>]*>recovery<\/th>/);
    expect(run.html).toContain('>not recovered<');
  });
});
