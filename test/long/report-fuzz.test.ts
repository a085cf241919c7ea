import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzReport } from '../support/report-fuzz.js';
import { faultline } from '../support/run-cli.js';

/** test/report-schema.test.ts's fuzz at length: more cases and renderings, on reports of more kinds, full length. */
const SCENARIOS = [
  'mm1',
  'cap-partition',
  'failover',
  'lww-clock-skew',
  'priority-shedding',
  'replica-reads',
  'flaky-network',
];

let work: string;
beforeAll(() => (work = mkdtempSync(join(tmpdir(), 'faultline-report-fuzz-'))));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it.each(SCENARIOS)('%s: 1,000 corruptions each end in exit 2 naming the field, or a rendering', async (name) => {
  const out = join(work, name);
  const run = await faultline(['run', name, '--quiet', '--exit-zero', '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  const { refused } = await fuzzReport(readFileSync(join(out, 'report.json'), 'utf8'), work, {
    seed: name.length,
    cases: 1000,
    renders: 12,
  });
  expect(refused).toBeGreaterThan(500);
});
