import type { DeliveryStreamReport, DeliveryTopicReport } from '../report-types.js';

/** A stream as people name it: "orders" (a queue), "events (group billing)", "alerts (subscription email)". */
export function streamLabel(topic: Pick<DeliveryTopicReport, 'name' | 'kind'>, stream: DeliveryStreamReport): string {
  if (topic.kind === 'log') return `${topic.name} (group ${stream.subscription})`;
  if (topic.kind === 'pubsub') return `${topic.name} (subscription ${stream.subscription})`;
  return stream.subscription === topic.name ? topic.name : `${topic.name} (${stream.subscription})`;
}

/** Which guarantee a stream kept, in words: effectively-once, at-least-once, at-most-once or neither. */
export function guaranteeKept(stream: DeliveryStreamReport): string {
  const { atMostOnce, atLeastOnce } = stream.verdict;
  if (atMostOnce && atLeastOnce) return 'effectively-once';
  if (atLeastOnce) return 'at-least-once';
  if (atMostOnce) return 'at-most-once';
  return 'neither at-least- nor at-most-once';
}
