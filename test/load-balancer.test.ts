import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStream } from '../engine/random-stream.js';
import { parseScenarioText } from '../cli/scenario/load-scenario.js';
import { resolveScenarioArgument } from '../cli/scenario/bundled.js';
import { loadScenario } from '../cli/scenario/load-scenario.js';
import { runScenario } from '../cli/scenario/run.js';
import { buildReport } from '../reports/build-report.js';
import { Backends, type BalancingAlgorithm } from '../models/balancing.js';
import { ConsistentHashRing } from '../models/consistent-hash-ring.js';

const backends = (algorithm: BalancingAlgorithm, weights: number[]) => new Backends(algorithm, weights, deriveStream(1, 'test', 'balancing'), 0.2, 100);

describe('balancing algorithms', () => {
  it('weighted round robin gives exact shares over every cycle of the total weight, interleaved (nginx smooth WRR)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 4 }), (weights, cycles) => {
        const b = backends('weighted-round-robin', weights);
        const total = weights.reduce((s, w) => s + w, 0);
        for (let c = 0; c < cycles; c++) {
          const counts = weights.map(() => 0);
          for (let k = 0; k < total; k++) counts[b.pick(0, 0)]++;
          expect(counts).toEqual(weights);
        }
      }),
    );
    const b = backends('weighted-round-robin', [5, 1, 1]);
    expect(Array.from({ length: 7 }, () => 'abc'[b.pick(0, 0)]).join('')).toBe('aabacaa');
  });

  it('round robin cycles, and every algorithm skips ejected backends and says when none is left', () => {
    const rr = backends('round-robin', [1, 1, 1]);
    expect([0, 1, 2, 3].map(() => rr.pick(0, 0))).toEqual([0, 1, 2, 0]);
    for (const algorithm of ['round-robin', 'weighted-round-robin', 'random', 'least-connections', 'power-of-two', 'least-response-time', 'ip-hash', 'key-hash', 'consistent-hash'] as const) {
      const b = backends(algorithm, [1, 1, 1]);
      b.ejectedUntilUs[1] = 1000;
      for (let k = 0; k < 50; k++) expect(b.pick(k, k * 7919), algorithm).not.toBe(1);
      b.ejectedUntilUs.fill(1000);
      expect(b.pick(3, 3), algorithm).toBe(-1);
      b.nowUs = 1000;
      expect(b.pick(3, 3), algorithm).toBeGreaterThanOrEqual(0);
    }
  });

  it('least connections and power of two prefer the emptier backend', () => {
    const lc = backends('least-connections', [1, 1, 1]);
    lc.inFlight.set([5, 0, 3]);
    expect(lc.pick(0, 0)).toBe(1);
    const p2 = backends('power-of-two', [1, 1]);
    p2.inFlight.set([9, 0]);
    // With two backends the two choices cover both unless they coincide.
    const picks = Array.from({ length: 200 }, () => p2.pick(0, 0));
    expect(picks.filter((i) => i === 1).length).toBeGreaterThan(140);
  });

  it('a consistent-hash ring moves only the keys of a member that leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.nat({ max: 7 }), (members, leaving) => {
        const gone = leaving % members;
        const ring = new ConsistentHashRing(Array(members).fill(1), 50);
        for (let key = 0; key < 500; key++) {
          const before = ring.lookup(key, () => true);
          const after = ring.lookup(key, (m) => m !== gone);
          if (before !== gone) expect(after).toBe(before);
          else expect(after).not.toBe(gone);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('consistent-hash shares follow the weights', () => {
    const ring = new ConsistentHashRing([1, 3], 200);
    let heavy = 0;
    for (let key = 0; key < 20_000; key++) if (ring.lookup(key, () => true) === 1) heavy++;
    expect(heavy / 20_000).toBeGreaterThan(0.68);
    expect(heavy / 20_000).toBeLessThan(0.82);
  });
});

async function runVariants(file: string, overrides: string[] = []) {
  const loaded = loadScenario(file, { overrides });
  const runs = [];
  for (const v of loaded.variants) runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
  return buildReport({ faultlineVersion: 'test', file: null, scenario: loaded.scenario, runs, wallSeconds: 1 });
}

describe('the load balancer in a scenario', () => {
  it('lb-shootout: power of two choices keeps the slow server’s queue below round robin’s; adaptive algorithms avoid its overload', async () => {
    const report = await runVariants(resolveScenarioArgument('lb-shootout'), ['duration=10s']);
    const run = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const slowQueue = (name: string) => run(name).components.find((c) => c.name === 'slow')!.queueDepth.max;
    expect(slowQueue('power-of-two')).toBeLessThan(slowQueue('round-robin'));
    expect(slowQueue('round-robin')).toBe(100);
    // With ping-level checks the grey node stays in rotation and fails a share of requests.
    expect(run('power-of-two-ping-checks').requests.errors.unavailable).toBeGreaterThan(run('power-of-two-ping-checks').requests.sent * 0.15);
    expect(run('power-of-two').requests.errors.unavailable).toBe(0);
    for (const adaptive of ['least-connections', 'power-of-two', 'least-response-time', 'weighted-round-robin']) {
      expect(run(adaptive).requests.errors.rejected, adaptive).toBe(0);
      expect(run(adaptive).latency.p99Us, adaptive).toBeLessThan(run('round-robin').latency.p99Us / 4);
    }
  }, 60_000);

  it('passive health checks take a crashed backend out of rotation; without them a third of requests time out', async () => {
    const text = (eject: string) => `
name: eject
duration: 20s
topology:
  nodes: { balancer: {}, server: { count: 3 }, client: { count: 2 } }
components:
  lb: { type: load-balancer, nodes: balancer, backends: [api], timeout: 50ms${eject} }
  api: { type: queue-server, nodes: server, serviceTime: 1ms, workers: 4 }
workloads:
  users: { type: poisson, nodes: client, target: lb, rate: 200/s, timeout: 1s }
faults:
  timeline: [{ at: 5s, action: crash, nodes: server-2 }]
`;
    const run = async (t: string) => {
      const { scenario } = parseScenarioText(t, 'eject.yaml');
      return buildReport({ faultlineVersion: 'test', file: null, scenario, runs: [{ name: 'base', overrides: {}, run: await runScenario(scenario) }], wallSeconds: 1 }).metrics;
    };
    const without = await run(text(''));
    const withEject = await run(text(', eject: { afterErrors: 3, for: 5s }'));
    // 400 requests/s for 15 s after the crash, a third of them to the dead server.
    expect(without.requests.errors.timeout).toBeGreaterThan(1800);
    // Each time it is tried (at the crash, then every 5 s): the requests sent to it during the 50 ms until its
    // third timeout, about 400/s × 1/3 × 50 ms ≈ 7, plus those three. Four rounds at most.
    expect(withEject.requests.errors.timeout).toBeGreaterThanOrEqual(3);
    expect(withEject.requests.errors.timeout).toBeLessThan(60);
    expect(withEject.requests.errors.timeout / without.requests.errors.timeout).toBeLessThan(0.03);
  });
});

describe('active health checks', () => {
  const text = (check: string, extraFaults = '') => `
name: health
duration: 30s
topology:
  nodes: { balancer: {}, server: { count: 3 }, grey-server: {}, client: { count: 2 } }
components:
  lb: { type: load-balancer, nodes: balancer, backends: [api, grey], healthCheck: { interval: 1s, timeout: 300ms, unhealthyAfter: 3, healthyAfter: 2, ${check} } }
  api: { type: queue-server, nodes: server, serviceTime: 1ms, workers: 4 }
  grey: { type: queue-server, nodes: grey-server, serviceTime: 1ms, workers: 4, errorRate: ${extraFaults === '' ? 1 : 0} }
workloads:
  users: { type: poisson, nodes: client, target: lb, rate: 200/s, timeout: 200ms }
${extraFaults}`;
  const run = async (t: string) => {
    const { scenario } = parseScenarioText(t, 'health.yaml');
    return buildReport({ faultlineVersion: 'test', file: null, scenario, runs: [{ name: 'base', overrides: {}, run: await runScenario(scenario) }], wallSeconds: 1 }).metrics;
  };

  it('a ping-level check misses a grey node that answers pings but fails requests; an application-level check takes it out', async () => {
    const ping = await run(text('kind: ping'));
    const request = await run(text('kind: request'));
    const failedAfter = (m: Awaited<ReturnType<typeof run>>, fromSecond: number) => m.timeline.slice(fromSecond).reduce((s, w) => s + w.errors.unavailable, 0);
    // A quarter of 400 requests/s, every second, for ping checks.
    expect(failedAfter(ping, 10)).toBeGreaterThan(0.2 * 400 * 20);
    // Three failed checks (by about 3 s) and the grey node is out for good.
    expect(failedAfter(request, 4)).toBe(0);
    expect(failedAfter(request, 0)).toBeGreaterThan(0);
  });

  it('a crashed node is out within interval × unhealthyAfter (+ the check timeout); healthy nodes are never taken out', async () => {
    const crash = await run(text('kind: ping', 'faults:\n  timeline: [{ at: 10s, action: crash, nodes: server-1 }]\n'));
    const timeoutsFrom = (second: number) => crash.timeline.slice(second).reduce((s, w) => s + w.errors.timeout, 0);
    expect(timeoutsFrom(10)).toBeGreaterThan(0);
    // Out by 10 s + 3 × 1 s + 300 ms; requests sent just before time out 200 ms later.
    expect(timeoutsFrom(14)).toBe(0);
    expect(crash.timeline.slice(0, 10).every((w) => w.errors.timeout === 0 && w.errors.unavailable === 0)).toBe(true);
  });
});
