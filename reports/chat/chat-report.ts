import { CHAT_DELIVERY_TARGET_US, type ChatCounter, type ChatLog } from '../../models/measure/chat-log.js';
import type { CompletedRun } from '../../scenarios/harness/run-scenario.js';
import type { ChatReport, ChatTimeline, FaultEvent, RunMetrics } from '../report-types.js';
import { chatOutages, type Window } from './chat-outages.js';
import { chatProtocolTheory } from './chat-protocol-theory.js';

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const perSec = (count: number, seconds: number) => (seconds > 0 ? round(count / seconds, 3) : null);
const seconds = (w: Window) => Math.max(w.endUs - w.startUs, 1) / 1e6;

/**
 * The chat section of a run's report (ChatReport): what the chat log saw,
 * with each workload's protocol theory beside it; undefined when the run had
 * no chat clients.
 */
export function chatReport(run: CompletedRun, metrics: RunMetrics): ChatReport | undefined {
  const { built, result } = run;
  const section = chatLogReport(built.chats, metrics.timeline, result.faults, (node) => built.sim.nodeName(node));
  if (section === undefined) return undefined;
  // Worker time over capacity, every chat server together.
  const servers = metrics.components.filter((c) => c.type === 'chat-server');
  const capacity = servers.reduce((sum, c) => sum + c.nodes * c.workers, 0);
  const busy = servers.reduce((sum, c) => sum + c.utilization * c.nodes * c.workers, 0);
  const serverBusy = capacity === 0 ? null : round(busy / capacity, 6);
  return { ...section, load: { ...section.load, serverBusy }, theory: chatProtocolTheory(built, section) };
}

/**
 * The chat section of a run's report, without its theory (chat-protocol-theory.ts
 * adds it): delivery latency and the share within the guide's 100 ms, the
 * messages sent, acknowledged, delivered, lost, duplicated and out of order,
 * connection churn, each server crash's outage and reconnect storm
 * (chat-outages.ts), presence and push traffic, and the servers' load per
 * connected device. Counts come from the log's totals (from the warm-up's
 * end); rates divide them by the measured span, per device by the connected
 * device-seconds over that span. Undefined when the run had no chat clients,
 * so other runs' reports keep their bytes. Linear in windows and devices.
 */
export function chatLogReport(
  log: ChatLog,
  windows: readonly Window[],
  faults: readonly FaultEvent[],
  nodeName: (node: number) => string,
): ChatReport | undefined {
  if (log.protocols.size === 0) return undefined;
  const endUs = windows.at(-1)?.endUs ?? 0;
  log.connected.advance(endUs);
  const fromUs = log.measureFromUs;
  const measuredSeconds = Math.max(endUs - fromUs, 0) / 1e6;
  // Device-seconds after the warm-up: each window's integral, the part of it after the warm-up (exact when the warm-up ends on a window's edge).
  let deviceSeconds = 0;
  let peakConnected = 0;
  windows.forEach((w, i) => {
    const after = Math.max(0, w.endUs - Math.max(w.startUs, fromUs)) / Math.max(w.endUs - w.startUs, 1);
    deviceSeconds += (log.connected.integral[i] * after) / 1e6;
    if (after > 0) peakConnected = Math.max(peakConnected, log.connected.peak[i]);
  });
  const meanConnected = measuredSeconds > 0 ? round(deviceSeconds / measuredSeconds, 3) : null;
  const perDevice = (count: number) => (deviceSeconds > 0 ? round(count / deviceSeconds, 6) : null);
  const t = log.totals;
  const latency = log.deliveryLatency.summary();
  return {
    measuredFromUs: fromUs,
    workloads: [...log.protocols].map(([workload, protocol]) => ({ workload, protocol })),
    devices: log.deviceCount,
    delivery: {
      latency,
      targetUs: CHAT_DELIVERY_TARGET_US,
      withinTarget: latency.count === 0 ? null : round(log.deliveriesWithinTarget / latency.count, 6),
      cdf: log.deliveryLatency.cdf().map(([us, f]) => [us, round(f, 6)]),
    },
    messages: {
      sent: t.messagesSent,
      acknowledged: t.messagesAcknowledged,
      deliveries: t.deliveries,
      lost: log.lost,
      duplicates: t.duplicates,
      outOfOrder: t.outOfOrder,
      undeliveredAtEnd: log.undeliveredAtEnd,
      pendingAtEnd: log.pendingAtEnd,
      conversations: {
        total: log.conversationCount,
        withDuplicates: log.conversationsWith('duplicates'),
        withOutOfOrder: log.conversationsWith('outOfOrder'),
        withUndelivered: log.conversationsWith('undelivered'),
      },
    },
    connections: {
      attempts: t.connectAttempts,
      refused: t.connectsRefused,
      failed: t.connectsFailed,
      established: t.connections,
      disconnections: t.disconnections,
      meanConnected,
      peakConnected,
      setupLatency: log.connectSetup.summary(),
    },
    outages: chatOutages(log, windows, faults, nodeName),
    presence: {
      updates: t.presenceUpdates,
      perSec: perSec(t.presenceUpdates, measuredSeconds),
      falseOffline: t.falseOffline,
    },
    pushNotifications: t.pushNotifications,
    load: {
      serverOperations: t.serverOperations,
      serverBusy: null,
      perSec: perSec(t.serverOperations, measuredSeconds),
      perConnectedDevicePerSec: perDevice(t.serverOperations),
      polls: t.polls,
      emptyPolls: t.emptyPolls,
      heartbeats: t.heartbeats,
      idleRequestsPerDevicePerSec: perDevice(t.emptyPolls + t.heartbeats),
      pollsPerDevicePerSec: t.polls === 0 ? null : perDevice(t.polls),
      heartbeatsPerDevicePerSec: t.heartbeats === 0 ? null : perDevice(t.heartbeats),
    },
    theory: [],
    timeline: chatTimeline(log, windows),
  };
}

function chatTimeline(log: ChatLog, windows: readonly Window[]): ChatTimeline {
  const counts = (counter: ChatCounter) => windows.map((_, i) => log.perWindow[counter][i]);
  const rates = (counter: ChatCounter) => windows.map((w, i) => round(log.perWindow[counter][i] / seconds(w), 3));
  return {
    connectAttempts: counts('connectAttempts'),
    connectAttemptsPerSec: rates('connectAttempts'),
    connectsRefused: counts('connectsRefused'),
    connectsFailed: counts('connectsFailed'),
    disconnections: counts('disconnections'),
    connectedMean: windows.map((w, i) => round(log.connected.integral[i] / Math.max(w.endUs - w.startUs, 1), 3)),
    connectedPeak: windows.map((_, i) => log.connected.peak[i]),
    messagesSent: counts('messagesSent'),
    deliveries: counts('deliveries'),
    serverOperationsPerSec: rates('serverOperations'),
    presenceUpdatesPerSec: rates('presenceUpdates'),
  };
}
