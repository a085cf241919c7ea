import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioSchema } from '../scenarios/harness/scenario-schema.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { RequestMetrics } from '../models/measure/request-metrics.js';
import { buildReport, deterministicPart } from '../reports/build-report.js';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import { renderCharts } from '../reports/charts/index.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { summaryTable } from '../cli/summary-table.js';
import pc from 'picocolors';

const SCENARIO = `
name: metrics-check
duration: 20s
topology:
  regions: [dc]
  nodes:
    server: { count: 2 }
    client: { count: 3 }
components:
  api: { type: queue-server, nodes: server, serviceTime: { type: exponential, mean: 4ms }, workers: 2, queueCapacity: 8 }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 250/s, timeout: 40ms }
faults:
  timeline:
    - { at: 8s, action: crash, nodes: server-2, for: 3s }
slo:
  window: 1s
  availability: { threshold: 25ms, target: 99% }
  latency: [{ percentile: 99, under: 30ms }]
`;

async function run(text = SCENARIO) {
  const scenario = scenarioSchema().parse(parse(text));
  const completed = await runScenario(scenario);
  return buildReport({
    faultlineVersion: 'test',
    file: null,
    scenario,
    runs: [{ name: 'base', overrides: {}, run: completed }],
    wallSeconds: 1,
  });
}

function exactQuantile(sorted: number[], percentile: number): number {
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)];
}

describe('report numbers against the raw measurements', () => {
  it('percentiles agree with exact quantiles of every recorded latency within 1%', async () => {
    const latencies: number[] = [];
    const record = RequestMetrics.prototype.recordSuccess;
    RequestMetrics.prototype.recordSuccess = function (op, sentUs, nowUs) {
      latencies.push(nowUs - sentUs);
      record.call(this, op, sentUs, nowUs);
    };
    try {
      const report = await run();
      const m = report.metrics;
      latencies.sort((a, b) => a - b);
      expect(m.latency.count).toBe(latencies.length);
      expect(m.requests.succeeded).toBe(latencies.length);
      for (const [p, key] of [
        [50, 'p50Us'],
        [90, 'p90Us'],
        [95, 'p95Us'],
        [99, 'p99Us'],
        [99.9, 'p999Us'],
      ] as const) {
        const exact = exactQuantile(latencies, p);
        expect(Math.abs(m.latency[key] - exact) / exact, `p${p}`).toBeLessThan(0.01);
      }
      const mean = latencies.reduce((s, x) => s + x, 0) / latencies.length;
      expect(Math.abs(m.latency.meanUs - mean) / mean).toBeLessThan(0.01);
      expect(
        Math.abs(m.latency.maxUs - latencies[latencies.length - 1]) / latencies[latencies.length - 1],
      ).toBeLessThan(0.01);
      const good = latencies.filter((l) => l <= 25_000).length;
      expect(Math.abs(m.requests.good - good)).toBeLessThanOrEqual(latencies.length * 0.001 + 1);
    } finally {
      RequestMetrics.prototype.recordSuccess = record;
    }
  });

  it('windows add up to the totals, and the timeline shows the crash', async () => {
    const report = await run();
    const m = report.metrics;
    const sum = (f: (w: (typeof m.timeline)[number]) => number) => m.timeline.reduce((s, w) => s + f(w), 0);
    expect(m.timeline).toHaveLength(20);
    expect(sum((w) => w.sent)).toBe(m.requests.sent);
    expect(sum((w) => w.succeeded)).toBe(m.requests.succeeded);
    expect(sum((w) => w.good)).toBe(m.requests.good);
    for (const kind of ERROR_KINDS) expect(sum((w) => w.errors[kind])).toBe(m.requests.errors[kind]);
    const failures = ERROR_KINDS.reduce((s, k) => s + m.requests.errors[k], 0);
    expect(m.availability.overall).toBeCloseTo(m.requests.good / (m.requests.succeeded + failures), 6);
    expect(m.requests.errors.timeout).toBeGreaterThan(0);
    const during = m.timeline.slice(8, 11).map((w) => w.availability!);
    const before = m.timeline.slice(2, 8).map((w) => w.availability!);
    expect(Math.max(...during)).toBeLessThan(Math.min(...before));
    expect(report.faultIntervals).toEqual([
      { kind: 'crash', label: 'crash server-2', startUs: 8_000_000, endUs: 11_000_000 },
    ]);
  });

  it('utilization matches offered load over capacity (λ·E[S]/c), and a crash empties the node it hit', async () => {
    const noFaults = SCENARIO.replace(/faults:[\s\S]*?slo:/, 'slo:')
      .replace('queueCapacity: 8', 'queueCapacity: 1000')
      .replace('timeout: 40ms', 'timeout: 10s');
    const report = await run(noFaults);
    const api = report.metrics.components[0];
    const offered = (3 * 250 * 0.004) / (2 * 2);
    expect(Math.abs(api.utilization - offered) / offered).toBeLessThan(0.05);
    // Every success was served; the few served but not yet answered at the end are still on the wire.
    expect(api.served).toBeGreaterThanOrEqual(report.metrics.requests.succeeded);
    expect(api.served - report.metrics.requests.succeeded).toBeLessThanOrEqual(report.metrics.requests.inFlight);
    const crashed = await run();
    const util = crashed.metrics.components[0].timeline.utilization;
    expect(util.every((u) => u >= 0 && u <= 1)).toBe(true);
    expect(crashed.metrics.components[0].queueDepth.max).toBeLessThanOrEqual(16);
  });

  it('the same seed gives a byte-identical report once wall is removed', async () => {
    const a = JSON.stringify(deterministicPart(await run()));
    const b = JSON.stringify(deterministicPart(await run()));
    expect(a).toBe(b);
    expect(
      JSON.stringify(deterministicPart(await run(SCENARIO.replace('duration: 20s', 'duration: 20s\nseed: 2')))),
    ).not.toBe(a);
  });
});

describe('stop conditions', () => {
  it('stop.afterRequests ends the run at the first window boundary after that many requests finished', async () => {
    // Three clients at 250/s finish about 750 requests a second: 1,000 are done during the second window.
    const report = await run(SCENARIO.replace('duration: 20s', 'duration: 20s\nstop: { afterRequests: 1000 }'));
    expect(report.simulatedSeconds).toBe(2);
    expect(report.metrics.timeline).toHaveLength(2);
    const finished =
      report.metrics.requests.succeeded + ERROR_KINDS.reduce((s, k) => s + report.metrics.requests.errors[k], 0);
    expect(finished).toBeGreaterThanOrEqual(1000);
    expect(finished).toBeLessThan(1600);
  });
});

describe('availability: one definition for every figure', () => {
  it('downtime and window availability leave out the warm-up, as the overall figure does', async () => {
    // server-2 is down for most of the 5 s warm-up, where half the requests fail: those windows must not count as down.
    const report = await run(
      SCENARIO.replace('duration: 20s', 'duration: 20s\nwarmup: 5s')
        .replace('target: 99%', 'target: 90%')
        .replace('at: 8s', 'at: 1s')
        .replace('for: 3s', 'for: 3.5s'),
    );
    const { timeline, availability } = report.metrics;
    expect(timeline.slice(0, 5).map((w) => w.availability)).toEqual([null, null, null, null, null]);
    expect(timeline.slice(1, 4).every((w) => w.good < 0.9 * (w.succeeded + w.errors.timeout + w.errors.rejected))).toBe(
      true,
    );
    expect(timeline.slice(5).every((w) => w.availability! >= 0.9)).toBe(true);
    expect(availability.overall).toBeGreaterThanOrEqual(0.9);
    expect(availability.downtimeUs).toBe(0);
    expect(availability.noDataUs).toBe(0);
  });

  it('no counted request: availability and nines are null, the SLO verdicts no-data, and the report warns', async () => {
    const report = await run(SCENARIO.replace('duration: 20s', 'duration: 20s\nwarmup: 20s'));
    const a = report.metrics.availability;
    expect(a.finished).toBe(0);
    expect(a.overall).toBeNull();
    expect(a.nines).toBeNull();
    expect(a.errorBudget).toBeNull();
    expect(a.downtimeUs).toBe(0);
    expect(report.slo.verdict).toBe('no-data');
    expect(report.slo.passed).toBe(false);
    expect(report.slo.verdicts.map((v) => [v.name, v.verdict, v.actual])).toEqual([
      ['p99 latency', 'no-data', null],
      ['availability', 'no-data', null],
    ]);
    expect(report.warnings).toContain(
      'no request sent after the warm-up finished before the end of the run: availability and SLOs have no data',
    );
    const summary = summaryTable(report, pc.createColors(false));
    expect(summary).toMatch(/availability\s+│?\s*no requests/);
    expect(summary).toMatch(/SLO availability\s+│?\s*no data/);
    const html = renderHtmlReport(report, renderCharts(report));
    expect(html).toContain('no requests');
    expect(html).toContain('NO DATA');
    expect(html).not.toContain('✗ FAIL');
  });

  it('a latency objective whose requests all failed fails rather than having no data', async () => {
    const report = await run(
      SCENARIO.replace(
        '- { at: 8s, action: crash, nodes: server-2, for: 3s }',
        '- { at: 0s, action: crash, nodes: server }',
      ),
    );
    const latency = report.slo.verdicts.find((v) => v.kind === 'latency')!;
    expect(report.metrics.requests.succeeded).toBe(0);
    expect(latency).toMatchObject({ verdict: 'fail', actual: null });
    expect(latency.note).toMatch(/^none of the \d+ requests succeeded$/);
  });

  it('without a target, a window is down below the documented 50%', async () => {
    const report = await run(SCENARIO.replace(', target: 99%', ''));
    const a = report.metrics.availability;
    expect(a.target).toBeNull();
    expect(a.downBelow).toBe(0.5);
    const below = report.metrics.timeline.filter((w) => w.availability !== null && w.availability < 0.5);
    expect(a.downtimeUs).toBe(below.reduce((sum, w) => sum + w.endUs - w.startUs, 0));
  });

  it('recovery runs from the end of each fault to the first window back at or above the target', async () => {
    const report = await run();
    const { recovery, downBelow } = report.metrics.availability;
    expect(downBelow).toBe(0.99);
    expect(recovery).toHaveLength(1);
    const [r] = recovery;
    expect(r).toMatchObject({ kind: 'crash', label: 'crash server-2', startUs: 8_000_000, endUs: 11_000_000 });
    const back = report.metrics.timeline.find(
      (w) => w.endUs > 11_000_000 && w.availability !== null && w.availability >= 0.99,
    )!;
    expect(r.recoveredUs).toBe(Math.max(back.startUs, 11_000_000));
    expect(r.recoveryUs).toBe(r.recoveredUs! - 11_000_000);
    // A crash never undone has no recovery.
    const never = await run(SCENARIO.replace(', for: 3s', ''));
    expect(never.metrics.availability.recovery).toEqual([
      {
        kind: 'crash',
        label: 'crash server-2',
        startUs: 8_000_000,
        endUs: 20_000_000,
        recoveredUs: null,
        recoveryUs: null,
      },
    ]);
  });
});
