import type { Report } from '../report-types.js';
import { hasVariants, overlayIntervals, overlaySubtitle, runsOf, timeChart, valueAxis, type Chart } from './common.js';
import { CHAT_CHART_PREFIX } from './chat-connected-devices.js';
import { SHARED_LINE_NOTE, variantLines } from './variant-lines.js';

export const CHAT_SERVER_LOAD_CHART_ID = `${CHAT_CHART_PREFIX}server-load`;

/**
 * Requests and frames the chat servers handled per second in each window
 * (handshakes, sends, polls, heartbeats, pushes, acks), crashes shaded: the
 * protocols' standing cost side by side, and a reconnect storm's handshakes
 * on top of it. With variants, one line per variant.
 */
export function chatServerLoadChart(report: Report): Chart | null {
  if (!runsOf(report).some((run) => run.chat !== undefined)) return null;
  const multi = hasVariants(report);
  return timeChart({
    id: CHAT_SERVER_LOAD_CHART_ID,
    title: 'Chat server operations over time',
    subtitle: `requests and frames handled per second, all servers${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis('operations/s', 'y', { min: 0 })],
    panels: [
      {
        series: variantLines(report, (run) => run.chat?.timeline.serverOperationsPerSec, 'server operations'),
        intervals: overlayIntervals(report),
      },
    ],
  });
}
