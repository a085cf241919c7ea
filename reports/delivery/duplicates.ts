import type { StreamRecord } from '../../models/measure/delivery-log.js';
import type { DuplicateDeliveries } from '../report-types.js';

/**
 * Deliveries and effects beyond each message's first. A message delivered
 * twice and processed once is a duplicate delivery its consumer absorbed (an
 * idempotent consumer, or a redelivery after a failed attempt); one
 * processed twice had its effect repeated, which is what at-most-once and
 * effectively-once forbid. A copy the broker appended twice (a producer's
 * retry) is the same message, so its second delivery counts here too.
 */
export function duplicateDeliveries(stream: StreamRecord): DuplicateDeliveries {
  const result = { deliveredMoreThanOnce: 0, redeliveries: 0, processedMoreThanOnce: 0, extraEffects: 0 };
  const { deliveries, processings } = stream;
  for (let id = 0; id < deliveries.length; id++) {
    if (deliveries[id] > 1) {
      result.deliveredMoreThanOnce++;
      result.redeliveries += deliveries[id] - 1;
    }
    if (processings[id] > 1) {
      result.processedMoreThanOnce++;
      result.extraEffects += processings[id] - 1;
    }
  }
  return result;
}
