import type { DeliveryStreamReport, DeliveryTopicReport } from '../report-types.js';

/** A stream as people name it: "orders" (a queue), "events (group billing)", "alerts (subscription email)". */
export function streamLabel(topic: Pick<DeliveryTopicReport, 'name' | 'kind'>, stream: DeliveryStreamReport): string {
  if (topic.kind === 'log') return `${topic.name} (group ${stream.subscription})`;
  if (topic.kind === 'pubsub') return `${topic.name} (subscription ${stream.subscription})`;
  return stream.subscription === topic.name ? topic.name : `${topic.name} (${stream.subscription})`;
}

/** Which guarantee a stream kept: effectively-once, at-least-once, at-most-once, or neither (it lost messages and repeated effects). */
export function guaranteeKept(
  stream: DeliveryStreamReport,
): 'effectively-once' | 'at-least-once' | 'at-most-once' | 'neither' {
  const { atMostOnce, atLeastOnce } = stream.verdict;
  if (atMostOnce && atLeastOnce) return 'effectively-once';
  if (atLeastOnce) return 'at-least-once';
  if (atMostOnce) return 'at-most-once';
  return 'neither';
}
