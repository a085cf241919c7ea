import type { Report } from '../report-types.js';
import { hasVariants, overlayIntervals, overlaySubtitle, runsOf, timeChart, valueAxis, type Chart } from './common.js';
import { CHAT_CHART_PREFIX } from './chat-connected-devices.js';
import { SHARED_LINE_NOTE, variantLines } from './variant-lines.js';

export const CHAT_CONNECT_ATTEMPTS_CHART_ID = `${CHAT_CHART_PREFIX}connect-attempts`;

/**
 * Connection attempts per second in each window (first connects and
 * reconnects, refused ones included), crashes shaded: the reconnect storm
 * after a crash, its height and how long it lasts against the crashed
 * server's downtime. With variants, one line per variant.
 */
export function chatConnectAttemptsChart(report: Report): Chart | null {
  if (!runsOf(report).some((run) => run.chat !== undefined)) return null;
  const multi = hasVariants(report);
  return timeChart({
    id: CHAT_CONNECT_ATTEMPTS_CHART_ID,
    title: 'Connect attempts over time',
    subtitle: `attempts per second in each window, refused included${multi ? `; ${SHARED_LINE_NOTE}` : ''}${overlaySubtitle(report)}`,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis('attempts/s', 'y', { min: 0 })],
    panels: [
      {
        series: variantLines(report, (run) => run.chat?.timeline.connectAttemptsPerSec, 'connect attempts'),
        intervals: overlayIntervals(report),
      },
    ],
  });
}
