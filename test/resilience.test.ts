import { describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';
import { CircuitBreaker } from '../models/servers/circuit-breaker.js';

const policy = { failureRate: 0.5, windowUs: 1_000_000, minimumCalls: 4, openForUs: 2_000_000, probes: 2 };

describe('circuit breaker', () => {
  it('opens on the failure rate, fails fast while open, half-opens after openFor, closes after all probes succeed', () => {
    const b = new CircuitBreaker(policy);
    for (const [t, ok] of [
      [10, true],
      [20, false],
      [30, true],
    ] as const) {
      expect(b.allow(t)).toBe(true);
      b.record(ok, t);
    }
    expect(b.state).toBe('closed'); // 1 of 3 failed, and fewer than minimumCalls
    b.record(false, 40);
    expect(b.state).toBe('open'); // 2 of 4
    expect(b.opened).toBe(1);
    expect(b.allow(1_000_000)).toBe(false);
    expect(b.allow(2_000_040)).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.allow(2_000_041)).toBe(true);
    expect(b.allow(2_000_042)).toBe(false); // only `probes` at once
    b.record(true, 2_000_050);
    expect(b.state).toBe('half-open');
    b.record(true, 2_000_060);
    expect(b.state).toBe('closed');
  });

  it('a failed probe reopens it; failures older than the window no longer count', () => {
    const b = new CircuitBreaker(policy);
    for (let i = 0; i < 4; i++) b.record(false, 100 + i);
    expect(b.state).toBe('open');
    expect(b.allow(2_000_200)).toBe(true);
    b.record(false, 2_000_300);
    expect(b.state).toBe('open');
    expect(b.opened).toBe(2);

    const c = new CircuitBreaker(policy);
    c.record(false, 0);
    c.record(false, 1);
    c.record(true, 1_500_000);
    c.record(true, 1_500_001);
    c.record(false, 1_500_002);
    // In the window (last 1 s): true, true, false: a third failed.
    expect(c.state).toBe('closed');
  });
});

async function run(text: string) {
  const { scenario } = parseScenarioText(text, 'server.yaml');
  const completed = await runScenario(scenario);
  return buildReport({
    faultlineVersion: 'test',
    file: null,
    scenario,
    runs: [{ name: 'base', overrides: {}, run: completed }],
    wallSeconds: 1,
  }).metrics;
}

const station = (api: string, extraNodes = '', extraComponents = '') => `
name: server
duration: 60s
topology:
  rtt: { sameRegion: 0 }
  nodes: { server: {}, client: { count: 2 }${extraNodes} }
components:
  api: { type: queue-server, nodes: server, ${api} }
${extraComponents}
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 550/s, timeout: 100ms }
`;

describe('server features', () => {
  it('an overloaded FIFO queue fails everyone; LIFO serves the newest and keeps most requests in time', async () => {
    // 1,100/s offered to 1,000/s of capacity: the queue fills and every FIFO wait is longer than the timeout.
    const fifo = await run(station('serviceTime: 1ms, queueCapacity: 500'));
    const lifo = await run(station('serviceTime: 1ms, queueCapacity: 500, order: lifo'));
    expect(fifo.goodputPerSec).toBeLessThan(100);
    expect(lifo.requests.good / lifo.requests.sent).toBeGreaterThan(0.85);
  });

  it('deadlines: drop discards work whose caller gave up, instead of serving it', async () => {
    const serve = await run(station('serviceTime: 1ms, queueCapacity: 500'));
    const drop = await run(station('serviceTime: 1ms, queueCapacity: 500, deadlines: drop'));
    expect(serve.components[0].dropped).toBe(0);
    expect(drop.components[0].dropped).toBeGreaterThan(1000);
    // Dropping costs no worker time, so the same workers get through more of the arrivals.
    expect(drop.components[0].served + drop.components[0].dropped).toBeGreaterThan(serve.components[0].served * 1.1);
  });

  it('parallel fan-out to more dependencies amplifies the tail: the slowest call decides', async () => {
    const deps = (n: number) =>
      run(
        station(
          `serviceTime: 100us, workers: 64, calls: { dependencies: [${Array.from({ length: n }, (_, i) => `d${i}`).join(', ')}], mode: parallel }`,
          Array.from({ length: n }, (_, i) => `, s${i}: {}`).join(''),
          Array.from(
            { length: n },
            (_, i) =>
              `  d${i}: { type: queue-server, nodes: s${i}, serviceTime: { type: exponential, mean: 1ms }, workers: 16 }`,
          ).join('\n'),
        ),
      );
    const one = await deps(1);
    const ten = await deps(10);
    expect(one.requests.errors.timeout).toBe(0);
    // The max of 10 exponentials has mean H(10) ≈ 2.93 times one's.
    expect(ten.latency.p50Us / one.latency.p50Us).toBeGreaterThan(2.2);
    expect(ten.latency.p99Us).toBeGreaterThan(one.latency.p99Us * 1.3);
  });
});

describe('retry-storm', () => {
  it('naive retries turn a 10 s slowdown into a failure that outlasts it; no retries and the circuit breaker recover', async () => {
    const loaded = loadScenario(resolveScenarioArgument('retry-storm'), { overrides: ['duration=45s'] });
    const availabilityAfter = new Map<string, (number | null)[]>();
    const runs = [];
    for (const v of loaded.variants)
      runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
    const report = buildReport({
      faultlineVersion: 'test',
      file: null,
      scenario: loaded.scenario,
      runs,
      wallSeconds: 1,
    });
    for (const v of report.variants!)
      availabilityAfter.set(
        v.name,
        v.metrics.timeline.slice(36, 45).map((w) => w.availability),
      );
    const recovered = (name: string) => availabilityAfter.get(name)!.every((a) => a !== null && a > 0.9);
    const down = (name: string) => availabilityAfter.get(name)!.every((a) => a !== null && a < 0.05);
    expect(recovered('no-retries')).toBe(true);
    expect(recovered('circuit-breaker')).toBe(true);
    expect(recovered('backoff-lifo-deadlines')).toBe(true);
    expect(down('naive-retries')).toBe(true);
    const naive = report.variants!.find((v) => v.name === 'naive-retries')!.metrics.requests;
    expect(naive.retries).toBeGreaterThan(naive.sent);
    const breaker = report.variants!.find((v) => v.name === 'circuit-breaker')!.metrics.requests;
    expect(breaker.errors.unavailable).toBeGreaterThan(0);
  }, 60_000);
});
