import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CampaignPlan, RunRecord } from '../../campaigns/campaign-types.js';
import { sweepReportSchema } from '../../campaigns/sweep-report-schema.js';
import { buildSweepReport, SWEEP_FORMAT_VERSION, type SweepReport } from '../../campaigns/sweep-report.js';
import { reordered, serverSizingMetrics, syntheticPlan, syntheticRecords } from '../support/synthetic-campaign.js';

const json = (report: SweepReport) => JSON.stringify(report, null, 2);

/** Builds the report and checks it against the schema, as every report built here must pass. */
function build(plan: CampaignPlan, records: ReadonlyMap<string, RunRecord>): SweepReport {
  const report = buildSweepReport(plan, records);
  const parsed = sweepReportSchema.safeParse(JSON.parse(json(report)));
  expect(parsed.error?.issues ?? []).toEqual([]);
  return report;
}

const sizingPlan = (seeds = 6) =>
  syntheticPlan({
    parameters: [{ path: 'workloads.users.rate', values: [500, 750, 1000, 1250] }],
    variants: ['workers-4', 'workers-6', 'workers-8'],
    seeds,
  });
const sizingRecords = (plan: CampaignPlan) => syntheticRecords(plan, (c, seed) => serverSizingMetrics(c, seed, plan));

describe('buildSweepReport', () => {
  it('says what the campaign is: scenario, seeds, grid, variants, baseline, runs', () => {
    const plan = sizingPlan();
    const report = build(plan, sizingRecords(plan));
    expect(report.format).toBe(SWEEP_FORMAT_VERSION);
    expect(report.kind).toBe('faultline-sweep');
    expect(report.faultlineVersion).toBe('0.1.0-test');
    expect(report.scenario).toEqual({ name: 'synthetic', description: 'A made-up campaign.' });
    expect(report.campaignKey).toBe(plan.campaignKey);
    expect(report.seeds).toEqual([1, 2, 3, 4, 5, 6]);
    expect(report.parameters).toEqual(plan.parameters);
    expect(report.variants).toEqual(['workers-4', 'workers-6', 'workers-8']);
    expect(report.baseline).toBe('workers-4');
    expect(report.runs).toEqual({ planned: 72, completed: 72, missing: 0 });
    expect(report.configurations).toHaveLength(12);
    expect(report.configurations[5]).toMatchObject({
      index: 5,
      name: 'workers-6 · rate=750',
      variant: 'workers-6',
      values: [750],
      runs: 6,
    });
  });

  it('lists only the metrics some run has a figure for, with their units and direction', () => {
    const plan = sizingPlan();
    const report = build(plan, sizingRecords(plan));
    expect(report.metrics.map((m) => m.name)).toEqual([
      'availability',
      'latency.meanUs',
      'latency.p50Us',
      'latency.p99Us',
      'throughputPerSec',
      'errorRate',
      'slo.passed',
    ]);
    expect(report.metrics[3]).toEqual({
      name: 'latency.p99Us',
      unit: 'us',
      better: 'lower',
      description: '99th percentile latency of successful requests',
    });
    for (const configuration of report.configurations)
      expect(Object.keys(configuration.metrics)).toEqual(report.metrics.map((m) => m.name));
  });

  it('gives each configuration the mean over seeds with its t interval (checked against SciPy)', () => {
    // scipy.stats.t.interval(0.95, 4, loc=3, scale=np.std([1,2,3,4,5], ddof=1)/np.sqrt(5)) = (1.03675683852, 4.96324316148)
    const plan = syntheticPlan({ seeds: 5 });
    const records = syntheticRecords(plan, (_, seed) => ({ 'consistency.lostWrites': seed, availability: 1 }));
    const [configuration] = build(plan, records).configurations;
    const lost = configuration.metrics['consistency.lostWrites'];
    expect(lost.n).toBe(5);
    expect(lost.mean).toBeCloseTo(3, 12);
    expect(lost.low!).toBeCloseTo(1.0367568385224428, 7);
    expect(lost.high!).toBeCloseTo(4.963243161477557, 7);
    expect(configuration.metrics.availability).toEqual({ n: 5, mean: 1, sd: 0, low: 1, high: 1 });
  });

  it('compares every variant with the baseline at the same grid point, paired by seed', () => {
    // Seeds vary a lot (10 apart) and the variant adds exactly 1 on each: unpaired this would be noise, paired it is 1.
    const plan = syntheticPlan({
      parameters: [{ path: 'x', values: [1, 2] }],
      variants: ['a', 'b', 'c'],
      seeds: 4,
    });
    const offset = { a: 0, b: 1, c: 0 } as Record<string, number>;
    const records = syntheticRecords(plan, (c, seed) => ({
      'latency.meanUs': seed * 10 + offset[c.variant!],
    }));
    const report = build(plan, records);
    expect(report.comparisons.map((c) => [c.from, c.to])).toEqual([
      ['a · x=1', 'b · x=1'],
      ['a · x=2', 'b · x=2'],
      ['a · x=1', 'c · x=1'],
      ['a · x=2', 'c · x=2'],
    ]);
    expect(report.comparisons[0]).toEqual({
      metric: 'latency.meanUs',
      from: 'a · x=1',
      to: 'b · x=1',
      difference: { n: 4, mean: 1, low: 1, high: 1, significant: true },
    });
    expect(report.comparisons[2].difference).toEqual({ n: 4, mean: 0, low: 0, high: 0, significant: false });
  });

  it('compares with the plan’s baseline when it names one', () => {
    const plan = syntheticPlan({ variants: ['a', 'b', 'c'], baseline: 'b', seeds: 3 });
    const report = build(
      plan,
      syntheticRecords(plan, () => ({ availability: 1 })),
    );
    expect(report.baseline).toBe('b');
    expect(report.comparisons.map((c) => [c.from, c.to])).toEqual([
      ['b', 'a'],
      ['b', 'c'],
    ]);
  });

  it('refuses a baseline that is not a variant', () => {
    const plan = syntheticPlan({ variants: ['a', 'b'], baseline: 'z' });
    expect(() => buildSweepReport(plan, new Map())).toThrow('the baseline "z" is not one of the variants (a, b)');
  });

  it('without variants, compares each grid point with its neighbour one step up along each parameter', () => {
    const plan = syntheticPlan({
      parameters: [
        { path: 'a.workers', values: [4, 8] },
        { path: 'b.rate', values: ['500/s', '750/s', '1000/s'] },
      ],
      seeds: 3,
    });
    const report = build(
      plan,
      syntheticRecords(plan, (c, seed) => ({ throughputPerSec: seed + c.index })),
    );
    expect(report.baseline).toBeNull();
    expect(report.comparisons.map((c) => `${c.from} → ${c.to}`)).toEqual([
      'workers=4 · rate=500/s → workers=8 · rate=500/s',
      'workers=4 · rate=750/s → workers=8 · rate=750/s',
      'workers=4 · rate=1000/s → workers=8 · rate=1000/s',
      'workers=4 · rate=500/s → workers=4 · rate=750/s',
      'workers=4 · rate=750/s → workers=4 · rate=1000/s',
      'workers=8 · rate=500/s → workers=8 · rate=750/s',
      'workers=8 · rate=750/s → workers=8 · rate=1000/s',
    ]);
    // Configuration indices differ by 3 along the first axis and by 1 along the second, on every seed.
    expect(report.comparisons[0].difference).toEqual({ n: 3, mean: 3, low: 3, high: 3, significant: true });
    expect(report.comparisons[3].difference.mean).toBe(1);
  });

  it('is byte-identical whatever order the records come in, and whoever ran them', () => {
    const plan = sizingPlan(5);
    const records = sizingRecords(plan);
    const expected = json(build(plan, records));
    const reversed = reordered(records, (keys) => keys.reverse());
    expect(json(build(plan, reversed))).toBe(expected);
    const elsewhere = new Map(
      [...records].map(([key, r]) => [key, { ...r, wallMs: r.wallMs * 3 + 1, worker: 'node-7 pid 4242' }]),
    );
    expect(json(build(plan, elsewhere))).toBe(expected);
    expect(expected).not.toMatch(/wallMs|worker"|node-7/);
    fc.assert(
      fc.property(fc.shuffledSubarray([...records.keys()], { minLength: records.size }), (keys) => {
        expect(
          json(
            build(
              plan,
              reordered(records, () => keys),
            ),
          ),
        ).toBe(expected);
      }),
      { numRuns: 20 },
    );
  });

  it('leaves missing runs out of the intervals and counts them', () => {
    const plan = sizingPlan(6);
    const all = sizingRecords(plan);
    // As after Ctrl-C: the last seed of every configuration, and one more run, never finished.
    const partial = syntheticRecords(
      plan,
      (c, seed) => serverSizingMetrics(c, seed, plan),
      (run) => run.seed !== 6 && run.index !== 0,
    );
    const report = build(plan, partial);
    expect(report.runs).toEqual({ planned: 72, completed: 59, missing: 13 });
    expect(report.configurations[0].runs).toBe(4);
    expect(report.configurations[1].runs).toBe(5);
    expect(report.configurations[0].metrics.availability.n).toBe(4);
    // Seed 1 of configuration 0 is missing, so its comparisons pair seeds 2 to 5 only.
    const first = report.comparisons.find((c) => c.from === 'workers-4 · rate=500' && c.metric === 'availability')!;
    expect(first.difference.n).toBe(4);
    expect(report.traceDigest).not.toBe(build(plan, all).traceDigest);
  });

  it('digests the completed runs’ trace hashes in plan order', () => {
    const plan = sizingPlan(2);
    const records = sizingRecords(plan);
    const hashes = plan.runs.map((run) => records.get(run.key)!.traceHash);
    const report = build(
      plan,
      reordered(records, (keys) => keys.reverse()),
    );
    expect(report.traceDigest).toBe(createHash('sha256').update(hashes.join('\n')).digest('hex'));
    const changed = new Map(records);
    const key = plan.runs[3].key;
    changed.set(key, { ...records.get(key)!, traceHash: 'f'.repeat(64) });
    expect(build(plan, changed).traceDigest).not.toBe(report.traceDigest);
  });

  it('builds a report with no completed run: empty intervals, no metrics, no comparisons', () => {
    const plan = sizingPlan(3);
    const report = build(plan, new Map());
    expect(report.runs).toEqual({ planned: 36, completed: 0, missing: 36 });
    expect(report.metrics).toEqual([]);
    expect(report.comparisons).toEqual([]);
    expect(report.configurations.every((c) => c.runs === 0 && Object.keys(c.metrics).length === 0)).toBe(true);
  });

  it('handles one configuration run on one seed', () => {
    const plan = syntheticPlan({ seeds: 1 });
    const report = build(
      plan,
      syntheticRecords(plan, () => ({ availability: 0.5, 'slo.passed': 0 })),
    );
    expect(report.configurations).toEqual([
      {
        index: 0,
        name: 'base',
        variant: null,
        values: [],
        runs: 1,
        sloPassed: 0,
        metrics: {
          availability: { n: 1, mean: 0.5, sd: null, low: null, high: null },
          'slo.passed': { n: 1, mean: 0, sd: null, low: null, high: null },
        },
      },
    ]);
    expect(report.comparisons).toEqual([]);
  });

  it('refuses records that belong to another campaign under the same key', () => {
    const plan = sizingPlan(2);
    const records = sizingRecords(plan);
    const key = plan.runs[0].key;
    records.set(key, { ...records.get(key)!, configuration: 3 });
    expect(() => buildSweepReport(plan, records)).toThrow(/the store does not belong to this campaign/);
  });
});
