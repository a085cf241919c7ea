import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioSchema } from '../scenarios/harness/scenario-schema.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { RequestMetrics } from '../models/measure/request-metrics.js';
import { buildReport, deterministicPart } from '../reports/build-report.js';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';

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
