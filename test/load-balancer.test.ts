import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarioTextReport } from './support/bundled-report.js';
import { MILLISECOND, Simulation, scheduleFaults, type NodeContext, type NodeId } from '../engine/index.js';
import { deriveStream } from '../engine/random-stream.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';
import { Backends, type BalancingAlgorithm } from '../models/balancers/balancing-policies.js';
import { ConsistentHashRing } from '../models/parts/consistent-hash-ring.js';
import { LoadBalancer, loadBalancerModel, type LoadBalancerSettings } from '../models/balancers/load-balancer.js';
import { responseTo, type Ping, type Pong, type Request } from '../models/kit/request-messages.js';

const backends = (algorithm: BalancingAlgorithm, weights: number[]) =>
  new Backends(algorithm, weights, deriveStream(1, 'test', 'balancing'), 0.2, 100);

describe('balancing algorithms', () => {
  it('weighted round robin gives exact shares over every cycle of the total weight, interleaved (nginx smooth WRR)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (weights, cycles) => {
          const b = backends('weighted-round-robin', weights);
          const total = weights.reduce((s, w) => s + w, 0);
          for (let c = 0; c < cycles; c++) {
            const counts = weights.map(() => 0);
            for (let k = 0; k < total; k++) counts[b.pick(0, 0)]++;
            expect(counts).toEqual(weights);
          }
        },
      ),
    );
    const b = backends('weighted-round-robin', [5, 1, 1]);
    expect(Array.from({ length: 7 }, () => 'abc'[b.pick(0, 0)]).join('')).toBe('aabacaa');
  });

  it('round robin cycles, and every algorithm skips ejected backends and says when none is left', () => {
    const rr = backends('round-robin', [1, 1, 1]);
    expect([0, 1, 2, 3].map(() => rr.pick(0, 0))).toEqual([0, 1, 2, 0]);
    for (const algorithm of [
      'round-robin',
      'weighted-round-robin',
      'random',
      'least-connections',
      'power-of-two',
      'least-response-time',
      'ip-hash',
      'key-hash',
      'consistent-hash',
      'resource-based',
    ] as const) {
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

  it('resource-based picks the least reported load per weight, and keeps picking it until the next report', () => {
    const b = backends('resource-based', [1, 1, 2]);
    b.reportedLoad.set([0.9, 0.5, 0.8]);
    // Per weight: 0.9, 0.5, 0.4. Nothing the balancer sends changes the figures, so it herds.
    expect(Array.from({ length: 5 }, () => b.pick(0, 0))).toEqual([2, 2, 2, 2, 2]);
    b.reportedLoad.set([0.1, 0.5, 0.8]);
    expect(b.pick(0, 0)).toBe(0);
    // Equal figures (idle backends) take turns.
    b.reportedLoad.fill(0);
    expect(Array.from({ length: 6 }, () => b.pick(0, 0))).toEqual([1, 2, 0, 1, 2, 0]);
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
  for (const v of loaded.variants)
    runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
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
    expect(run('power-of-two-ping-checks').requests.errors.unavailable).toBeGreaterThan(
      run('power-of-two-ping-checks').requests.sent * 0.15,
    );
    expect(run('power-of-two').requests.errors.unavailable).toBe(0);
    for (const adaptive of [
      'least-connections',
      'power-of-two',
      'least-response-time',
      'weighted-round-robin',
      'resource-based',
    ]) {
      expect(run(adaptive).requests.errors.rejected, adaptive).toBe(0);
      expect(run(adaptive).latency.p99Us, adaptive).toBeLessThan(run('round-robin').latency.p99Us / 4);
    }
    // Load polled once a second: each second's requests herd onto the backends that looked idle, and overflow them.
    const stale = run('resource-based-stale');
    expect(stale.requests.errors.rejected).toBeGreaterThan(stale.requests.sent * 0.25);
    expect(slowQueue('resource-based-stale')).toBe(100);
    expect(stale.components.find((c) => c.name === 'fast')!.queueDepth.max).toBeGreaterThan(100);
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
      return (await scenarioTextReport(t, 'eject.yaml')).metrics;
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
    return (await scenarioTextReport(t, 'health.yaml')).metrics;
  };

  it('a ping-level check misses a grey node that answers pings but fails requests; an application-level check takes it out', async () => {
    const ping = await run(text('kind: ping'));
    const request = await run(text('kind: request'));
    const failedAfter = (m: Awaited<ReturnType<typeof run>>, fromSecond: number) =>
      m.timeline.slice(fromSecond).reduce((s, w) => s + w.errors.unavailable, 0);
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

/** A backend that answers at once, answers pings, and records which session each request came from. */
const recordingBackend = (seen: Map<string, number[]>) => (ctx: NodeContext) => ({
  onMessage(from: NodeId, message: Request | Ping) {
    if (message.kind === 'ping') {
      ctx.send(from, { kind: 'pong', id: message.id } satisfies Pong);
      return;
    }
    if (message.operation !== 'health-check')
      (seen.get(ctx.name) ?? seen.set(ctx.name, []).get(ctx.name)!).push(message.session);
    ctx.send(from, responseTo(message));
  },
});

/** Clients that each send a request every millisecond, cycling through their sessions (session = client × 1000 + index). */
const cyclingClient = (sessions: number) => (ctx: NodeContext) => {
  let n = 0;
  return {
    onStart: () => ctx.setTimer(MILLISECOND),
    onTimer() {
      const session = ctx.id * 1000 + (n % sessions);
      ctx.send(ctx.lookup('lb'), {
        kind: 'request',
        id: n++,
        sentUs: ctx.nowUs,
        operation: 'r',
        priority: 0,
        session,
      } satisfies Request);
      ctx.setTimer(MILLISECOND);
    },
    onMessage() {},
  };
};

/** Clients, a balancer `lb` and four recording backends b1..b4 (b1 crashes at 100 ms and comes back at 300 ms when `crash`). */
function balancerHarness(clients: number, sessions: number, settings: Partial<LoadBalancerSettings>, crash = true) {
  const sim = new Simulation({ seed: 3 });
  const seen = new Map<string, number[]>();
  const names = ['b1', 'b2', 'b3', 'b4'];
  sim.addNode({
    name: 'lb',
    process: (ctx) =>
      new LoadBalancer(
        ctx,
        {
          ...loadBalancerModel.params.parse({ backends: names }),
          healthCheck: {
            interval: 10 * MILLISECOND,
            timeout: 5 * MILLISECOND,
            unhealthyAfter: 2,
            healthyAfter: 2,
            kind: 'ping',
          },
          ...settings,
        },
        { backends: names.map((node) => ({ node, weight: 1 })) },
      ),
  });
  for (const name of names) sim.addNode({ name, process: recordingBackend(seen) });
  for (let c = 0; c < clients; c++) sim.addNode({ name: `client-${c}`, process: cyclingClient(sessions) });
  if (crash)
    scheduleFaults(sim, [
      { atUs: 100 * MILLISECOND, action: { kind: 'crash', nodes: 'b1', forUs: 200 * MILLISECOND } },
    ]);
  /** Which backends served each session, in the given time span of the run (ms). */
  const backendsBySession = () => {
    const by = new Map<number, Set<string>>();
    for (const [backend, sessionsSeen] of seen)
      for (const s of sessionsSeen) (by.get(s) ?? by.set(s, new Set()).get(s)!).add(backend);
    return by;
  };
  const runUntil = (ms: number) => {
    seen.clear();
    sim.run({ untilUs: ms * MILLISECOND });
    return { served: new Map([...seen].map(([b, s]) => [b, s.length])), bySession: backendsBySession() };
  };
  return { sim, runUntil };
}

describe('sticky sessions', () => {
  it('cookie: each session stays on one backend; when it fails its sessions move once and stay, the others never move', () => {
    const { runUntil } = balancerHarness(2, 40, { stickiness: 'cookie' });
    const before = runUntil(100);
    expect(before.bySession.size).toBe(80);
    for (const backends of before.bySession.values()) expect(backends.size).toBe(1);
    const onB1 = [...before.bySession].filter(([, b]) => b.has('b1')).map(([s]) => s);
    expect(onB1.length).toBe(20);
    runUntil(150); // b1 is detected within 2 × 10 ms + 5 ms
    const after = runUntil(600); // b1 is back at 300 ms: nothing moves to it
    expect(after.served.get('b1')).toBeUndefined();
    for (const [session, backends] of after.bySession) {
      expect(backends.size, `session ${session}`).toBe(1);
      if (onB1.includes(session)) expect(backends.has('b1')).toBe(false);
      else expect(backends).toEqual(before.bySession.get(session));
    }
  });

  it('cookie with a lifetime: pins expire and sessions are balanced afresh, so a backend that came back gets its share', () => {
    const { runUntil } = balancerHarness(2, 40, { stickiness: 'cookie', stickyTtl: 50 * MILLISECOND });
    runUntil(400);
    const later = runUntil(600);
    expect(later.served.get('b1')! / 400).toBeGreaterThan(0.2);
  });

  it('ip: every request of a client goes to one backend, whatever its sessions', () => {
    const { runUntil } = balancerHarness(3, 50, { stickiness: 'ip' }, false);
    const { served } = runUntil(200);
    // Three clients, round robin on their first requests: three backends with one client each, one idle.
    expect([...served.values()].sort()).toEqual([199, 199, 199]);
    expect(served.has('b4')).toBe(false);
  });

  it('none: round robin spreads every session over the backends', () => {
    const { runUntil } = balancerHarness(2, 39, {}, false);
    const { bySession } = runUntil(200);
    for (const backends of bySession.values()) expect(backends.size).toBeGreaterThan(1);
  });
});

describe('layer 4 against layer 7', () => {
  it('L4 keeps each connection on the backend it opened to, moves it only when that backend fails, and never back; L7 rebalances at once', () => {
    const l4 = balancerHarness(1, 1, { layer: 4, connections: 4 });
    const l7 = balancerHarness(1, 1, {});
    for (const h of [l4, l7]) {
      const { served } = h.runUntil(100);
      expect(served.get('b1')).toBeGreaterThan(20);
      h.runUntil(350); // b1 is back by about 330 ms
    }
    const l4After = l4.runUntil(600).served;
    const l7After = l7.runUntil(600).served;
    expect(l4After.get('b1')).toBeUndefined();
    expect(l7After.get('b1')).toBeGreaterThan(55);
    // The connection b1 held reopened on one other backend, which now takes two connections' worth.
    expect([...l4After.values()].sort((a, b) => a - b)).toEqual([62, 63, 125]);
  });

  it('rejects what a layer 4 balancer cannot see: keys and cookies', () => {
    const schema = loadBalancerModel.params;
    const issues = schema.safeParse({ backends: ['api'], layer: 4, algorithm: 'key-hash', stickiness: 'cookie' }).error!
      .issues;
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['algorithm', expect.stringMatching(/key-hash routes by the request's key, which a layer 4 balancer never sees/)],
      ['stickiness', expect.stringMatching(/a layer 4 balancer cannot read cookies/)],
    ]);
    expect(schema.safeParse({ backends: ['api'], layer: 4, algorithm: 'consistent-hash' }).success).toBe(false);
    expect(schema.safeParse({ backends: ['api'], layer: 4, algorithm: 'ip-hash', stickiness: 'ip' }).success).toBe(
      true,
    );
    expect(schema.safeParse({ backends: ['api'], layer: 7, algorithm: 'key-hash', stickiness: 'cookie' }).success).toBe(
      true,
    );
    expect(schema.safeParse({ backends: ['api'], layer: 5 }).error!.issues[0].message).toBe(
      'layer must be 4 (balance connections) or 7 (balance requests)',
    );
  });
});

describe('sticky sessions and L4 in scenarios', () => {
  it('sticky-sessions: IP stickiness piles two NAT proxies onto two servers; cookies spread 4,000 sessions; a dead server’s sessions move', async () => {
    const report = await runVariants(resolveScenarioArgument('sticky-sessions'));
    const run = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const lb = (name: string) => run(name).components.find((c) => c.name === 'lb')!.details!;
    const ip = run('ip');
    const cookie = run('cookie');
    expect(ip.requests.errors.rejected).toBeGreaterThan(ip.requests.sent * 0.1);
    expect(ip.latency.p99Us).toBeGreaterThan(5 * cookie.latency.p99Us);
    expect(cookie.requests.errors.rejected).toBe(0);
    expect(run('none').requests.errors.rejected).toBe(0);
    expect(lb('ip').stickTableEntries).toBe(6);
    expect(lb('cookie').stickTableEntries).toBe(2 * 2000 + 4);
    // A quarter of the sessions were on the server that crashed.
    expect(lb('cookie').repins).toBeGreaterThan(800);
    expect(lb('cookie').repins).toBeLessThan(1100);
    expect(lb('ip').repins).toBeGreaterThanOrEqual(1);
    // After the server is back (30 s), pins that expire spread sessions onto it again; lifelong ones never do.
    const p99After = (name: string) => {
      const windows = run(name).timeline.slice(32);
      return windows.reduce((sum, w) => sum + w.p99Us!, 0) / windows.length;
    };
    expect(p99After('cookie-5s-lifetime')).toBeLessThan(0.85 * p99After('cookie'));
  });

  it('l4-vs-l7: after a backend comes back L4 leaves it idle and the others overloaded, L7 rebalances at once and pays its processing time', async () => {
    const report = await runVariants(resolveScenarioArgument('l4-vs-l7'));
    const run = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const component = (variant: string, name: string) => run(variant).components.find((c) => c.name === name)!;
    // Before the crash at 10 s both serve it a quarter (5 s after warm-up); afterwards only L7 does.
    expect(component('l7', 'returning').served).toBeGreaterThan(3 * component('l4', 'returning').served);
    expect(component('l4', 'returning').served).toBeLessThan(0.3 * 5 * 2800);
    expect(component('l4', 'lb').details).toEqual({ connectionsReopened: 8 });
    expect(run('l4').latency.p99Us).toBeGreaterThan(1.5 * run('l7').latency.p99Us);
    const p50Before = (name: string) =>
      run(name)
        .timeline.slice(5, 10)
        .reduce((sum, w) => sum + w.p50Us!, 0) / 5;
    expect(p50Before('l7')).toBeGreaterThan(p50Before('l4') + 100);
  });
});
