import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../reports/build-report.js';
import { renderCharts } from '../reports/charts/index.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { parseReport } from '../reports/report-schema.js';
import type { ChatReport, Report } from '../reports/report-types.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';

/**
 * The chat section of the bundled chat-protocols run against the protocols'
 * closed forms: phones 40 ms (round trip) from the chat servers, which are
 * 1 ms from the store; polls every 2 s, long polls held 10 s, heartbeats
 * every 10 s.
 */
let report: Report;
const chatOf = (variant: string): ChatReport => report.variants!.find((v) => v.name === variant)!.chat!;
const row = (variant: string, key: string) => chatOf(variant).theory[0].rows.find((r) => r.key === key)!;

const POLL_INTERVAL_US = 2_000_000;
/** Phone → server → store → server → phone: two 20 ms and two 0.5 ms one-way trips. */
const TRANSIT_US = 2 * 20_000 + 2 * 500;

beforeAll(async () => {
  const loaded = loadScenario(resolveScenarioArgument('chat-protocols'));
  const runs = [];
  for (const v of loaded.variants)
    runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
  report = buildReport({ faultlineVersion: 'test', file: null, scenario: loaded.scenario, runs, wallSeconds: 1 });
});

describe('chat protocols against their theory', () => {
  it('short polling delivers in pollInterval/2 + transit on average, and polls once per pollInterval', () => {
    const delay = row('short-polling', 'delivery-delay');
    // The theory adds a few hundred µs of server and store CPU to the wait and the trips.
    expect(Math.abs(delay.theory - (POLL_INTERVAL_US / 2 + TRANSIT_US))).toBeLessThan(1000);
    // The wait for the next poll is uniform over 2 s: about 2,500 deliveries put the mean within ±2.5% (2 standard errors).
    expect(chatOf('short-polling').delivery.latency.meanUs / (POLL_INTERVAL_US / 2 + TRANSIT_US)).toBeCloseTo(1, 1);
    expect(Math.abs(delay.relativeDifference!)).toBeLessThan(0.025);
    expect(chatOf('short-polling').load.pollsPerDevicePerSec).toBeCloseTo(1e6 / POLL_INTERVAL_US, 3);
    expect(row('short-polling', 'idle-requests').theory).toBe(0.5);
  });

  it('push protocols deliver in the transit time, and idle devices cost 1/heartbeatInterval or at most 1/pollTimeout', () => {
    for (const variant of ['websocket', 'sse', 'long-polling']) {
      const delay = row(variant, 'delivery-delay');
      expect(Math.abs(delay.theory - TRANSIT_US), variant).toBeLessThan(1000);
      expect(Math.abs(delay.relativeDifference!), variant).toBeLessThan(0.01);
    }
    for (const variant of ['websocket', 'sse']) {
      expect(row(variant, 'idle-requests').theory).toBe(0.1);
      expect(chatOf(variant).load.heartbeatsPerDevicePerSec! / 0.1, variant).toBeCloseTo(1, 1);
    }
    // Messages answer long polls before the timeout: the bound holds, the figure is not compared.
    const longPoll = row('long-polling', 'idle-requests');
    expect([longPoll.theory, longPoll.relativeDifference]).toEqual([0.1, null]);
    expect(chatOf('long-polling').load.idleRequestsPerDevicePerSec).toBeLessThanOrEqual(0.1);
  });

  it('connection set-up takes a directory round trip, the protocol round trips and the handshake', () => {
    // 40 ms round trips: WebSockets and SSE 1 + 3 of them, polling 1 + 2; 2 ms of handshake.
    const expected: Record<string, number> = {
      websocket: 162_000,
      sse: 162_000,
      'long-polling': 122_000,
      'short-polling': 122_000,
    };
    for (const [variant, us] of Object.entries(expected)) {
      expect(row(variant, 'connect-setup').theory, variant).toBe(us);
      expect(Math.abs(chatOf(variant).connections.setupLatency.meanUs - us), variant).toBeLessThan(us * 0.01);
    }
  });

  it('fits the schema, and the HTML shows the section, the theory table and the four charts', () => {
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    const html = renderHtmlReport(report, renderCharts(report));
    const start = html.indexOf('<section id="chat">');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('<h3>Theory: chat protocols</h3>');
    expect(section).toContain('pollInterval/2 + 2c + 2s + CPU');
    for (const id of ['connected-devices', 'connect-attempts', 'delivery-latency', 'server-load'])
      expect(section, id).toContain(`id="chart-chat-${id}"`);
    // The three push protocols' curves lie on each other: one line, named after all three.
    expect(section).toContain('websocket = sse = long-polling');
  });
});
