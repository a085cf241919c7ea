import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport } from '../reports/report-schema.js';
import { REPORT_FORMAT_VERSION } from '../reports/report-types.js';
import { fuzzReport } from './support/report-fuzz.js';
import { faultline } from './support/run-cli.js';

/**
 * report.json against its zod schema: real reports of each kind parse (and read back key for key), damaged ones
 * are refused by `faultline report` with the field's path, exit 2, never an internal error.
 */
let work: string;
const at = (...parts: string[]) => join(work, ...parts);

/** No request sent after the warm-up finishes: availability null, SLO verdicts no-data with notes, comparison values null. */
const NO_DATA = `
name: no-data
duration: 5s
warmup: 4s
topology:
  regions: [dc]
  nodes: { server: { count: 1 }, client: { count: 1 } }
components:
  api: { type: queue-server, nodes: server, serviceTime: { type: constant, value: 2s }, workers: 2 }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 50/s, timeout: 10s }
slo:
  availability: { threshold: 25ms, target: 99% }
  latency: [{ percentile: 99, under: 30ms }]
  errorRate: 1%
variants:
  - { name: two, set: { components.api.workers: 2 } }
  - { name: four, set: { components.api.workers: 4 } }
`;

/** Each kind of report: theory, consistency with a message diagram and counterexample, variants compared, warnings, no data. */
const RUNS: Record<string, string[]> = {
  mm1: ['mm1', '--duration', '20s'],
  'cap-partition': ['cap-partition', '--duration', '20s'],
  'lb-shootout': ['lb-shootout', '--duration', '6s'],
  'autoscale-spike': ['autoscale-spike', '--duration', '16s'],
  'no-data': ['no-data.yaml'],
};

const reportText = (name: string) => readFileSync(at(name, 'report.json'), 'utf8');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'faultline-report-schema-'));
  writeFileSync(at('no-data.yaml'), NO_DATA);
  for (const [name, args] of Object.entries(RUNS)) {
    const scenario = args[0].endsWith('.yaml') ? at(args[0]) : args[0];
    const r = await faultline(['run', scenario, ...args.slice(1), '--quiet', '--exit-zero', '--out', at(name)]);
    if (r.code !== 0) throw new Error(`run ${name}: exit ${r.code}: ${r.stderr}`);
  }
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the report schema', () => {
  it.each(Object.keys(RUNS))('a real report of %s parses, and reads back key for key', (name) => {
    const text = reportText(name);
    const parsed = parseReport(JSON.parse(text));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    if (parsed.ok) expect(`${JSON.stringify(parsed.report, null, 2)}\n`).toBe(text);
  });

  it('the runs cover every kind of section', () => {
    const reports = Object.keys(RUNS).map((name) => JSON.parse(reportText(name)));
    const runs = reports.flatMap((r) => [r, ...(r.variants ?? [])]);
    expect(runs.some((r) => r.theory !== undefined)).toBe(true);
    expect(runs.some((r) => r.consistency?.messageDiagram?.sample)).toBeTruthy();
    expect(runs.some((r) => r.consistency?.linearizability?.counterexample)).toBeTruthy();
    expect(runs.some((r) => r.metrics.availability.recovery.length > 0)).toBe(true);
    expect(runs.some((r) => r.slo.verdicts.some((v: { note?: string }) => v.note))).toBe(true);
    expect(runs.some((r) => r.slo.verdict === 'no-data')).toBe(true);
    expect(reports.some((r) => r.warnings.length > 0)).toBe(true);
    expect(reports.some((r) => r.comparison?.rows.some((row: { values: unknown[] }) => row.values.includes(null))));
  });

  it('a figure that was NaN in the run (null in JSON) is NaN again', () => {
    const parsed = parseReport(JSON.parse(reportText('no-data')));
    expect(parsed.ok && parsed.report.comparison!.rows.find((r) => r.key === 'availability')!.values).toEqual([
      NaN,
      NaN,
    ]);
  });

  it('refuses a consistency timeline that does not have one entry a window (its chart read past the windows: exit 3)', () => {
    const report = JSON.parse(reportText('cap-partition'));
    const run = report.variants[0];
    run.consistency.timeline.staleReadRate.push(0.5);
    run.consistency.timeline.sides[0].availability.pop();
    const parsed = parseReport(report);
    const windows = run.metrics.timeline.length;
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      `variants[0].consistency.timeline.staleReadRate: expected ${windows} entries, one a window of metrics.timeline, got ${windows + 1}`,
      `variants[0].consistency.timeline.sides[0].availability: expected ${windows} entries, one a window of metrics.timeline, got ${windows - 1}`,
    ]);
  });

  it('names the field, what it should be and what it is', () => {
    const problems = (edit: (report: any) => void) => {
      const report = JSON.parse(reportText('mm1'));
      edit(report);
      const parsed = parseReport(report);
      return parsed.ok ? [] : parsed.problems;
    };
    expect(problems((r) => (r.metrics.latency.p99Us = null))).toEqual([
      'metrics.latency.p99Us: expected a number, got null',
    ]);
    expect(problems((r) => delete r.scenario)).toEqual(['scenario: missing (expected an object)']);
    expect(problems((r) => (r.metrics.timeline[1].p50Us = '3'))).toEqual([
      'metrics.timeline[1].p50Us: expected a number, got "3"',
    ]);
    expect(problems((r) => (r.slo.verdict = 'maybe'))).toEqual([
      'slo.verdict: expected "pass" or "fail" or "no-data", got "maybe"',
    ]);
    expect(problems((r) => (r.metrics.extra = 1))).toEqual(['metrics: unknown key "extra"']);
    expect(problems((r) => (r.metrics.latencyCdf[0] = [1]))).toEqual([
      'metrics.latencyCdf[0]: expected an array of at least 2, got an array of 1',
    ]);
    expect(problems((r) => (r.metrics.requests.byOperation['odd key'] = { sent: 1 }))).toContain(
      'metrics.requests.byOperation["odd key"].succeeded: missing (expected a number)',
    );
    const many = problems((r) => r.metrics.latencyCdf.fill('x'));
    expect(many).toHaveLength(6);
    expect(many.at(-1)).toMatch(/^and \d+ more problems$/);
  });
});

describe('faultline report on a damaged report.json', () => {
  it('exits 2 naming the field; another format version keeps its own message', async () => {
    const report = JSON.parse(reportText('mm1'));
    report.metrics.latency.p99Us = null;
    writeFileSync(at('null.json'), JSON.stringify(report));
    const r = await faultline(['report', at('null.json'), '--out', at('null-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${at('null.json')}: metrics.latency.p99Us: expected a number, got null\n`);
    writeFileSync(at('old.json'), JSON.stringify({ ...report, format: 1 }));
    expect((await faultline(['report', at('old.json')])).stderr).toContain(
      `a faultline report of format 1, but this faultline reads formats 4, 5, 6 and ${REPORT_FORMAT_VERSION}`,
    );
    writeFileSync(at('string-format.json'), JSON.stringify({ ...report, format: '3' }));
    expect((await faultline(['report', at('string-format.json')])).stderr).toContain(
      `format: expected ${REPORT_FORMAT_VERSION}, got "3"`,
    );
  });

  it('reads a format 4 report (formats 5 and 6 only added the optional delivery and caches sections) as the current one', async () => {
    writeFileSync(at('format4.json'), JSON.stringify({ ...JSON.parse(reportText('mm1')), format: 4 }));
    const r = await faultline(['report', at('format4.json'), '--out', at('format4-out')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(at('format4-out', 'report.json'), 'utf8')).format).toBe(REPORT_FORMAT_VERSION);
  });

  // The long suite (test/long/report-fuzz.test.ts) tries more cases, on every kind of report.
  it.each([
    ['mm1', 100, 3],
    ['cap-partition', 60, 1],
  ])('%s: %i corruptions each end in exit 2 naming the field, or a rendering', async (name, cases, renders) => {
    const { refused } = await fuzzReport(reportText(name), work, { seed: 13, cases, renders });
    expect(refused).toBeGreaterThan(cases / 2);
  });
});
