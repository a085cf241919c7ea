/**
 * HOOK AGREED WITH THE `log` BROKER (models/messaging/log-broker.ts): a
 * skeleton written by the broker's author; the consumer-group helper owns and
 * fills this file.
 *
 * Every broker process of a `log` component makes one GroupCoordinator and
 * hands it every group message it receives (find-coordinator, join-group,
 * heartbeat, leave-group, commit, offset-fetch; log-messages.ts); replies go
 * out through `ctx.send`. What the broker gives it is `CoordinatorHost`:
 * - the coordinator of group g is the current leader of partition
 *   `host.coordinatorPartition(g)` (hash of g mod partitions), so
 *   find-coordinator answers `host.leaderOf(that partition)`; another broker
 *   answers the other requests with `not-coordinator`;
 * - committed offsets live with that partition: `host.commitOffsets` appends
 *   them to the partition's replicated offset log (followers copy it with the
 *   records, so a new leader has them) and calls back once every in-sync
 *   replica holds it; `host.committedOffset` reads this broker's copy;
 * - timers: tags from COORDINATOR_TIMER_TAGS_FROM up are the coordinator's
 *   (the broker passes them to `onTimer`); group membership is volatile
 *   (lost with the process, as in Kafka, where members rejoin the new
 *   coordinator);
 * - the group's stream in the delivery log gets its `pendingAtEnd` from the
 *   broker (the first time a group message names the group): the ids at or
 *   after the group's committed offsets in each partition leader's log;
 *   `host.pendingAtEnd(group)` gives that function too.
 */
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { InspectedState } from '../kit/inspect-contract.js';

/** Timer tags at or above this one are the coordinator's; the broker's own are below. */
export const COORDINATOR_TIMER_TAGS_FROM = 1000;

export interface CoordinatorHost {
  /** The log component's name (the delivery log's topic). */
  readonly topic: string;
  readonly partitions: number;
  /** Every broker's node name, in order (`<group>-1` …). */
  readonly brokers: readonly string[];
  /** The partition whose leader coordinates `group`. */
  coordinatorPartition(group: string): number;
  /** The node name of the partition's leader as this broker knows it; null while it has none. */
  leaderOf(partition: number): string | null;
  /** Whether this broker leads `partition` now (and so coordinates the groups hashed to it). */
  leads(partition: number): boolean;
  /** The offset `group` committed for `partition` in this broker's copy of its coordinator partition; -1 when none. */
  committedOffset(group: string, partition: number): number;
  /**
   * Appends the commit to the offset log of coordinatorPartition(group),
   * which this broker must lead; `done(true)` once every in-sync replica holds
   * it (acks=all), `done(false)` when it cannot be (leadership lost, too few
   * replicas in sync).
   */
  commitOffsets(
    group: string,
    offsets: readonly { readonly partition: number; readonly offset: number }[],
    done: (ok: boolean) => void,
  ): void;
  /** The ids `group` would still be delivered at the end of the run (for StreamRecord.pendingAtEnd). */
  pendingAtEnd(group: string): () => readonly number[];
}

export class GroupCoordinator {
  constructor(
    private readonly ctx: NodeContext,
    private readonly host: CoordinatorHost,
  ) {}

  /** A group message (log-messages.ts) from a consumer. */
  onMessage(from: NodeId, message: { readonly kind: string }): void {
    void from;
    void message;
    void this.ctx;
    void this.host;
  }

  onTimer(tag: number, data: unknown): void {
    void tag;
    void data;
  }

  inspect(): InspectedState {
    return { groups: 0 };
  }
}
