import type { TimeUs } from '../../engine/index.js';

/**
 * The key-value protocol every key-addressed tier speaks, both ways: a
 * database (kv-store), a cache in front of it, a CDN tier in front of the
 * next. A caller sends a get, put or delete for one key and gets one reply,
 * so any of them can sit behind any other.
 *
 * Versions count up from 1 per key, assigned by the database when a put
 * commits; a reply carries the version it read or wrote, so whoever holds a
 * copy can tell how old it is (and the cache log can judge a read stale
 * against the database's latest committed version).
 */

export interface KvGet {
  readonly kind: 'kv-get';
  /** Unique per sender node; the reply carries it back. */
  readonly id: number;
  readonly key: number;
  /** True time the original request was made, for measurement only. */
  readonly sentUs: TimeUs;
}

export interface KvPut {
  readonly kind: 'kv-put';
  readonly id: number;
  readonly key: number;
  /** The object's size; a put that changes an object's size is allowed. */
  readonly sizeBytes: number;
  readonly sentUs: TimeUs;
  /** Only write if the key does not exist yet (an id allocator's collision check); absent: overwrite. */
  readonly ifAbsent?: boolean;
}

export interface KvDelete {
  readonly kind: 'kv-delete';
  readonly id: number;
  readonly key: number;
  readonly sentUs: TimeUs;
}

export type KvRequest = KvGet | KvPut | KvDelete;

/**
 * `ok`: done (a get found the key, a put or delete applied). `not-found`: a
 * get of a key that does not exist. `exists`: an ifAbsent put found the key
 * taken. `failed`: not done (overloaded, a shard unavailable, the tier behind
 * did not answer); `reason` says why, for people.
 */
export type KvStatus = 'ok' | 'not-found' | 'exists' | 'failed';

export interface KvReply {
  readonly kind: 'kv-reply';
  readonly id: number;
  readonly key: number;
  readonly status: KvStatus;
  /** The version read or written (0 with not-found, or a failure). */
  readonly version: number;
  /** The object's size (a get's payload); 0 when there is none. */
  readonly sizeBytes: number;
  readonly sentUs: TimeUs;
  readonly reason?: string;
}

/** The answer to `request`, carrying back its id, key and sentUs; `reason` only with a failure or refusal. */
export function kvReplyTo(
  request: Pick<KvRequest, 'id' | 'key' | 'sentUs'>,
  status: KvStatus,
  version: number,
  sizeBytes: number,
  reason?: string,
): KvReply {
  const { id, key, sentUs } = request;
  return reason === undefined
    ? { kind: 'kv-reply', id, key, status, version, sizeBytes, sentUs }
    : { kind: 'kv-reply', id, key, status, version, sizeBytes, sentUs, reason };
}
