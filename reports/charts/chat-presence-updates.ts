import type { Report } from '../report-types.js';
import { runsOf, type Chart } from './common.js';
import { CHAT_CHART_PREFIX } from './chat-connected-devices.js';
import { variantLineChart } from './variant-lines.js';

export const CHAT_PRESENCE_CHART_ID = `${CHAT_CHART_PREFIX}presence-updates`;

/**
 * Presence updates the directory pushed to contacts' devices per second in
 * each window, crashes shaded: each user going on or offline tells every
 * contact, so big groups multiply it (group-chat), and a crash's dropped
 * devices and their reconnects set off a presence storm on top of the
 * connect storm. Drawn only when some run pushed presence. With variants,
 * one line per variant, those that would lie on each other sharing one.
 */
export function chatPresenceUpdatesChart(report: Report): Chart | null {
  const pushed = (run: ReturnType<typeof runsOf>[number]) => (run.chat?.presence.updates ?? 0) > 0;
  if (!runsOf(report).some(pushed)) return null;
  return variantLineChart(report, {
    id: CHAT_PRESENCE_CHART_ID,
    title: 'Presence updates over time',
    subtitle: 'online and offline changes pushed to contacts’ devices per second',
    axis: 'updates/s',
    axisOptions: { min: 0 },
    values: (run) => run.chat?.timeline.presenceUpdatesPerSec,
    single: 'presence updates',
  });
}
