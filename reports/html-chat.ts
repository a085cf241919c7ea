import { CHAT_CONNECT_ATTEMPTS_CHART_ID } from './charts/chat-connect-attempts.js';
import { CHAT_CONNECTED_CHART_ID } from './charts/chat-connected-devices.js';
import { CHAT_DELIVERY_LATENCY_CHART_ID } from './charts/chat-delivery-latency.js';
import { CHAT_PRESENCE_CHART_ID } from './charts/chat-presence-updates.js';
import { CHAT_SERVER_LOAD_CHART_ID } from './charts/chat-server-load.js';
import type { Chart } from './charts/index.js';
import {
  formatCount,
  formatDurationUs,
  formatNumber,
  formatPercent,
  formatRatePerSec,
  formatTimestampUs,
  MISSING,
} from './format.js';
import {
  badCount,
  detail,
  escapeHtml,
  figure,
  type NamedRun,
  range,
  runsWith,
  section,
  table,
} from './html-elements.js';
import type { ChatReport, ChatTheoryRow, Report } from './report-types.js';

/**
 * The Chat section: the runs side by side (protocols, reconnect policies) —
 * delivery latency against the guide's 100 ms, messages lost, duplicated and
 * out of order, connection churn, presence and push traffic, the servers'
 * load and idle cost — then each server crash's outage and reconnect storm,
 * the protocols' closed-form figures beside the simulated ones, and the
 * charts.
 */
export function chatSection(report: Report, charts: Chart[]): string {
  const runs = runsWith(report, (r) => r.chat !== undefined);
  if (runs.length === 0) return '';
  const sections = runs.map((r) => r.chat!);
  const parts = [
    `<p>Counts from ${escapeHtml(formatTimestampUs(sections[0].measuredFromUs))} (the end of the warm-up) to the end of the run; the charts show every window. <strong>Delivery latency</strong>: from a send to the message's hand-over, in conversation order, at each recipient device (the sender's other devices too; one held behind a gap counts when the gap fills), for messages sent after the warm-up. <strong>Lost</strong>: acknowledged to the sender, then gone from the service. <strong>Duplicated</strong>: arrivals of a message a device already had. <strong>Out of order</strong>: arrivals ahead of an earlier message of the same conversation the device still lacked. <strong>Undelivered at the end</strong>: stored messages a device connected at the end still lacked. <strong>False offline</strong>: a user declared offline while one of its devices was connected. <strong>Idle requests</strong>: empty polls and heartbeats per connected device-second, what a device costs the servers when nothing is said.</p>`,
    table(
      ['', ...runs.map((r) => r.name)],
      chatRows(
        sections,
        runs.map((r) => r.name),
      ),
      range(1, runs.length + 1),
      { columnPerVariant: true },
    ),
  ];
  const chart = (id: string) => charts.find((c) => c.id === id);
  for (const id of [CHAT_DELIVERY_LATENCY_CHART_ID, CHAT_SERVER_LOAD_CHART_ID]) {
    const found = chart(id);
    if (found !== undefined) parts.push(figure(found));
  }
  if (runs.some((r) => r.chat!.outages.length > 0)) parts.push(outagesTable(runs));
  for (const id of [CHAT_CONNECTED_CHART_ID, CHAT_CONNECT_ATTEMPTS_CHART_ID, CHAT_PRESENCE_CHART_ID]) {
    const found = chart(id);
    if (found !== undefined) parts.push(figure(found));
  }
  if (runs.some((r) => r.chat!.theory.length > 0)) parts.push(theoryTable(runs));
  return section('chat', 'Chat', parts.join('\n'));
}

function chatRows(cells: ChatReport[], names: string[]): string[][] {
  const rows: string[][] = [];
  const row = (label: string, cell: (c: ChatReport) => string, show = true) => {
    if (show) rows.push([escapeHtml(label), ...cells.map(cell)]);
  };
  const any = (pick: (c: ChatReport) => boolean) => cells.some(pick);
  const protocols = cells.map((c) =>
    c.workloads.length === 1
      ? c.workloads[0].protocol
      : c.workloads.map((w) => `${w.workload}: ${w.protocol}`).join(', '),
  );
  // Variants named after their protocols (chat-protocols) say it in the header already.
  if (protocols.some((p, i) => p !== names[i])) rows.push([escapeHtml('protocol'), ...protocols.map(escapeHtml)]);
  row('devices', (c) => escapeHtml(formatCount(c.devices)));
  row('delivery latency p50', (c) =>
    c.delivery.latency.count === 0
      ? MISSING
      : `${escapeHtml(formatDurationUs(c.delivery.latency.p50Us))}${detail(`mean ${formatDurationUs(c.delivery.latency.meanUs)}`)}`,
  );
  row('delivery latency p99', (c) =>
    c.delivery.latency.count === 0
      ? MISSING
      : `${escapeHtml(formatDurationUs(c.delivery.latency.p99Us))}${detail(`p90 ${formatDurationUs(c.delivery.latency.p90Us)}; max ${formatDurationUs(c.delivery.latency.maxUs)}`)}`,
  );
  row(
    `delivered within ${formatDurationUs(cells[0].delivery.targetUs)}`,
    (c) =>
      `${escapeHtml(formatPercent(c.delivery.withinTarget))}${detail(`of ${formatCount(c.delivery.latency.count)} timed deliveries`)}`,
  );
  row(
    'messages sent',
    (c) =>
      `${escapeHtml(formatCount(c.messages.sent))}${detail(`${formatCount(c.messages.acknowledged)} acknowledged; ${formatCount(c.messages.deliveries)} deliveries`)}`,
  );
  row('lost', (c) => badCount(c.messages.lost));
  const inConversations = (n: number, c: ChatReport) =>
    n === 0 ? '' : detail(`in ${formatCount(n)} of ${formatCount(c.messages.conversations.total)} conversations`);
  row(
    'duplicated',
    (c) => badCount(c.messages.duplicates) + inConversations(c.messages.conversations.withDuplicates, c),
  );
  row(
    'out of order',
    (c) => badCount(c.messages.outOfOrder) + inConversations(c.messages.conversations.withOutOfOrder, c),
  );
  row(
    'undelivered at the end',
    (c) => badCount(c.messages.undeliveredAtEnd) + inConversations(c.messages.conversations.withUndelivered, c),
  );
  row(
    'unacknowledged sends at the end',
    (c) => escapeHtml(formatCount(c.messages.pendingAtEnd)),
    any((c) => c.messages.pendingAtEnd > 0),
  );
  row(
    'connect attempts',
    (c) =>
      `${escapeHtml(formatCount(c.connections.attempts))}${detail(`${formatCount(c.connections.refused)} refused, ${formatCount(c.connections.failed)} failed; ${formatCount(c.connections.established)} connected, ${formatCount(c.connections.disconnections)} dropped or closed`)}`,
  );
  row('connection set-up', (c) =>
    c.connections.setupLatency.count === 0
      ? MISSING
      : `${escapeHtml(formatDurationUs(c.connections.setupLatency.meanUs))}${detail(`mean of ${formatCount(c.connections.setupLatency.count)}; p99 ${formatDurationUs(c.connections.setupLatency.p99Us)}`)}`,
  );
  row(
    'connected devices',
    (c) =>
      `${escapeHtml(formatNumber(c.connections.meanConnected))}${detail(`mean; at most ${formatCount(c.connections.peakConnected)}`)}`,
  );
  row(
    'presence updates',
    (c) => `${escapeHtml(formatRatePerSec(c.presence.perSec))}${detail(`${formatCount(c.presence.updates)} in all`)}`,
  );
  row(
    'false offline',
    (c) => badCount(c.presence.falseOffline),
    any((c) => c.presence.updates > 0 || c.presence.falseOffline > 0),
  );
  row(
    'push notifications',
    (c) => escapeHtml(formatCount(c.pushNotifications)),
    any((c) => c.pushNotifications > 0),
  );
  row(
    'server operations',
    (c) =>
      `${escapeHtml(formatRatePerSec(c.load.perSec))}${detail(`${formatNumber(c.load.perConnectedDevicePerSec)} per connected device per second`)}`,
  );
  row(
    'polls',
    (c) =>
      c.load.polls === 0
        ? MISSING
        : `${escapeHtml(formatCount(c.load.polls))}${detail(`${formatPercent(c.load.emptyPolls / c.load.polls)} empty; ${formatNumber(c.load.pollsPerDevicePerSec)} per device per second`)}`,
    any((c) => c.load.polls > 0),
  );
  row(
    'heartbeats',
    (c) =>
      c.load.heartbeats === 0
        ? MISSING
        : `${escapeHtml(formatCount(c.load.heartbeats))}${detail(`${formatNumber(c.load.heartbeatsPerDevicePerSec)} per device per second`)}`,
    any((c) => c.load.heartbeats > 0),
  );
  row(
    'chat servers busy',
    (c) => escapeHtml(formatPercent(c.load.serverBusy)),
    any((c) => c.load.serverBusy !== null),
  );
  row('idle requests per device per second', (c) => escapeHtml(formatNumber(c.load.idleRequestsPerDevicePerSec)));
  return rows;
}

/** One row per run and server crash: the devices it dropped, the reconnect storm, and whether it outlasted the downtime. */
function outagesTable(runs: NamedRun[]): string {
  const named = runs.length > 1;
  const rows: string[][] = [];
  for (const run of runs)
    for (const o of run.chat!.outages) {
      const storm =
        o.stormStartUs === null
          ? 'none'
          : `${formatTimestampUs(o.stormStartUs)}–${formatTimestampUs(o.stormEndUs!)} (${formatDurationUs(o.stormUs)} from the crash)`;
      const outlasted =
        o.serverBackUs === null
          ? 'no: the server stayed down'
          : o.outlastedCause
            ? `yes, by ${formatDurationUs(o.afterServerBackUs)}`
            : 'no';
      rows.push([
        ...(named ? [escapeHtml(run.name)] : []),
        `${escapeHtml(o.server)}${detail(`crashed at ${formatTimestampUs(o.atUs)}${o.serverBackUs === null ? '' : `, back at ${formatTimestampUs(o.serverBackUs)}`}`)}`,
        escapeHtml(formatCount(o.devicesDropped)),
        `${o.reconnectUs === null ? '<strong class="bad">not by the end</strong>' : escapeHtml(formatDurationUs(o.reconnectUs))}${detail(`mean ${formatDurationUs(o.meanReconnectUs)} over ${formatCount(o.reconnected)} back`)}`,
        `${escapeHtml(storm)}${detail(`${formatCount(o.stormAttempts)} attempts, ${formatCount(o.stormRefused)} refused`)}`,
        `${escapeHtml(formatRatePerSec(o.peakAttemptsPerSec))}${detail(`baseline ${o.baselineAttemptsPerSec === null ? 'not measured (0 assumed)' : formatRatePerSec(o.baselineAttemptsPerSec)}`)}`,
        o.outlastedCause ? `<strong class="bad">${escapeHtml(outlasted)}</strong>` : escapeHtml(outlasted),
      ]);
    }
  const first = named ? 2 : 1;
  return `<h3>Outages and reconnect storms</h3>
<p class="note">Per server crash that dropped devices: how long until the last of them was connected again, and the storm of connect attempts it set off. A window is calm when its attempts are within Poisson noise of the baseline (the mean before the crash, after the warm-up): at most b + 3√b + 1 for b baseline attempts in the window. The storm runs from the first window after the crash that is not calm to the end of the last one, before the next crash. It outlasted its cause when it was still going after the crashed server was back (to a window).</p>
${table(
  [
    ...(named ? ['variant'] : []),
    'server',
    'devices dropped',
    'all back after',
    'storm',
    'peak attempts',
    'outlasted the downtime',
  ],
  rows,
  range(first, first + 2),
)}`;
}

/** Each run's protocol figures in closed form beside the simulated ones. */
function theoryTable(runs: NamedRun[]): string {
  const named = runs.length > 1;
  // Variants named after their protocols (chat-protocols) need no protocol column.
  const protocols = !named || runs.some((r) => r.chat!.theory.some((t) => t.protocol !== r.name));
  const rows: string[][] = [];
  for (const run of runs)
    for (const t of run.chat!.theory)
      for (const r of t.rows)
        rows.push([
          ...(named ? [escapeHtml(run.name)] : []),
          ...(protocols ? [escapeHtml(t.protocol)] : []),
          escapeHtml(r.label),
          escapeHtml(r.formula),
          escapeHtml(value(r, r.theory)),
          escapeHtml(value(r, r.simulated)),
          escapeHtml(r.relativeDifference === null ? MISSING : signedPercent(r.relativeDifference)),
        ]);
  const first = (named ? 1 : 0) + (protocols ? 1 : 0) + 2;
  return `<h3>Theory: chat protocols</h3>
<p class="note">Idle requests per connected device per second: short polling 1/pollInterval, long polling 1/pollTimeout (a poll nothing answers), WebSockets and SSE 1/heartbeatInterval. Delivery delay with nothing queued: a push protocol crosses sender → server → store → server → device (two client and two server one-way trips, from the topology's round trips, plus the servers' and store's costs); short polling adds half a poll interval waiting for the next poll; long polling is a push while a poll is held. Connection set-up: the directory lookup, the protocol's round trips to the server and the handshake. Steady connections at light load: no theory for runs with faults or devices that go offline. Simulated: over the measured span (set-up: every connect).</p>
${table([...(named ? ['variant'] : []), ...(protocols ? ['protocol'] : []), 'figure', 'formula', 'theory', 'simulated', 'difference'], rows, range(first, first + 3))}`;
}

/** "+1.4%", "-0.5%", and "0.0%" for what rounds to nothing either way. */
function signedPercent(fraction: number): string {
  const text = (fraction * 100).toFixed(1);
  if (text === '0.0' || text === '-0.0') return '0.0%';
  return `${fraction > 0 ? '+' : ''}${text}%`;
}

function value(row: ChatTheoryRow, v: number | null): string {
  if (v === null) return MISSING;
  return row.unit === 'us' ? formatDurationUs(v) : `${formatNumber(v)}/s`;
}
