import { describe, expect, it } from 'vitest';
import { resultsCsv } from '../../campaigns/results-csv.js';
import { reordered, serverSizingMetrics, syntheticPlan, syntheticRecords } from '../support/synthetic-campaign.js';

/** An RFC 4180 reader written for the test (quoted fields, doubled quotes, CRLF), independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(field), (field = ''));
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      ((row = []), (field = ''), i++);
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('resultsCsv', () => {
  const plan = syntheticPlan({
    parameters: [
      { path: 'components.api.workers', values: [4, 8] },
      { path: 'workloads.users.rate', values: ['500/s', '1,000/s'] },
    ],
    variants: ['no-cache', 'cache "warm"'],
    seeds: 3,
  });
  const records = syntheticRecords(plan, (c, seed) => ({
    ...serverSizingMetrics(c, seed, plan),
    'consistency.staleReadRate': c.variant === 'no-cache' ? null : 0.1 + seed / 3,
  }));

  it('writes one row per completed run in plan order, with a header', () => {
    const rows = parseCsv(resultsCsv(plan, records));
    expect(rows[0]).toEqual([
      'configuration',
      'variant',
      'components.api.workers',
      'workloads.users.rate',
      'seed',
      'key',
      'traceHash',
      'events',
      'sloPassed',
      'availability',
      'latency.meanUs',
      'latency.p50Us',
      'latency.p99Us',
      'throughputPerSec',
      'errorRate',
      'slo.passed',
      'consistency.staleReadRate',
    ]);
    expect(rows).toHaveLength(1 + plan.runs.length);
    for (const [i, run] of plan.runs.entries()) {
      const row = rows[i + 1];
      const configuration = plan.configurations[run.configuration];
      expect(row.slice(0, 6)).toEqual([
        configuration.name,
        configuration.variant,
        String(configuration.values[0]),
        configuration.values[1],
        String(run.seed),
        run.key,
      ]);
    }
  });

  it('quotes fields with commas and quotes, and keeps them whole', () => {
    const text = resultsCsv(plan, records);
    expect(text).toContain('"cache ""warm"" · workers=4 · rate=1,000/s","cache ""warm""",4,"1,000/s",');
    expect(parseCsv(text).every((row) => row.length === 17)).toBe(true);
  });

  it('writes numbers that read back to the same double, and an empty cell for no figure', () => {
    const rows = parseCsv(resultsCsv(plan, records));
    const header = rows[0];
    for (const [i, run] of plan.runs.entries()) {
      const record = records.get(run.key)!;
      const row = rows[i + 1];
      for (const [name, value] of Object.entries(record.metrics)) {
        const cell = row[header.indexOf(name)];
        if (value === null) expect(cell, name).toBe('');
        else expect(Number(cell), name).toBe(value);
      }
      expect(row[header.indexOf('events')]).toBe(String(record.events));
      expect(row[header.indexOf('sloPassed')]).toBe(String(record.sloPassed));
      expect(row[header.indexOf('traceHash')]).toBe(record.traceHash);
    }
  });

  it('is byte-identical whatever order the records come in and whoever ran them; no wall-clock column', () => {
    const expected = resultsCsv(plan, records);
    const shuffled = reordered(records, (keys) => [...keys.slice(5), ...keys.slice(0, 5)].reverse());
    const elsewhere = new Map([...shuffled].map(([k, r]) => [k, { ...r, wallMs: 99_999, worker: 'host-b 17' }]));
    expect(resultsCsv(plan, elsewhere)).toBe(expected);
    expect(parseCsv(expected)[0].filter((column) => /wall|^worker$/i.test(column))).toEqual([]);
    expect(expected).not.toMatch(/99999|host-b/);
  });

  it('leaves out missing runs, the variant column without variants, and metrics nobody measured', () => {
    const plain = syntheticPlan({ parameters: [{ path: 'x', values: [1, 2] }], seeds: 2 });
    const some = syntheticRecords(
      plain,
      (_, seed) => ({ availability: seed / 4, errorRate: null }),
      (run) => run.index !== 1,
    );
    expect(parseCsv(resultsCsv(plain, some))).toEqual([
      ['configuration', 'x', 'seed', 'key', 'traceHash', 'events', 'sloPassed', 'availability'],
      ...[0, 2, 3].map((i) => {
        const run = plain.runs[i];
        const record = some.get(run.key)!;
        return [
          plain.configurations[run.configuration].name,
          String(plain.configurations[run.configuration].values[0]),
          String(run.seed),
          run.key,
          record.traceHash,
          String(record.events),
          'true',
          String(run.seed / 4),
        ];
      }),
    ]);
  });

  it('writes only the header when no run completed', () => {
    expect(resultsCsv(plan, new Map())).toBe(
      'configuration,variant,components.api.workers,workloads.users.rate,seed,key,traceHash,events,sloPassed\r\n',
    );
  });
});
