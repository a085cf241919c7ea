import { z } from 'zod';
import { durationUs, nonNegativeInt, positiveDurationUs, positiveInt } from '../kit/units.js';

/**
 * The knobs of one queue, as an SQS or RabbitMQ user sets them: the `queue`
 * component's own, and each subscription's of a `pubsub` topic. Durations
 * come out in microseconds and are measured on the broker's clock.
 */
export const queueKnobs = {
  durable: z
    .boolean()
    .default(true)
    .describe(
      'Messages are written to disk and survive a crash of the broker (receipts do not: after a restart every unacknowledged message is visible again). false: a crash loses every message it held.',
    ),
  visibilityTimeout: positiveDurationUs
    .default(30_000_000)
    .describe(
      'A received message stays invisible this long (default 30s, as SQS) on the broker clock; not deleted by then, it is delivered again.',
    ),
  maxReceiveCount: positiveInt
    .optional()
    .describe(
      'A message received this many times whose visibility times out once more goes to the dead-letter queue instead (SQS redrive policy). No dead-letter queue when absent: it is redelivered forever.',
    ),
  deadLetterQueue: z
    .string()
    .optional()
    .describe(
      "A queue component that dead-lettered messages are sent to (SQS redrive policy target), as new messages of its own with the same key, size and priority, so consumers can read them there. Without it they stay in this queue's own dead-letter list, counted.",
    ),
  delay: durationUs
    .default(0)
    .describe(
      'Every message stays invisible this long after it is stored (a delay queue), unless its producer asks a delay of its own, which replaces it (as SQS message timers do).',
    ),
  retention: positiveDurationUs
    .default(345_600_000_000)
    .describe('A message still held this long after it was stored is deleted, as expired (default 4d, as SQS).'),
  maxDepth: positiveInt
    .optional()
    .describe(
      'The most messages held at once (visible, delayed and in flight); producers meet `whenFull` beyond. Unbounded when absent.',
    ),
  whenFull: z
    .enum(['refuse', 'block'])
    .default('refuse')
    .describe(
      'At maxDepth: refuse the message (the producer gets the error `full`), or block (hold the acknowledgement until there is room, so a producer with a bounded number in flight waits).',
    ),
  maxBlocked: nonNegativeInt
    .default(1000)
    .describe('With whenFull block: produces held at once; more are refused as full.'),
  fifo: z
    .boolean()
    .default(false)
    .describe(
      'A FIFO queue: messages of one key (SQS message group) are delivered in the order stored, one at a time (the next after the previous is deleted or dead-lettered). Priorities are ignored.',
    ),
};

export const queueSettingsSchema = z.strictObject(queueKnobs);

/** One queue's settings, durations in microseconds. */
export type QueueSettings = z.output<typeof queueSettingsSchema>;
