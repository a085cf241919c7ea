import type { NodeId } from '../../engine/index.js';
import type { LogEntries } from './replication-log.js';
import type { StoreRequest } from './store-messages.js';

/**
 * What leader-follower replicas say to each other. Every message carries the
 * sender's epoch, so a replica can tell a deposed leader from the current one.
 */

/** The leader's log from `prevIndex + 1` on (no entries: a heartbeat). The follower accepts it only if its entry at `prevIndex` has `prevEpoch`. */
export interface Append {
  readonly kind: 'lf-append';
  readonly epoch: number;
  readonly prevIndex: number;
  readonly prevEpoch: number;
  readonly entries: LogEntries;
  /** The leader's clock when it sent this, echoed back: acknowledgements renew its lease from that instant, not from their arrival. */
  readonly sentLocalUs: number;
}

export interface AppendAck {
  readonly kind: 'lf-ack';
  readonly epoch: number;
  /** The leader the sender follows (-1: none), so a deposed leader learns who replaced it. */
  readonly leader: NodeId;
  /** `ok`: the logs agree up to `match`; `retry`: they do not agree at the append's `prevIndex`, so send from `match + 1`; `stale`: the sender follows a newer leader. */
  readonly result: 'ok' | 'retry' | 'stale';
  readonly match: number;
  /** retry: the epoch of the follower's entry at `prevIndex` (0 if it has none), so the leader can skip back past that epoch at once. */
  readonly conflictEpoch: number;
  /** Whether it answers an append that carried entries (the one batch in flight), not a heartbeat. */
  readonly batch: boolean;
  readonly echoLocalUs: number;
}

/** A replica that lost its leader asks the others, for round `epoch`, whether they still see a leader and how far their logs go. */
export interface Poll {
  readonly kind: 'lf-poll';
  readonly epoch: number;
  readonly lastEpoch: number;
  readonly length: number;
}

export interface PollReply {
  readonly kind: 'lf-poll-reply';
  /** The round answered. */
  readonly epoch: number;
  /** With fencing: a promise to take part in no other round of this epoch or below. */
  readonly vote: boolean;
  /** The sender is the leader, or still hears from one: nobody should be promoted. */
  readonly leaderAlive: boolean;
  readonly currentEpoch: number;
  /** The highest round it has promised (fencing), so a failed candidate can try above it. */
  readonly promised: number;
  readonly lastEpoch: number;
  readonly length: number;
}

/** The round's choice, to the most up-to-date replica that may lead: become leader of `epoch`. */
export interface Promote {
  readonly kind: 'lf-promote';
  readonly epoch: number;
  /** Replica indexes the round heard from: the new leader counts the others out of sync until they catch up. */
  readonly reachable: readonly number[];
  /** A voter (replica index) whose log is ahead of the chosen one's, being one that may not lead: take its log first. -1: none. */
  readonly source: number;
}

/** A replica promoted behind a voter asks it for its log after `prevIndex`, if its entry at `prevIndex` has `prevEpoch`. */
export interface Fetch {
  readonly kind: 'lf-fetch';
  /** The epoch the asker is to lead. */
  readonly epoch: number;
  readonly prevIndex: number;
  readonly prevEpoch: number;
}

export interface FetchReply {
  readonly kind: 'lf-fetch-reply';
  readonly epoch: number;
  readonly prevIndex: number;
  /** The logs agree at `prevIndex`, and `entries` follow it; otherwise ask from further back. */
  readonly agree: boolean;
  readonly entries: LogEntries;
  /** The sender's log goes on past these entries. */
  readonly more: boolean;
}

/** A client's request passed on by a follower; the leader answers the client directly. */
export interface Forward {
  readonly kind: 'lf-forward';
  readonly epoch: number;
  readonly client: NodeId;
  readonly request: StoreRequest;
}

export type ReplicaMessage = Append | AppendAck | Poll | PollReply | Promote | Fetch | FetchReply | Forward;

/** Wire size of a message without entries, and what each entry adds. */
export const MESSAGE_HEADER_BYTES = 64;
export const ENTRY_BYTES = 24;
/** Entries per append or fetch reply, so a replica that was away for long catches up in pieces. */
export const MAX_BATCH_ENTRIES = 1000;
