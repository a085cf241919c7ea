/**
 * A cache's memory: which keys it holds, with each one's version, size and
 * expiry, and which entry leaves when room is needed (the eviction policy).
 * Entries live in integer slots; a slot number is valid until the next call
 * that may remove entries (put, delete, or a get that finds one expired).
 *
 * Every operation is O(1) (amortised for policies that scan, such as SIEVE's
 * hand and S3-FIFO's queues) and allocates nothing per call. Expiry is judged
 * on the caller's clock (`nowUs`: the node's local time, so clock faults move
 * it) and lazily: an expired entry stays until it is looked up or evicted.
 */
export interface CacheStore {
  /** Entries held, and the bytes they take (sizes as given to put). */
  readonly entries: number;
  readonly bytes: number;
  /**
   * A read of `key`: its slot on a hit (the policy counts the access; with
   * TTL reset-on-hit the expiry moves), -1 on a miss. An expired entry is
   * removed (reason `expired`) and is a miss.
   */
  get(key: number, nowUs: number): number;
  /** The slot of `key` whether or not it has expired, without counting an access; -1 when absent (stale-while-revalidate reads it). */
  peek(key: number): number;
  /**
   * Stores `key` (replacing any entry of it), evicting as the policy says
   * until it fits; `ttlUs` is this entry's time to live (Infinity: none).
   * False when it is not admitted: bigger than the whole capacity, or a
   * policy that filters admissions (perfect LFU) turned it away.
   */
  put(key: number, version: number, sizeBytes: number, nowUs: number, ttlUs: number): boolean;
  /** Removes `key` (reason `deleted`, expired or not: a delete takes no clock); false when it was absent. */
  delete(key: number): boolean;
  /**
   * Gives the entry in `slot` another version, nothing else: no access is
   * counted and its expiry stays (a write-behind flush learning the version
   * the database gave the value the cache already holds).
   */
  setVersion(slot: number, version: number): void;
  keyOf(slot: number): number;
  versionOf(slot: number): number;
  sizeOf(slot: number): number;
  storedAtUs(slot: number): number;
  /** Infinity when the entry never expires. */
  expiresAtUs(slot: number): number;
}

/**
 * Why an entry left: `evicted` a live entry, to make room; `expired` past its
 * TTL when it left (found by a get, or chosen for eviction or replaced by a
 * put after its expiry: expiry is lazy); `deleted` by the caller; `replaced`
 * by a put of the same key while live.
 */
export type RemovalCause = 'evicted' | 'expired' | 'deleted' | 'replaced';

/** Told of every entry that leaves a store, so a cache can count evictions and memory (no allocation: plain arguments). */
export interface CacheStoreListener {
  removed(key: number, sizeBytes: number, cause: RemovalCause): void;
}
