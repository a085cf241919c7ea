import type { Report } from '../report-types.js';
import { hasVariants, overlayIntervals, overlaySubtitle, runsOf, timeChart, valueAxis, type Chart } from './common.js';
import { SHARED_LINE_NOTE, variantLines } from './variant-lines.js';

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
  const multi = hasVariants(report);
  return timeChart({
    id: CHAT_CONNECTED_CHART_ID,
    title: 'Connected devices over time',
    subtitle: `mean devices holding a connection in each window${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis('devices', 'y', { min: 0 })],
    panels: [
      {
        series: variantLines(report, (run) => run.chat?.timeline.connectedMean, 'connected devices'),
        intervals: overlayIntervals(report),
      },
    ],
  });
}
