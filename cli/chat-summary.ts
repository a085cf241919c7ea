import type pc from 'picocolors';
import { formatCount, formatDurationUs, formatNumber, formatPercent, formatRatePerSec } from '../reports/format.js';
import type { ChatReport, Report } from '../reports/report-types.js';
import { printable } from '../scenarios/harness/scenario-error.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Lines for the terminal per run with chat clients: its protocol, delivery
 * latency and the share within the 100 ms target, messages lost, duplicated
 * and out of order (red when not 0), the servers' load per connected device,
 * the idle cost and how busy the servers were, e.g. "chat (websocket):
 * delivery p50 42.0ms, p99 88.1ms, 99.20% within 100ms; 0 lost, 0
 * duplicated, 0 out of order; 3.10 server operations/s per device, 0.10
 * idle, servers 12.00% busy"; then one line per server crash: "crash of
 * chat-1: 400 devices dropped, all back after 3.41s (mean 1.20s), storm
 * 4.00s (peak 300/s attempts), outlasted the downtime by 1.00s". Runs are
 * named when there are several (the first line not, when the run is named
 * after its protocol).
 */
export function chatLines(report: Report, colors: Colors): string[] {
  const runs = report.variants ?? [{ ...report, name: report.variant }];
  const named = runs.length > 1;
  return runs.flatMap((run) => {
    const chat = run.chat;
    if (chat === undefined) return [];
    // A variant named after its protocol (chat-protocols') is not named twice.
    const variant = named && run.name !== protocols(chat) ? `${run.name}: ` : '';
    const who = printable(`${variant}chat (${protocols(chat)})`);
    const latency = chat.delivery.latency;
    const delivery =
      latency.count === 0
        ? 'no delivery'
        : `delivery p50 ${formatDurationUs(latency.p50Us)}, p99 ${formatDurationUs(latency.p99Us)}, ${formatPercent(chat.delivery.withinTarget)} within ${formatDurationUs(chat.delivery.targetUs)}`;
    const messages = [
      count(chat.messages.lost, 'lost', colors),
      count(chat.messages.duplicates, 'duplicated', colors),
      count(chat.messages.outOfOrder, 'out of order', colors),
    ].join(', ');
    const busy = chat.load.serverBusy === null ? '' : `, servers ${formatPercent(chat.load.serverBusy)} busy`;
    const load = `${formatNumber(chat.load.perConnectedDevicePerSec)} server operations/s per device, ${formatNumber(chat.load.idleRequestsPerDevicePerSec)} idle${busy}`;
    const lines = [`${who}: ${delivery}; ${messages}; ${load}`];
    for (const o of chat.outages) {
      const back =
        o.reconnectUs === null
          ? colors.red('not all back by the end')
          : `all back after ${formatDurationUs(o.reconnectUs)} (mean ${formatDurationUs(o.meanReconnectUs)})`;
      const storm =
        o.stormStartUs === null
          ? 'no storm'
          : `storm ${formatDurationUs(o.stormUs)} (peak ${formatRatePerSec(o.peakAttemptsPerSec)} attempts)`;
      const outlasted = o.outlastedCause
        ? `, ${colors.red(`outlasted the downtime by ${formatDurationUs(o.afterServerBackUs)}`)}`
        : '';
      lines.push(
        `${printable(`${named ? `${run.name}: ` : ''}crash of ${o.server}`)}: ${formatCount(o.devicesDropped)} devices dropped, ${back}, ${storm}${outlasted}`,
      );
    }
    return lines;
  });
}

function protocols(chat: ChatReport): string {
  return chat.workloads.map((w) => w.protocol).join(', ');
}

/** "0 lost", or the count in red when it is an anomaly. */
function count(n: number, what: string, colors: Colors): string {
  const text = `${formatCount(n)} ${what}`;
  return n === 0 ? text : colors.red(text);
}
