import type { Report } from '../report-types.js';
import { runsOf, type Chart } from './common.js';
import { variantLineChart } from './variant-lines.js';

/** Chart ids of the chat section start with this, so the HTML report can place them there. */
export const CHAT_CHART_PREFIX = 'chat-';

export const CHAT_CONNECTED_CHART_ID = `${CHAT_CHART_PREFIX}connected-devices`;

/**
 * Devices connected to a chat server, the mean over each window, crashes
 * shaded: a crashed server's devices drop at once, and the climb back shows
 * how each reconnect policy (or protocol) brings them home. With variants,
 * one line per variant, those that would lie on each other sharing one.
 */
export function chatConnectedDevicesChart(report: Report): Chart | null {
  if (!runsOf(report).some((run) => run.chat !== undefined)) return null;
  return variantLineChart(report, {
    id: CHAT_CONNECTED_CHART_ID,
    title: 'Connected devices over time',
    subtitle: 'mean devices holding a connection in each window',
    axis: 'devices',
    axisOptions: { min: 0 },
    values: (run) => run.chat?.timeline.connectedMean,
    single: 'connected devices',
  });
}
