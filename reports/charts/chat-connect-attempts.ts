import type { Report } from '../report-types.js';
import { runsOf, type Chart } from './common.js';
import { CHAT_CHART_PREFIX } from './chat-connected-devices.js';
import { variantLineChart } from './variant-lines.js';

export const CHAT_CONNECT_ATTEMPTS_CHART_ID = `${CHAT_CHART_PREFIX}connect-attempts`;

/**
 * Connection attempts per second in each window (first connects and
 * reconnects, refused ones included), crashes shaded: the reconnect storm
 * after a crash, its height and how long it lasts against the crashed
 * server's downtime. With variants, one line per variant.
 */
export function chatConnectAttemptsChart(report: Report): Chart | null {
  if (!runsOf(report).some((run) => run.chat !== undefined)) return null;
  return variantLineChart(report, {
    id: CHAT_CONNECT_ATTEMPTS_CHART_ID,
    title: 'Connect attempts over time',
    subtitle: 'attempts per second in each window, refused included',
    axis: 'attempts/s',
    axisOptions: { min: 0 },
    values: (run) => run.chat?.timeline.connectAttemptsPerSec,
    single: 'connect attempts',
  });
}
