import { digestPayload } from '../../engine/index.js';
import type { Request, Response } from '../kit/request-messages.js';

/**
 * What a feed-service node sends another: one batch's timeline writes for the
 * followers the other node holds and their acknowledgement, a read's fetch
 * of followees' newest posts, and its answer. Users are global ids; post ids
 * sort by time (post-store.ts).
 */

/**
 * A fan-out batch's writes of one post into the timelines of `followers`,
 * all held by the receiving node. The sender keeps them until they are
 * acknowledged and sends them again after a while (a lost message, a
 * partition, a crashed node), so they may arrive twice.
 */
export interface TimelineWrites {
  readonly kind: 'timeline-writes';
  /** The sending node's number for these writes (counting up across its restarts), echoed by the acknowledgement. */
  readonly batch: number;
  /** Sent again: the receiver may hold these writes already. */
  readonly resent: boolean;
  readonly postId: number;
  readonly author: number;
  /** True time the post was stored: measurement only (visibility delay). */
  readonly postedUs: number;
  readonly followers: readonly number[];
}

/** The receiving node applied timeline writes `batch`: the sender stops resending them. */
export interface TimelineWritesAck {
  readonly kind: 'timeline-writes-ack';
  readonly batch: number;
}

/** A feed read's request for the newest posts of `authors` (all held by the receiving node), at most `limit` in all. */
export interface FeedFetch {
  readonly kind: 'feed-fetch';
  /** The read it belongs to, on the reading node, and that node's incarnation (a restart starts counting again). */
  readonly readId: number;
  readonly incarnation: number;
  readonly authors: readonly number[];
  readonly limit: number;
}

/** The newest posts of the fetched authors together, newest first (the node's top `limit`: a scatter-gather's partial merge). */
export interface FeedFetchReply {
  readonly kind: 'feed-fetch-reply';
  readonly readId: number;
  readonly incarnation: number;
  readonly postIds: readonly number[];
}

export type FeedPeerMessage = TimelineWrites | TimelineWritesAck | FeedFetch | FeedFetchReply;

/**
 * The digest of a message a feed-service node receives: for its peers'
 * messages, their kind, ids, size and first and last elements instead of
 * every follower and post id (a celebrity's batch holds thousands); for a
 * request, its fields as numbers (the engine's walk of the object and its
 * strings was a tenth of a million-user run).
 */
export function digestFeedMessage(message: unknown): number {
  const m = message as FeedPeerMessage | Request;
  switch (m.kind) {
    case 'request':
      return digestNumbers(
        m.id,
        m.sentUs,
        m.operation.length * 65_536 + m.operation.charCodeAt(0),
        m.priority,
        m.session,
        m.key ?? -1,
        m.deadlineUs ?? -1,
      );
    case 'timeline-writes':
      return mixEnds(digestNumbers(1, m.postId, m.author, m.postedUs, m.batch, m.resent ? 1 : 0, 0), m.followers);
    case 'timeline-writes-ack':
      return digestNumbers(4, m.batch, 0, 0, 0, 0, 0);
    case 'feed-fetch':
      return mixEnds(digestNumbers(2, m.readId, m.incarnation, m.limit, 0, 0, 0), m.authors);
    case 'feed-fetch-reply':
      return mixEnds(digestNumbers(3, m.readId, m.incarnation, 0, 0, 0, 0), m.postIds);
    default:
      return digestPayload(message);
  }
}

/** The digest of an answer a feed user receives: its fields as numbers. */
export function digestFeedResponse(message: unknown): number {
  const r = message as Response;
  if (r.kind !== 'response') return digestPayload(message);
  const error = r.error === undefined ? -1 : r.error.length * 65_536 + r.error.charCodeAt(0);
  return digestNumbers(r.id, r.sentUs, error, r.retryAfterUs ?? -1, 0, 0, 0);
}

/** Mixes an array's length, first and last element into digest `h`. */
function mixEnds(h: number, values: readonly number[]): number {
  const n = values.length;
  return n === 0 ? mixWord(h, 0) : digestNumbers(h, n, values[0], values[n - 1], 0, 0, 0);
}

/** A 32-bit digest of seven numbers (MurmurHash3's mixing of their 32-bit halves). */
function digestNumbers(a: number, b: number, c: number, d: number, e: number, f: number, g: number): number {
  let h = 0x9747b28c;
  h = mixNumber(h, a);
  h = mixNumber(h, b);
  h = mixNumber(h, c);
  h = mixNumber(h, d);
  h = mixNumber(h, e);
  h = mixNumber(h, f);
  h = mixNumber(h, g);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function mixNumber(h: number, v: number): number {
  if ((v | 0) === v) return mixWord(h, v);
  const high = Math.floor(v / 4_294_967_296);
  return mixWord(mixWord(h, v - high * 4_294_967_296), high);
}

function mixWord(h: number, v: number): number {
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
