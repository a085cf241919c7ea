import { formatDurationUs } from '../format.js';
import type { ChatReport, Comparison, VariantRun } from '../report-types.js';

type Row = Comparison['rows'][number];

/**
 * The chat figures side by side, when every run has a chat section: delivery
 * latency and the share within the target, the servers' load and idle cost,
 * and, when some run has any, messages lost, duplicated or out of order,
 * false offline; when every run had a crash, the time until every device it
 * dropped was back (the longest outage, when every one ended) and the
 * connect attempts of the storms.
 */
export function chatComparisonRows(runs: readonly VariantRun[]): Comparison['rows'] {
  if (runs.length === 0 || !runs.every((r) => r.chat !== undefined)) return [];
  const sections = runs.map((r) => r.chat!);
  const row = (
    key: string,
    label: string,
    unit: Row['unit'],
    higherIsBetter: boolean,
    value: (c: ChatReport) => number | null,
  ): Row => ({ key, label, unit, higherIsBetter, values: sections.map((c) => value(c) ?? Number.NaN) });
  const some = (pick: (c: ChatReport) => number) => sections.some((c) => pick(c) > 0);
  const rows: Comparison['rows'] = [
    row('chat-delivery-p50', 'delivery latency p50', 'us', false, (c) =>
      c.delivery.latency.count === 0 ? null : c.delivery.latency.p50Us,
    ),
    row('chat-delivery-p99', 'delivery latency p99', 'us', false, (c) =>
      c.delivery.latency.count === 0 ? null : c.delivery.latency.p99Us,
    ),
    row(
      'chat-within-target',
      `delivered within ${formatDurationUs(sections[0].delivery.targetUs)}`,
      'fraction',
      true,
      (c) => c.delivery.withinTarget,
    ),
    row('chat-server-operations', 'chat server operations', 'perSec', false, (c) => c.load.perSec),
    row('chat-server-busy', 'chat servers busy', 'fraction', false, (c) => c.load.serverBusy),
    row('chat-idle-requests', 'idle requests per device', 'perSec', false, (c) => c.load.idleRequestsPerDevicePerSec),
  ];
  if (some((c) => c.messages.lost))
    rows.push(row('chat-lost', 'chat messages lost', 'count', false, (c) => c.messages.lost));
  if (some((c) => c.messages.duplicates))
    rows.push(row('chat-duplicates', 'chat messages duplicated', 'count', false, (c) => c.messages.duplicates));
  if (some((c) => c.messages.outOfOrder))
    rows.push(row('chat-out-of-order', 'chat messages out of order', 'count', false, (c) => c.messages.outOfOrder));
  if (some((c) => c.presence.falseOffline))
    rows.push(row('chat-false-offline', 'false offline', 'count', false, (c) => c.presence.falseOffline));
  const longestReconnect = (c: ChatReport) => {
    if (c.outages.length === 0 || c.outages.some((o) => o.reconnectUs === null)) return null;
    return c.outages.reduce((longest, o) => Math.max(longest, o.reconnectUs!), 0);
  };
  if (sections.every((c) => longestReconnect(c) !== null))
    rows.push(row('chat-all-reconnected', 'time until every device reconnected', 'us', false, longestReconnect));
  if (sections.every((c) => c.outages.length > 0))
    rows.push(
      row('chat-storm-attempts', 'connect attempts in reconnect storms', 'count', false, (c) =>
        c.outages.reduce((sum, o) => sum + o.stormAttempts, 0),
      ),
    );
  return rows;
}
