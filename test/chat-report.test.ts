import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { chatLines } from '../cli/chat-summary.js';
import { ChatLog } from '../models/measure/chat-log.js';
import { chatComparisonRows } from '../reports/chat/chat-comparison.js';
import { chatLogReport } from '../reports/chat/chat-report.js';
import { chatDeliveryLatencyChart } from '../reports/charts/chat-delivery-latency.js';
import { PALETTE } from '../reports/charts/common.js';
import { renderCharts } from '../reports/charts/index.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { parseReport } from '../reports/report-schema.js';
import type { ChatReport, FaultEvent, Report, RunOutcome } from '../reports/report-types.js';
import { sampleReport } from './fixtures/sample-report.js';
import { scenarioTextReport } from './support/bundled-report.js';
import { plainScenario } from './support/plain-scenario.js';

const SECOND_US = 1_000_000;
const at = (seconds: number) => Math.round(seconds * SECOND_US);
const SERVER = 3;
const OTHER_SERVER = 4;
const nodeName = (node: number) => `chat-${node - 2}`;

/**
 * A hand-filled log over `windows` one-second windows, warm-up 2 s, as ten
 * websocket devices on chat-1 (node 3) would fill it: all connect at 0.5 s;
 * from 2 s, two connect attempts, 30 server operations and a heartbeat per
 * device a window; chat-1 crashes at 10.2 s (and is restarted at 11.5 s by
 * `FAULTS`): 50 attempts a window in windows 10–12, 40 of them refused, then
 * nine devices back on chat-2 at 12.5 s and the last at 12.9 s. Four
 * messages sent after the warm-up arrive after 20, 50, 100 and 300 ms; one
 * sent in the warm-up is delivered but not timed. One message lost, two
 * duplicates, one out of order.
 */
function handLog(windows: number): ChatLog {
  const log = new ChatLog(SECOND_US, windows, at(2));
  log.protocols.set('phones', 'websocket');
  log.devices(10);
  for (let d = 0; d < 10; d++) {
    log.count('connectAttempts', at(0.34));
    log.sessionSetUp(at(0.34), at(0.5));
    log.deviceConnected(d, SERVER, at(0.5));
  }
  for (let w = 2; w < windows; w++) {
    if (w < 10 || w > 12) log.count('connectAttempts', at(w + 0.1), 2);
    log.count('serverOperations', at(w + 0.2), 30);
    log.count('heartbeats', at(w + 0.3), 10);
  }
  log.serverCrashed(SERVER, at(10.2));
  for (let w = 10; w <= 12; w++) {
    log.count('connectAttempts', at(w + 0.4), 50);
    log.count('connectsRefused', at(w + 0.4), 40);
  }
  for (let d = 0; d < 9; d++) log.deviceConnected(d, OTHER_SERVER, at(12.5));
  log.deviceConnected(9, OTHER_SERVER, at(12.9));
  for (const [sentS, latencyS] of [
    [3, 0.02],
    [4, 0.05],
    [5, 0.1],
    [6, 0.3],
    [1, 0.01],
  ]) {
    log.count('messagesSent', at(sentS));
    log.count('messagesAcknowledged', at(sentS + 0.001));
    log.delivered(at(sentS), at(sentS + latencyS));
  }
  log.lost = 1;
  log.conversations(6);
  log.countIn(4, 'duplicates', at(13));
  log.countIn(4, 'duplicates', at(13.5));
  // Before the warm-up's end: neither counted nor marking its conversation.
  log.countIn(5, 'duplicates', at(1));
  log.countIn(1, 'outOfOrder', at(13));
  log.undelivered(2, 3);
  log.undelivered(3, 0);
  return log;
}

const FAULTS: FaultEvent[] = [
  { timeUs: at(10.2), kind: 'crash', nodes: ['chat-1'] },
  { timeUs: at(11.5), kind: 'restart', nodes: ['chat-1'] },
];

const windowsOf = (n: number) => Array.from({ length: n }, (_, w) => ({ startUs: at(w), endUs: at(w + 1) }));

/** The sample report with a chat section per run (timelines one entry a window), the i-th run losing i messages. */
function withChat(report: Report): Report {
  const runs: RunOutcome[] = report.variants ?? [report];
  runs.forEach((run, i) => {
    const log = handLog(run.metrics.timeline.length);
    log.lost = i;
    run.chat = chatLogReport(log, run.metrics.timeline, FAULTS, nodeName);
  });
  if (report.variants) report.chat = report.variants[0].chat;
  return report;
}

describe('the chat section', () => {
  it('reads delivery, messages, connections and load off the log, counts from the warm-up, timelines every window', () => {
    const r = chatLogReport(handLog(20), windowsOf(20), FAULTS, nodeName)!;
    expect(r.measuredFromUs).toBe(at(2));
    expect(r.workloads).toEqual([{ workload: 'phones', protocol: 'websocket' }]);
    expect(r.devices).toBe(10);
    expect(r.delivery.latency.count).toBe(4);
    expect(r.delivery.latency.maxUs).toBe(300_000);
    expect(r.delivery.targetUs).toBe(100_000);
    // 20, 50 and 100 ms are within the target (inclusive), 300 ms is not.
    expect(r.delivery.withinTarget).toBe(0.75);
    // The CDF's last point is the maximum's histogram bucket (three significant digits).
    expect(r.delivery.cdf.at(-1)![1]).toBe(1);
    expect(r.delivery.cdf.at(-1)![0]).toBeCloseTo(300_000, -3);
    expect(r.messages).toEqual({
      sent: 4,
      acknowledged: 4,
      deliveries: 4,
      lost: 1,
      duplicates: 2,
      outOfOrder: 1,
      undeliveredAtEnd: 3,
      pendingAtEnd: 0,
      conversations: { total: 6, withDuplicates: 1, withOutOfOrder: 1, withUndelivered: 1 },
    });
    // 2 a window in the 15 calm windows from 2 s, 150 in the storm; the first connects were in the warm-up.
    expect(r.connections).toMatchObject({
      attempts: 180,
      refused: 120,
      failed: 0,
      established: 10,
      disconnections: 10,
    });
    // Device-seconds from 2 s: 10 × 8.2 before the crash, 9 × 7.5 + 7.1 after; over 18 s.
    const deviceSeconds = 82 + 9 * 7.5 + 7.1;
    expect(r.connections.meanConnected).toBeCloseTo(deviceSeconds / 18, 3);
    expect(r.connections.peakConnected).toBe(10);
    // Set-up times cover the warm-up's connects too.
    expect([r.connections.setupLatency.count, r.connections.setupLatency.maxUs]).toEqual([10, 160_000]);
    // Read off the components by chatReport; the log alone has no CPU figure.
    expect(r.load.serverBusy).toBeNull();
    expect(r.load.serverOperations).toBe(18 * 30);
    expect(r.load.perSec).toBe(30);
    expect(r.load.perConnectedDevicePerSec).toBeCloseTo((18 * 30) / deviceSeconds, 5);
    expect(r.load.idleRequestsPerDevicePerSec).toBeCloseTo((18 * 10) / deviceSeconds, 5);
    expect(r.load.pollsPerDevicePerSec).toBeNull();
    expect(r.timeline.connectAttempts.slice(0, 14)).toEqual([10, 0, 2, 2, 2, 2, 2, 2, 2, 2, 50, 50, 50, 2]);
    expect(r.timeline.connectedMean[0]).toBe(5);
    expect(r.timeline.connectedMean[10]).toBe(2);
    expect(r.timeline.connectedMean[11]).toBe(0);
    expect(r.timeline.connectedMean[12]).toBeCloseTo(0.9 * 5 + 0.1 * 1, 3);
    expect(r.timeline.connectedPeak.slice(9, 14)).toEqual([10, 10, 0, 10, 10]);
    expect(r.timeline.serverOperationsPerSec[5]).toBe(30);
  });

  it('finds the reconnect storm against the pre-crash baseline, and says it outlasted the downtime', () => {
    const [outage] = chatLogReport(handLog(20), windowsOf(20), FAULTS, nodeName)!.outages;
    expect(outage).toEqual({
      server: 'chat-1',
      atUs: at(10.2),
      devicesDropped: 10,
      allReconnectedUs: at(12.9),
      reconnectUs: at(2.7),
      reconnected: 10,
      meanReconnectUs: at((9 * 2.3 + 2.7) / 10),
      serverBackUs: at(11.5),
      baselineAttemptsPerSec: 2,
      peakAttemptsPerSec: 50,
      stormStartUs: at(10),
      stormEndUs: at(13),
      stormUs: at(2.8),
      stormAttempts: 150,
      stormRefused: 120,
      afterServerBackUs: at(1.5),
      outlastedCause: true,
    });
    // Restarted after the storm: it did not outlast its cause.
    const later: FaultEvent[] = [FAULTS[0], { ...FAULTS[1], timeUs: at(14) }];
    const [slow] = chatLogReport(handLog(20), windowsOf(20), later, nodeName)!.outages;
    expect([slow.afterServerBackUs, slow.outlastedCause]).toEqual([0, false]);
    // Never restarted: the cause lasted to the end.
    const [down] = chatLogReport(handLog(20), windowsOf(20), FAULTS.slice(0, 1), nodeName)!.outages;
    expect([down.serverBackUs, down.afterServerBackUs, down.outlastedCause]).toEqual([null, null, false]);
  });

  it('is absent without chat clients, so other reports keep their bytes', async () => {
    // The chat log of a run without chat clients: no section, and nothing folded into the trace hash.
    const empty = new ChatLog(SECOND_US, 5, 0);
    expect(chatLogReport(empty, windowsOf(5), [], nodeName)).toBeUndefined();
    expect(empty.results()).toEqual({});
    const report = await scenarioTextReport(plainScenario('no-chat', { duration: '1s' }), 'no-chat.yaml');
    expect(JSON.stringify(report)).not.toContain('"chat"');
  });

  it('round-trips through report.json, and a timeline without one entry a window is refused', () => {
    const report = withChat(sampleReport({ variants: true }));
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(parsed.ok && parsed.report.variants![1].chat).toEqual(report.variants![1].chat);
    const damaged = JSON.parse(JSON.stringify(report));
    damaged.variants[1].chat.timeline.connectedMean.pop();
    const windows = report.metrics.timeline.length;
    const refused = parseReport(damaged);
    expect(refused.ok ? [] : refused.problems).toEqual([
      `variants[1].chat.timeline.connectedMean: expected ${windows} entries, one a window of metrics.timeline, got ${windows - 1}`,
    ]);
  });

  it('renders the section with the runs side by side, the outages, the theory and the charts', () => {
    const report = withChat(sampleReport({ variants: true }));
    const theory: ChatReport['theory'] = [
      {
        workload: 'phones',
        protocol: 'websocket',
        pollIntervalUs: null,
        pollTimeoutUs: null,
        heartbeatIntervalUs: 30 * SECOND_US,
        setupRoundTrips: 3,
        clientOneWayUs: 5000,
        serverOneWayUs: 500,
        rows: [
          {
            key: 'idle-requests',
            label: 'requests per device per second, idle',
            unit: 'perSec',
            formula: '1/heartbeatInterval = 1/30s',
            theory: 0.033333,
            simulated: 0.034,
            relativeDifference: 0.02,
          },
        ],
      },
    ];
    for (const run of report.variants!) run.chat!.theory = theory;
    // No presence pushed: no presence chart.
    expect(renderHtmlReport(report, renderCharts(report))).not.toContain('chart-chat-presence-updates');
    for (const run of report.variants!) {
      run.chat!.presence.updates = 40;
      run.chat!.timeline.presenceUpdatesPerSec[10] = 40;
    }
    const html = renderHtmlReport(report, renderCharts(report));
    const start = html.indexOf('<section id="chat">');
    expect(start).toBeGreaterThan(-1);
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('<h2>Chat</h2>');
    for (const variant of report.variants!) expect(section).toContain(variant.name);
    expect(section).toContain('<td>delivered within 100ms</td><td class="num">75.00%');
    expect(section).toContain('<td>lost</td><td class="num">0</td><td class="num"><strong class="bad">1</strong>');
    expect(section).toContain('<h3>Outages and reconnect storms</h3>');
    expect(section).toContain('<strong class="bad">yes, by 1.50s</strong>');
    expect(section).toContain('<h3>Theory: chat protocols</h3>');
    expect(section).toContain('1/heartbeatInterval = 1/30s');
    for (const id of ['connected-devices', 'connect-attempts', 'delivery-latency', 'server-load', 'presence-updates'])
      expect(html.split(`id="chart-chat-${id}"`), id).toHaveLength(2);
    expect(section).toContain('id="chart-chat-connect-attempts"');
  });

  it('dashes a delivery curve that runs along an earlier one for part of its course, and merges one that matches', () => {
    const report = withChat(sampleReport({ variants: true }));
    const [first, second, third] = report.variants!;
    const latency = (run: RunOutcome) => run.chat!.delivery.latency;
    // The second matches the first up to p90 and parts at p99; the third parts at p50.
    latency(second).p99Us *= 4;
    latency(second).p999Us *= 4;
    latency(third).p50Us *= 2;
    latency(third).p90Us *= 2;
    latency(third).p99Us *= 2;
    latency(third).p999Us *= 2;
    const dashed = (svg: string, color: string) =>
      new RegExp(`<path [^>]*stroke="${color}"[^>]*stroke-dasharray`).test(svg);
    const apart = chatDeliveryLatencyChart(report)!.svg;
    expect(dashed(apart, PALETTE[0])).toBe(false);
    expect(dashed(apart, PALETTE[1])).toBe(true);
    expect(dashed(apart, PALETTE[2])).toBe(false);
    latency(second).p99Us = latency(first).p99Us;
    latency(second).p999Us = latency(first).p999Us;
    const merged = chatDeliveryLatencyChart(report)!.svg;
    expect(merged).toContain(`${first.name} = ${second.name}`);
    expect(dashed(merged, PALETTE[1])).toBe(false);
  });

  it('puts the chat figures side by side in the comparison, rows of zeros left out', () => {
    const report = withChat(sampleReport({ variants: 3 }));
    const rows = chatComparisonRows(report.variants!);
    expect(rows.map((r) => r.key)).toEqual([
      'chat-delivery-p50',
      'chat-delivery-p99',
      'chat-within-target',
      'chat-server-operations',
      'chat-server-busy',
      'chat-idle-requests',
      'chat-lost',
      'chat-duplicates',
      'chat-out-of-order',
      'chat-all-reconnected',
      'chat-storm-attempts',
    ]);
    expect(rows.find((r) => r.key === 'chat-lost')!.values).toEqual([0, 1, 2]);
    expect(rows.find((r) => r.key === 'chat-all-reconnected')!.values).toEqual([2.7e6, 2.7e6, 2.7e6]);
    expect(rows.find((r) => r.key === 'chat-within-target')!.label).toBe('delivered within 100ms');
    expect(chatComparisonRows([{ ...report.variants![0], chat: undefined }, report.variants![1]])).toEqual([]);
  });

  it('sums each run up in a line for the terminal, and each crash in another', () => {
    const report = withChat(sampleReport({ variants: 2 }));
    const lines = chatLines(report, pc.createColors(false));
    const name = report.variants![1].name;
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      `${name}: chat (websocket): delivery p50 50.0ms, p99 300ms, 75.00% within 100ms; 1 lost, 2 duplicated, 1 out of order; 3.13 server operations/s per device, 1.04 idle`,
    );
    expect(lines[3]).toBe(
      `${name}: crash of chat-1: 10 devices dropped, all back after 2.70s (mean 2.34s), storm 2.80s (peak 50/s attempts), outlasted the downtime by 1.50s`,
    );
    // A variant named after its protocol (chat-protocols) is named once.
    report.variants![1].name = 'websocket';
    expect(chatLines(report, pc.createColors(false))[2]).toMatch(/^chat \(websocket\): delivery p50/);
  });
});
