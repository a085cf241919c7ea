import type { StreamRecord } from '../../models/measure/delivery-log.js';
import type { LostMessages } from '../report-types.js';

/**
 * What became of each produced message for one stream, the first that
 * applies: its effect was applied (processed); it went to the dead-letter
 * queue; the broker's retention removed it (expired); the broker would still
 * deliver it at the end (pending); and otherwise, when it was acknowledged,
 * it is lost, by the first cause that applies: the broker never appended it,
 * the broker removed it (truncated, dropped), a consumer got it and never
 * applied it, or it was held and passed over without a delivery (skipped).
 * A message never acknowledged and never processed is no loss: the producer
 * was never told it was kept.
 */
export const FATES = [
  'processed',
  'dead-lettered',
  'expired',
  'pending',
  'never-stored',
  'removed-by-broker',
  'delivered-not-processed',
  'skipped',
  'unacknowledged-unprocessed',
] as const;
export type Fate = (typeof FATES)[number];

const FATE_CODE = {
  processed: 0,
  'dead-lettered': 1,
  expired: 2,
  pending: 3,
  'never-stored': 4,
  'removed-by-broker': 5,
  'delivered-not-processed': 6,
  skipped: 7,
  'unacknowledged-unprocessed': 8,
} as const satisfies Record<Fate, number>;

export interface MessageFates {
  /** Each message's fate, as its index in FATES, by id. */
  codes: Uint8Array;
  counts: Record<Fate, number>;
}

/** Fates of every message of `stream`'s topic; the stream's columns may be shorter than the topic's (ids it never saw). */
export function messageFates(stream: StreamRecord): MessageFates {
  const topic = stream.topic;
  const n = topic.messages;
  const pending = new Uint8Array(n);
  for (const id of stream.pendingAtEnd?.() ?? []) {
    if (!(Number.isInteger(id) && id >= 0 && id < n))
      throw new RangeError(
        `${topic.name}/${stream.subscription}: pendingAtEnd() gave message ${id}, but the topic's ids are 0..${n - 1}`,
      );
    pending[id] = 1;
  }
  const codes = new Uint8Array(n);
  const counts = Object.fromEntries(FATES.map((f) => [f, 0])) as Record<Fate, number>;
  const seen = stream.processings.length;
  for (let id = 0; id < n; id++) {
    const fate = fateOf(stream, id, id < seen, pending[id] === 1);
    codes[id] = FATE_CODE[fate];
    counts[fate]++;
  }
  return { codes, counts };
}

function fateOf(stream: StreamRecord, id: number, seen: boolean, pending: boolean): Fate {
  const topic = stream.topic;
  if (seen && stream.processings[id] > 0) return 'processed';
  if (seen && !Number.isNaN(stream.deadLetteredUs[id])) return 'dead-lettered';
  const reason = stream.removalReason(id);
  if (reason === 'expired') return 'expired';
  if (pending) return 'pending';
  if (Number.isNaN(topic.acknowledgedUs[id])) return 'unacknowledged-unprocessed';
  if (topic.storedCopies[id] === 0) return 'never-stored';
  if (reason !== null) return 'removed-by-broker';
  if (seen && stream.deliveries[id] > 0) return 'delivered-not-processed';
  return 'skipped';
}

/** Whether a message of this fate (a code of MessageFates) was given up by the stream: lost, or never acknowledged and never processed. */
export function givenUp(code: number): boolean {
  return code >= FATE_CODE['never-stored'];
}

export function lostMessages(counts: Record<Fate, number>): LostMessages {
  const neverStored = counts['never-stored'];
  const removedByBroker = counts['removed-by-broker'];
  const deliveredNotProcessed = counts['delivered-not-processed'];
  const skipped = counts.skipped;
  return {
    total: neverStored + removedByBroker + deliveredNotProcessed + skipped,
    neverStored,
    removedByBroker,
    deliveredNotProcessed,
    skipped,
  };
}
