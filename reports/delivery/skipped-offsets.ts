import type { StreamRecord } from '../../models/measure/delivery-log.js';

/**
 * Per partition of a log, the offsets below the highest one delivered to the
 * stream that no consumer of it was ever given: a gap a consumer read past
 * (Jepsen's poll skip, judged on offsets rather than on each consumer's
 * successive polls). Offsets the group never reached count only below the
 * highest delivered one. Null for queues and pub-sub subscriptions, which
 * have no offsets.
 */
export function skippedOffsets(stream: StreamRecord): { total: number; byPartition: number[] } | null {
  if (stream.topic.kind !== 'log') return null;
  const byPartition = stream.deliveredOffsets.map((marks) => {
    let highest = marks.length - 1;
    while (highest >= 0 && marks[highest] === 0) highest--;
    let skipped = 0;
    for (let offset = 0; offset < highest; offset++) if (marks[offset] === 0) skipped++;
    return skipped;
  });
  return { total: byPartition.reduce((sum, n) => sum + n, 0), byPartition };
}
