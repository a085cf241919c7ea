import type { DeliveryLog, StreamRecord, TopicRecord } from '../../models/measure/delivery-log.js';
import type { DeliveryReport, DeliveryStreamReport, DeliveryTopicReport } from '../report-types.js';
import { consumerLag, type Window } from './consumer-lag.js';
import { duplicateDeliveries } from './duplicates.js';
import { endToEndLatency } from './end-to-end-latency.js';
import { lostMessages, messageFates } from './message-fates.js';
import { skippedOffsets } from './skipped-offsets.js';

/**
 * The delivery section of a run's report: per topic what producers made and
 * the broker stored, and per stream what became of every message (message-
 * fates.ts), what was delivered or processed more than once (duplicates.ts),
 * order, skipped offsets (skipped-offsets.ts), end-to-end latency
 * (end-to-end-latency.ts) and the backlog over `windows` (consumer-lag.ts),
 * with the guarantees kept. Undefined when the run had no topic. Linear in
 * the messages, but for one sort per stream for the backlog's exact peak.
 */
export function deliveryReport(log: DeliveryLog, windows: readonly Window[]): DeliveryReport | undefined {
  if (log.topics.length === 0) return undefined;
  return { topics: log.topics.map((topic) => topicReport(topic, windows)) };
}

function topicReport(topic: TopicRecord, windows: readonly Window[]): DeliveryTopicReport {
  let acknowledged = 0;
  let failed = 0;
  let stored = 0;
  let storedCopies = 0;
  let duplicateAppends = 0;
  for (let id = 0; id < topic.messages; id++) {
    if (!Number.isNaN(topic.acknowledgedUs[id])) acknowledged++;
    else if (!Number.isNaN(topic.failedUs[id])) failed++;
    const copies = topic.storedCopies[id];
    if (copies > 0) stored++;
    if (copies > 1) duplicateAppends++;
    storedCopies += copies;
  }
  return {
    name: topic.name,
    kind: topic.kind,
    produced: topic.messages,
    acknowledged,
    unacknowledged: { failed, unanswered: topic.messages - acknowledged - failed },
    stored,
    storedCopies,
    duplicateAppends,
    streams: topic.streams.map((stream) => streamReport(stream, windows)),
  };
}

function streamReport(stream: StreamRecord, windows: readonly Window[]): DeliveryStreamReport {
  const { codes, counts } = messageFates(stream);
  const lost = lostMessages(counts);
  const duplicates = duplicateDeliveries(stream);
  let delivered = 0;
  for (const n of stream.deliveries) if (n > 0) delivered++;
  const atMostOnce = duplicates.extraEffects === 0;
  const atLeastOnce = lost.total === 0;
  return {
    subscription: stream.subscription,
    ordering: stream.ordering,
    delivered,
    processed: counts.processed,
    deadLettered: counts['dead-lettered'],
    expired: counts.expired,
    pendingAtEnd: counts.pending,
    lost,
    unacknowledgedUnprocessed: counts['unacknowledged-unprocessed'],
    duplicates,
    outOfOrder: stream.ordering === 'none' ? null : { messages: stream.outOfOrder, unit: stream.ordering },
    skippedOffsets: skippedOffsets(stream),
    endToEndLatency: endToEndLatency(stream),
    lag: consumerLag(stream, codes, windows),
    verdict: { atMostOnce, atLeastOnce, effectivelyOnce: atMostOnce && atLeastOnce },
  };
}
