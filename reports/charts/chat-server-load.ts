import type { Report } from '../report-types.js';
import { runsOf, type Chart } from './common.js';
import { CHAT_CHART_PREFIX } from './chat-connected-devices.js';
import { variantLineChart } from './variant-lines.js';

export const CHAT_SERVER_LOAD_CHART_ID = `${CHAT_CHART_PREFIX}server-load`;

/**
 * Requests and frames the chat servers handled per second in each window
 * (handshakes, sends, polls, heartbeats, pushes, acks), crashes shaded: the
 * protocols' standing cost side by side, and a reconnect storm's handshakes
 * on top of it. With variants, one line per variant.
 */
export function chatServerLoadChart(report: Report): Chart | null {
  if (!runsOf(report).some((run) => run.chat !== undefined)) return null;
  return variantLineChart(report, {
    id: CHAT_SERVER_LOAD_CHART_ID,
    title: 'Chat server operations over time',
    subtitle: 'requests and frames handled per second, all servers',
    axis: 'operations/s',
    axisOptions: { min: 0 },
    values: (run) => run.chat?.timeline.serverOperationsPerSec,
    single: 'server operations',
  });
}
