/** What an entry asks of the state machine; `noop` is the entry a new leader appends to commit something of its own term (Raft §8). */
export type RaftCommand = 'noop' | 'read' | 'write' | 'cas';

/**
 * One log entry. Entries are never changed once created: followers hold the
 * leader's objects, so the same entry is the same object on every node.
 */
export interface RaftEntry {
  readonly term: number;
  readonly command: RaftCommand;
  readonly key: number;
  /** write and cas: the new value. */
  readonly value: number;
  /** cas: the value the register must hold at apply time. */
  readonly expected: number | null;
  /** The client that asked (-1 for a noop) and its request id: a duplicated request is applied once. */
  readonly client: number;
  readonly requestId: number;
}

/** A vote request; with `preVote` it only asks whether the vote would be granted, changing no one's term (Raft thesis §9.6). */
export interface RequestVote {
  readonly kind: 'raft-request-vote';
  readonly preVote: boolean;
  /** The term the candidate is in, or for a pre-vote the one it would start. */
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface Vote {
  readonly kind: 'raft-vote';
  readonly preVote: boolean;
  /** The voter's term; for a granted pre-vote, the term asked about. */
  readonly term: number;
  readonly granted: boolean;
}

/** Replication and heartbeat in one (Raft's AppendEntries), numbered by round so replies can confirm leadership for reads. */
export interface AppendEntries {
  readonly kind: 'raft-append';
  readonly term: number;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly RaftEntry[];
  readonly leaderCommit: number;
  /** The leader's broadcast round this message belongs to, echoed in the reply. */
  readonly round: number;
  /** The leader's clock when it sent this, echoed in the reply: a lease is counted from it. */
  readonly sentLocalUs: number;
}

export interface AppendReply {
  readonly kind: 'raft-append-reply';
  readonly term: number;
  readonly success: boolean;
  /** On success: the last index known to match the leader's log. */
  readonly matchIndex: number;
  /** On failure: where the leader should resume (the follower's log end, or the first index of the conflicting term). */
  readonly retryIndex: number;
  readonly round: number;
  readonly sentLocalUs: number;
}

export type RaftMessage = RequestVote | Vote | AppendEntries | AppendReply;

/** Wire sizes: a header, plus each entry's term, command, key and values. */
export const RAFT_HEADER_BYTES = 48;
export const RAFT_ENTRY_BYTES = 40;
