import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { bundledReport, scenarioTextReport } from './support/bundled-report.js';

async function run(text: string) {
  return (await scenarioTextReport(text, 'dns.yaml')).metrics;
}

type Metrics = Awaited<ReturnType<typeof run>>;
const component = (m: Metrics, name: string) => m.components.find((c) => c.name === name)!;

/** Clients resolving `api` through one DNS server whose records are two single-node servers, a and b. */
const twoServers = ({ clients = 1, dns = '', workload = '', faults = '', duration = '60s' }) => `
name: dns
duration: ${duration}
topology:
  nodes: { resolver: {}, a-server: {}, b-server: {}, client: { count: ${clients} } }
components:
  dns: { type: dns, nodes: resolver, records: { api: [a, b] }, ${dns} }
  a: { type: queue-server, nodes: a-server, serviceTime: 1ms, workers: 4 }
  b: { type: queue-server, nodes: b-server, serviceTime: 1ms, workers: 4 }
workloads:
  users: { type: poisson, nodes: client, dns: dns, target: api, rate: 200/s, ${workload} }
${faults}`;

describe('clients resolving through DNS', () => {
  it('keep a cached answer until its TTL runs out, then follow the new one', async () => {
    // Round robin hands the one client a, then b, then a...: each answer is used for exactly one TTL.
    const m = await run(twoServers({ dns: 'policy: round-robin, ttl: 10s' }));
    const a = component(m, 'a').timeline.utilization;
    const b = component(m, 'b').timeline.utilization;
    const switches = a.flatMap((u, i) => (u > 0 && b[i] > 0 ? [i] : []));
    // The first answer is kept for a random share of the TTL; every later one for the whole TTL.
    expect(switches[0]).toBeLessThan(11);
    expect(switches.length).toBeGreaterThanOrEqual(5);
    for (let k = 1; k < switches.length; k++) expect(switches[k] - switches[k - 1]).toBe(10);
    // Between switches one server only.
    for (let i = 0; i < a.length; i++)
      if (!switches.includes(i)) expect((a[i] > 0 ? 1 : 0) + (b[i] > 0 ? 1 : 0)).toBe(1);
    // One lookup per TTL, not one per request (12,000 requests).
    expect(component(m, 'dns').served).toBe(switches.length + 1);
    expect(m.requests.succeeded).toBe(m.requests.sent);
  });

  it('answer by policy: all addresses, one in rotation, or the primary while it is healthy', async () => {
    const share = async (policy: string) => {
      const m = await run(twoServers({ clients: 10, dns: `policy: ${policy}, ttl: 5s`, duration: '20s' }));
      return component(m, 'a').served / (component(m, 'a').served + component(m, 'b').served);
    };
    expect(await share('failover')).toBe(1);
    expect(Math.abs((await share('all')) - 0.5)).toBeLessThan(0.03);
    // Ten clients, each with one address at a time, handed out alternately.
    const rotated = await share('round-robin');
    expect(rotated).toBeGreaterThan(0.3);
    expect(rotated).toBeLessThan(0.7);
  });

  it('requests wait for a lookup and fail (unavailable) at their timeout when DNS does not answer', async () => {
    const m = await run(
      twoServers({
        dns: 'ttl: 5s',
        workload: 'timeout: 300ms',
        faults: 'faults:\n  timeline: [{ at: 20s, action: crash, nodes: resolver }]',
      }),
    );
    // Cached answers carry the clients on for up to one TTL; then every request waits and fails.
    expect(m.timeline.slice(0, 20).every((w) => w.succeeded > 150 && w.errors.unavailable === 0)).toBe(true);
    expect(m.timeline.slice(26).every((w) => w.succeeded === 0 && w.errors.unavailable > 150)).toBe(true);
    expect(m.requests.errors.timeout).toBe(0);
  });

  it('a name the server does not hold is refused before running, with the names it holds', () => {
    expect(() => parseScenarioText(twoServers({}).replace('target: api', 'target: apii'), 'dns.yaml')).toThrow(
      /workloads\.users\.target: "dns" holds no name "apii" \(did you mean "api"\?\)/,
    );
    expect(() => parseScenarioText(twoServers({}).replace('target: api', 'target: web'), 'dns.yaml')).toThrow(
      /workloads\.users\.target: "dns" holds no name "web"; it holds "api"/,
    );
  });

  it('names that refer to nothing, or to something other than a DNS server, are reported before running', () => {
    const text = twoServers({})
      .replace('dns: dns, target', 'dns: dsn, target')
      .replace('records: { api: [a, b] }', 'records: { api: [a, c] }');
    let error: unknown;
    try {
      parseScenarioText(text, 'dns.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toMatch(/workloads\.users\.dns: no component "dsn"/);
    expect((error as ScenarioError).message).toMatch(/components\.dns\.records\.api\.1: no component "c"/);
    expect(() => parseScenarioText(twoServers({}).replace('dns: dns, target', 'dns: a, target'), 'dns.yaml')).toThrow(
      /workloads\.users\.dns: "a" is not a dns component/,
    );
  });
});

describe('the dns-failover scenario', () => {
  it('the outage lasts about detection + TTL for the last client, detection + TTL/2 on average', async () => {
    const report = await bundledReport('dns-failover');
    const crashS = 60;
    const clientRate = 30 * 20;
    // Checks every 1 s, 500 ms timeout, 3 failures: the third failed check ends 2.5 to 3.5 s after the crash.
    const detectionS = { min: 2.5, max: 3.5 };
    for (const [variant, ttlS] of [
      ['ttl-5s', 5],
      ['ttl-60s', 60],
      ['ttl-300s', 300],
    ] as const) {
      const m = report.variants!.find((v) => v.name === variant)!.metrics;
      // Failures are recorded when they time out, 1 s after sending: the last failing request left in the
      // second before window `lastFailed`, which puts the end of the outage within a second of lastFailed - crash.
      const lastFailed = m.timeline.reduce(
        (last, w, i) => (w.errors.timeout + w.errors.unavailable > 0 ? i : last),
        -1,
      );
      const outageS = lastFailed - crashS;
      // A client that re-resolves just before detection keeps the dead address one more TTL: the worst is
      // detection + TTL. The best case for the last of 30 clients with uniform cache phases is a phase near the
      // TTL: below 0.85·TTL with probability 0.85^30 < 1%.
      expect(outageS, variant).toBeLessThanOrEqual(detectionS.max + ttlS + 1);
      expect(outageS, variant).toBeGreaterThanOrEqual(Math.max(detectionS.min, 0.85 * ttlS));
      // Each client is cut off for its phase φ ~ U(0, TTL), plus one TTL when φ < detection: mean detection + TTL/2.
      // The mean of 30 phases has a standard deviation of TTL/√360; allow 3 of them, and 1 s for detection.
      const meanCutOffS = (m.requests.errors.timeout + m.requests.errors.unavailable) / clientRate;
      expect(Math.abs(meanCutOffS - (detectionS.min + ttlS / 2)), variant).toBeLessThanOrEqual(
        1 + (3 * ttlS) / Math.sqrt(360),
      );
      // One lookup per client per TTL over the 390 s after the warm-up.
      const lookupsPerClient = component(m, 'dns').served / 30;
      expect(lookupsPerClient, variant).toBeGreaterThanOrEqual(390 / ttlS - 1);
      expect(lookupsPerClient, variant).toBeLessThanOrEqual(390 / ttlS + 2);
      // Once over, every request succeeds, through us-west.
      expect(
        m.timeline.slice(lastFailed + 1).every((w) => w.succeeded > 500),
        variant,
      ).toBe(true);
      expect(component(m, 'lb-west').served, variant).toBeGreaterThan(0);
    }
  }, 60_000);
});
