/**
 * How consumers read a replicated log (Kafka's protocol, reduced): fetch a
 * partition from its leader at an offset, and take part in a consumer group
 * through the group's coordinator, a broker that assigns partitions to the
 * group's members and keeps the offsets they commit. Producing is in
 * broker-messages.ts, shared with queues.
 */

/** Records of `partition` from `offset` on, up to the high watermark (what every in-sync replica holds). */
export interface FetchRequest {
  readonly kind: 'fetch';
  readonly id: number;
  readonly partition: number;
  readonly offset: number;
  readonly maxMessages: number;
  /** Wait up to this long for records when there are none yet (fetch.max.wait.ms); 0 answers at once. */
  readonly waitUs: number;
}

export interface LogRecord {
  readonly offset: number;
  /** The delivery log's message id. */
  readonly message: number;
  readonly key: number;
  readonly sizeBytes: number;
}

export interface FetchReply {
  readonly kind: 'fetch-reply';
  readonly id: number;
  readonly partition: number;
  readonly records: readonly LogRecord[];
  /** The offset after the last record every in-sync replica holds; consumers see nothing beyond it. */
  readonly highWatermark: number;
  /**
   * `not-leader`: ask again after refreshing metadata; `offset-out-of-range`:
   * the offset is past the log's end (after a truncation) or before its start
   * (after retention), and `resetTo` says where the log now begins or ends.
   */
  readonly error?: 'not-leader' | 'offset-out-of-range';
  readonly resetTo?: number;
}

/** Which broker coordinates `group` (any broker answers). */
export interface FindCoordinatorRequest {
  readonly kind: 'find-coordinator';
  readonly id: number;
  readonly group: string;
}

export interface FindCoordinatorReply {
  readonly kind: 'find-coordinator-reply';
  readonly id: number;
  /** Node name of the coordinator; null when none is available. */
  readonly coordinator: string | null;
}

/**
 * A member joins (or rejoins after a rebalance began) its group. The
 * coordinator waits for every known member to rejoin (up to the rebalance
 * timeout), then gives each its partitions in a new generation.
 */
export interface JoinGroupRequest {
  readonly kind: 'join-group';
  readonly id: number;
  readonly group: string;
  /** The member's node name: stable across its crashes, as a static group.instance.id is. */
  readonly member: string;
  /** Removed after this long without a heartbeat, on the coordinator's clock (session.timeout.ms); 10 s when absent. */
  readonly sessionTimeoutUs?: number;
  /** How long a rebalance waits for members to rejoin (max.poll.interval.ms); 30 s when absent. */
  readonly rebalanceTimeoutUs?: number;
  /** How partitions are shared out (partition.assignment.strategy; the first member's, by name, decides); range when absent. */
  readonly assignor?: 'range' | 'roundrobin' | 'sticky';
}

export interface JoinGroupReply {
  readonly kind: 'join-group-reply';
  readonly id: number;
  readonly generation: number;
  readonly partitions: readonly number[];
  /** Set when this broker does not coordinate the group. */
  readonly error?: 'not-coordinator';
}

/** Sent every heartbeat interval; a member silent for the session timeout is removed and the group rebalances. */
export interface HeartbeatRequest {
  readonly kind: 'heartbeat';
  readonly id: number;
  readonly group: string;
  readonly member: string;
  readonly generation: number;
}

export interface HeartbeatReply {
  readonly kind: 'heartbeat-reply';
  readonly id: number;
  /** `rebalance`: the group is rebalancing, rejoin; `unknown-member`: removed, rejoin; `not-coordinator`: find it again. */
  readonly error?: 'rebalance' | 'unknown-member' | 'not-coordinator';
}

/** Leaves the group at once (a clean shutdown), so its partitions move without waiting for the session timeout. */
export interface LeaveGroupRequest {
  readonly kind: 'leave-group';
  readonly group: string;
  readonly member: string;
}

/** Commits the offsets to resume from (the next offset to process) for partitions the member owns in `generation`. */
export interface CommitRequest {
  readonly kind: 'commit';
  readonly id: number;
  readonly group: string;
  readonly member: string;
  readonly generation: number;
  readonly offsets: readonly { readonly partition: number; readonly offset: number }[];
  /**
   * A transactional commit (Kafka's sendOffsetsToTransaction): the effects
   * of the records these offsets cover, applied by the coordinator in the
   * same step as the offsets become durable, and only for records at or past
   * the partition's committed offset (a repeat applies nothing again).
   */
  readonly effects?: readonly { readonly partition: number; readonly offset: number; readonly message: number }[];
}

export interface CommitReply {
  readonly kind: 'commit-reply';
  readonly id: number;
  /** `stale-generation`: the member no longer owns them (a rebalance happened): nothing was committed. */
  readonly error?: 'stale-generation' | 'unknown-member' | 'not-coordinator';
}

/** The committed offsets of a group's partitions, fetched by a member when it is given them. */
export interface OffsetFetchRequest {
  readonly kind: 'offset-fetch';
  readonly id: number;
  readonly group: string;
  readonly partitions: readonly number[];
}

export interface OffsetFetchReply {
  readonly kind: 'offset-fetch-reply';
  readonly id: number;
  /** Per partition asked, in order, the committed offset; -1 when none was committed. */
  readonly offsets: readonly number[];
  readonly error?: 'not-coordinator';
}
