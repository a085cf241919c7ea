import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentPercentile } from '../models/workload/recent-percentile.js';
import { bundledReport, scenarioTextReport } from './support/bundled-report.js';

async function run(text: string) {
  return (await scenarioTextReport(text, 'hedging.yaml')).metrics;
}

const served = (m: Awaited<ReturnType<typeof run>>, name: string) => m.components.find((c) => c.name === name)!.served;

describe('the recent-latency percentile', () => {
  it('is the nearest-rank percentile of the last `window` samples (refreshed every sample below a window of 10)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 100 }),
        (samples, window, percentile) => {
          const recent = new RecentPercentile(percentile, window);
          samples.forEach((s, i) => {
            recent.record(s);
            const last = samples.slice(Math.max(0, i + 1 - window), i + 1).sort((a, b) => a - b);
            expect(recent.value).toBe(last[Math.ceil((percentile / 100) * last.length) - 1]);
          });
        },
      ),
    );
  });

  it('over a large window, matches the sorted percentile when read after a refresh', () => {
    const recent = new RecentPercentile(95, 1000);
    const samples = Array.from({ length: 2500 }, (_, i) => (i * 7919) % 10_007);
    for (const s of samples) recent.record(s);
    const last = samples.slice(-1000).sort((a, b) => a - b);
    expect(recent.value).toBe(last[949]);
    expect(recent.count).toBe(2500);
  });
});

describe('hedged requests', () => {
  /** Two clients calling a pool of two nodes with plenty of workers (no copy waits); requests stop at 4 s so all finish by the end. */
  const twoNodes = (service: string, workload: string, extra = '', links = '[]') => `
name: hedging
duration: 5s
topology:
  links: ${links}
  nodes: { server: { count: 2 }, client: { count: 2 } }
components:
  api: { type: queue-server, nodes: server, serviceTime: ${service}, workers: 64${extra} }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 100/s, stopAt: 4s, ${workload} }
`;

  it('sends at most maxHedges extra copies per attempt, records each request once, and counts the copies', async () => {
    // Every copy takes 10 ms, so with a 1 ms delay each attempt sends all its hedges before the first answer.
    for (const maxHedges of [1, 3]) {
      const m = await run(twoNodes('10ms', `hedge: { after: 1ms, maxHedges: ${maxHedges} }`));
      expect(m.requests.sent).toBeGreaterThan(700);
      expect(m.requests.hedges).toBe(maxHedges * m.requests.sent);
      // The servers served every copy; the client counted each request once, as one success.
      expect(served(m, 'api')).toBe((1 + maxHedges) * m.requests.sent);
      expect(m.requests.succeeded).toBe(m.requests.sent);
      expect(m.latency.count).toBe(m.requests.sent);
      // The first copy wins: latency is one service time plus a round trip, not the last copy's.
      expect(m.latency.maxUs).toBeLessThan(12_500);
    }
  });

  it('the first success wins: a copy to the other node beats a slow one', async () => {
    // server-2 is 200 ms away; hedging after 10 ms sends its requests to server-1 as well, which answers first.
    const slowLink = '[{ from: client, to: server-2, latency: 200ms }]';
    const plain = await run(twoNodes('2ms', 'timeout: 1s', '', slowLink));
    const hedged = await run(twoNodes('2ms', 'timeout: 1s, hedge: { after: 10ms }', '', slowLink));
    expect(plain.latency.p99Us).toBeGreaterThan(199_000);
    expect(hedged.latency.p99Us).toBeLessThan(15_000);
    expect(hedged.requests.hedges / hedged.requests.sent).toBeGreaterThan(0.4);
    expect(hedged.requests.hedges / hedged.requests.sent).toBeLessThan(0.6);
    expect(hedged.requests.succeeded).toBe(hedged.requests.sent);
  });

  it('retries an attempt only once every copy has failed', async () => {
    // Each copy fails with probability 1/2; with a 1 ms delay every attempt has two copies out, so it fails
    // only when both do (1/4). Retrying at the first failed copy would fail attempts half the time.
    const retry = 'retry: { attempts: 3, base: 1ms, jitter: none }';
    const plain = await run(twoNodes('10ms', retry, ', errorRate: 50%'));
    const hedged = await run(twoNodes('10ms', `${retry}, hedge: { after: 1ms }`, ', errorRate: 50%'));
    const rate = (m: typeof plain, count: number) => count / m.requests.sent;
    // Retries per request: p + p² for an attempt failure probability p; failures: p³.
    expect(rate(plain, plain.requests.retries)).toBeCloseTo(0.75, 1);
    expect(rate(hedged, hedged.requests.retries)).toBeCloseTo(0.3125, 1);
    expect(rate(hedged, hedged.requests.errors.unavailable)).toBeLessThan(0.04);
    expect(rate(plain, plain.requests.errors.unavailable)).toBeGreaterThan(0.08);
  });

  it('the attempt timeout covers every copy, and no copy is sent after it', async () => {
    // Copies take 100 ms, attempts time out at 50 ms and are retried once.
    const workload = (after: string) =>
      `timeout: 50ms, retry: { attempts: 2, base: 1ms, jitter: none }, hedge: { after: ${after}, maxHedges: 2 }`;
    const both = await run(twoNodes('100ms', workload('10ms')));
    expect(both.requests.errors.timeout).toBe(both.requests.sent);
    expect(both.requests.retries).toBe(both.requests.sent);
    expect(both.requests.hedges).toBe(4 * both.requests.sent);
    // Hedges at 30 ms and 60 ms: the second would leave after the 50 ms deadline, so it is not sent.
    const one = await run(twoNodes('100ms', workload('30ms')));
    expect(one.requests.hedges).toBe(2 * one.requests.sent);
    expect(one.requests.errors.timeout).toBe(one.requests.sent);
  });
});

describe('the hedged-requests scenario', () => {
  it('hedging at the observed p95 cuts p99 several-fold for about 5% more load; hedging too early saturates the servers', async () => {
    const report = await bundledReport('hedged-requests', ['duration=15s']);
    const m = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const none = m('no-hedging');
    const p95 = m('hedge-at-p95');
    const fixed = m('hedge-after-20ms');
    const early = m('hedge-too-early');
    for (const hedged of [p95, fixed]) {
      expect(hedged.latency.p99Us).toBeLessThan(none.latency.p99Us / 4);
      // Hedges are counted from the start and requests after the warm-up: 15 s against 10 s.
      expect(hedged.requests.hedges / (hedged.requests.sent * 1.5)).toBeGreaterThan(0.03);
      expect(hedged.requests.hedges / (hedged.requests.sent * 1.5)).toBeLessThan(0.1);
    }
    expect(none.requests.hedges).toBe(0);
    // Copying nearly every request saturates the pool: the median gets several times worse.
    expect(early.requests.hedges).toBeGreaterThan(early.requests.sent);
    expect(early.components.find((c) => c.name === 'api')!.utilization).toBeGreaterThan(0.9);
    expect(early.latency.p50Us).toBeGreaterThan(3 * none.latency.p50Us);
  }, 60_000);
});
