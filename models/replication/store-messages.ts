import type { NodeId, TimeUs } from '../../engine/index.js';

/**
 * The protocol between store clients and replicated stores (leader-follower,
 * leaderless quorum, Raft): one request, one response, whatever the store
 * does inside. Every model of a replicated store speaks it, so one client
 * workload, one history format and one set of checkers serve them all.
 */

/** read/write/cas act on a register per key; add and read act on a counter per key; insert/delete/read on a set. */
export const STORE_OPS = ['read', 'write', 'cas', 'add', 'insert', 'delete'] as const;
export type StoreOp = (typeof STORE_OPS)[number];

/** Per-operation consistency, for stores that let each operation choose (Dynamo-style levels, or explicit counts). */
export type ConsistencyLevel = 'one' | 'quorum' | 'all' | 'local-quorum' | { replicas: number };

export interface StoreRequest {
  readonly kind: 'store-request';
  readonly id: number;
  readonly op: StoreOp;
  readonly key: number;
  /**
   * write: the value (unique across the run, so a read tells which write it
   * saw); cas: the new value; add: the delta; insert/delete: the element.
   */
  readonly value: number;
  /** cas: the value the register must hold for the write to happen. */
  readonly expected?: number | null;
  /** Level for this operation (reads use the workload's read level, writes its write level); absent: the store's default. */
  readonly consistency?: ConsistencyLevel;
  /** Read-your-writes: the highest version this session has written or seen; a store honouring it serves only from a replica that has it. */
  readonly sessionVersion?: number;
  readonly sentUs: TimeUs;
}

/**
 * `ok`: done. `failed`: definitely not done (a cas whose compare failed, a
 * refusal before anything was applied: not the leader, minority side, too
 * few replicas up). `unknown`: it may or may not take effect (the store
 * gave up waiting for acknowledgements after applying it somewhere). Jepsen's
 * ok / fail / info.
 */
export type StoreStatus = 'ok' | 'failed' | 'unknown';

export interface StoreResponse {
  readonly kind: 'store-response';
  readonly id: number;
  readonly status: StoreStatus;
  /** Why it failed or is unknown, for people: `not-leader`, `no-quorum`, `cas-mismatch`, `timeout`. */
  readonly reason?: string;
  /** read: the register's value (null when never written) or the counter's total. */
  readonly value?: number | null;
  /** read on a store that keeps concurrent versions (version vectors): every sibling value, `value` being one of them. */
  readonly siblings?: readonly number[];
  /** read of a set: its elements, ascending. */
  readonly elements?: readonly number[];
  /** The version this operation wrote or read, for read-your-writes sessions. */
  readonly version?: number;
  /** not-leader: where the leader is thought to be, so the client can go there. */
  readonly leaderHint?: NodeId;
}
