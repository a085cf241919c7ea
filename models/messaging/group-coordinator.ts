/**
 * The consumer-group coordinator that runs inside every `log` broker (Kafka's
 * GroupCoordinator, reduced). The broker (models/messaging/log-broker.ts)
 * hands it every group message it receives (find-coordinator, join-group,
 * heartbeat, leave-group, commit, offset-fetch; log-messages.ts) and every
 * timer tagged COORDINATOR_TIMER_TAGS_FROM or above; replies go out through
 * `ctx.send`. What the broker gives it is `CoordinatorHost`:
 * - the coordinator of group g is the current leader of partition
 *   `host.coordinatorPartition(g)`, so find-coordinator answers
 *   `host.leaderOf(that partition)`; another broker answers the other
 *   requests with `not-coordinator`;
 * - committed offsets live with that partition: `host.commitOffsets` appends
 *   them to the partition's replicated offset log (followers copy it with the
 *   records, so a new leader has them) and calls back once every in-sync
 *   replica holds it; `host.committedOffset` reads this broker's copy;
 * - the group's stream in the delivery log gets its `pendingAtEnd` from the
 *   broker.
 *
 * Membership is volatile, as in Kafka: a coordinator that crashes or loses
 * the partition's leadership forgets its members, who find the new
 * coordinator and rejoin (a rebalance). Offsets are not lost with it: they
 * are as durable as the partition's records.
 *
 * A rebalance (eager, as Kafka's classic protocol): a join from a new or
 * restarted member, a leave, or a member silent for its session timeout on
 * this broker's clock moves the group to `preparing`; heartbeats answer
 * `rebalance`, members finish their batches, commit and rejoin; once every
 * member has rejoined (or the rebalance timeout has removed the others), a
 * new generation starts and each member is given its partitions by the
 * group's assignor. Commits are accepted only from a member for partitions
 * it owns in the current generation (also while preparing, for the commit a
 * member makes before it rejoins); anything else is `stale-generation`.
 *
 * Transactional commits (Kafka's read-process-write transactions with
 * sendOffsetsToTransaction) carry the effects of the records they cover: the
 * coordinator applies them (records them as processed) in the step that
 * appends the offsets, and only for records at or past the committed offset,
 * so a retried or fenced commit cannot apply an effect twice. Simplified:
 * the offsets count from their append on (as the broker's committed offsets
 * do), so a coordinator that loses its partition's leadership before the
 * commit reaches the other replicas can have applied effects whose offsets
 * are then lost, and the records' effects are repeated (Kafka's transaction
 * coordinator, with its own replicated log, does not); consumer crashes
 * cannot do this.
 */
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { InspectedState } from '../kit/inspect-contract.js';
import type { DeliveryLog, StreamRecord } from '../measure/delivery-log.js';
import type {
  CommitReply,
  CommitRequest,
  FindCoordinatorReply,
  FindCoordinatorRequest,
  HeartbeatReply,
  HeartbeatRequest,
  JoinGroupReply,
  JoinGroupRequest,
  LeaveGroupRequest,
  OffsetFetchReply,
  OffsetFetchRequest,
} from './log-messages.js';
import { assignPartitions, type Assignor } from './partition-assignors.js';

/** Timer tags at or above this one are the coordinator's; the broker's own are below. */
export const COORDINATOR_TIMER_TAGS_FROM = 1000;
const SWEEP = COORDINATOR_TIMER_TAGS_FROM;
const REBALANCE_DEADLINE = COORDINATOR_TIMER_TAGS_FROM + 1;
const INITIAL_DELAY = COORDINATOR_TIMER_TAGS_FROM + 2;

/** Kafka's group.initial.rebalance.delay.ms, shortened: members starting together join one generation. */
export const INITIAL_REBALANCE_DELAY_US = 100_000;
const DEFAULT_SESSION_TIMEOUT_US = 10_000_000;
const DEFAULT_REBALANCE_TIMEOUT_US = 30_000_000;
const REPLY_BYTES = 64;

export interface CoordinatorHost {
  /** The log component's name (the delivery log's topic). */
  readonly topic: string;
  readonly partitions: number;
  /** Every broker's node name, in order (`<group>-1` …). */
  readonly brokers: readonly string[];
  /** The run's delivery log: transactional commits record their effects in the group's stream. */
  readonly deliveries: DeliveryLog;
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

export type GroupMessage =
  FindCoordinatorRequest | JoinGroupRequest | HeartbeatRequest | LeaveGroupRequest | CommitRequest | OffsetFetchRequest;

const GROUP_MESSAGE_KINDS: ReadonlySet<string> = new Set([
  'find-coordinator',
  'join-group',
  'heartbeat',
  'leave-group',
  'commit',
  'offset-fetch',
]);

/** Whether a message is one the broker hands to its coordinator. */
export function isGroupMessage(message: { readonly kind: string }): message is GroupMessage {
  return GROUP_MESSAGE_KINDS.has(message.kind);
}

interface Member {
  readonly name: string;
  node: NodeId;
  sessionTimeoutUs: number;
  rebalanceTimeoutUs: number;
  assignor: Assignor;
  lastSeenLocalUs: number;
  /** The id of its join-group waiting for the rebalance to complete; -1 when it has not rejoined. */
  joinId: number;
  /** Its partitions in the group's current generation. */
  partitions: number[];
}

type GroupState = 'empty' | 'preparing' | 'stable';

interface Group {
  readonly name: string;
  state: GroupState;
  generation: number;
  readonly members: Map<string, Member>;
  /** Counts rebalances, so a deadline timer of an earlier one does nothing. */
  rebalance: number;
  /** The first rebalance of an empty group waits INITIAL_REBALANCE_DELAY_US for the others to join. */
  initialDelayOver: boolean;
  /** Who owned each partition before this rebalance (for the sticky assignor); '' for no one. */
  previousOwners: string[];
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private sweepArmed = false;
  private rebalancesCompleted = 0;
  private membersExpired = 0;
  private commitsRejected = 0;

  constructor(
    private readonly ctx: NodeContext<object>,
    private readonly host: CoordinatorHost,
  ) {}

  inspect(): InspectedState {
    let members = 0;
    let preparing = 0;
    for (const group of this.groups.values()) {
      members += group.members.size;
      if (group.state === 'preparing') preparing++;
    }
    return {
      groups: this.groups.size,
      members,
      groupsRebalancing: preparing,
      rebalancesCompleted: this.rebalancesCompleted,
      membersExpired: this.membersExpired,
      commitsRejected: this.commitsRejected,
    };
  }

  /** A group message (log-messages.ts) from a consumer; `isGroupMessage` tells which messages are. */
  onMessage(from: NodeId, received: { readonly kind: string }): void {
    const message = received as GroupMessage;
    if (message.kind === 'find-coordinator') {
      const partition = this.host.coordinatorPartition(message.group);
      this.reply(from, {
        kind: 'find-coordinator-reply',
        id: message.id,
        coordinator: this.host.leaderOf(partition),
      } satisfies FindCoordinatorReply);
      return;
    }
    if (!this.host.leads(this.host.coordinatorPartition(message.group))) {
      this.refuse(from, message);
      return;
    }
    switch (message.kind) {
      case 'join-group':
        this.join(from, message);
        break;
      case 'heartbeat':
        this.heartbeat(from, message);
        break;
      case 'leave-group':
        this.leave(message);
        break;
      case 'commit':
        this.commit(from, message);
        break;
      case 'offset-fetch':
        this.offsetFetch(from, message);
        break;
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === SWEEP) this.sweep();
    else if (tag === REBALANCE_DEADLINE || tag === INITIAL_DELAY) {
      const { group, rebalance } = data as { group: Group; rebalance: number };
      if (this.groups.get(group.name) !== group || group.rebalance !== rebalance || group.state !== 'preparing') return;
      if (tag === INITIAL_DELAY) group.initialDelayOver = true;
      else for (const member of [...group.members.values()]) if (member.joinId < 0) this.remove(group, member);
      this.completeIfReady(group);
    }
  }

  private refuse(from: NodeId, message: Exclude<GroupMessage, FindCoordinatorRequest>): void {
    switch (message.kind) {
      case 'join-group':
        this.reply(from, {
          kind: 'join-group-reply',
          id: message.id,
          generation: -1,
          partitions: [],
          error: 'not-coordinator',
        } satisfies JoinGroupReply);
        break;
      case 'heartbeat':
        this.reply(from, {
          kind: 'heartbeat-reply',
          id: message.id,
          error: 'not-coordinator',
        } satisfies HeartbeatReply);
        break;
      case 'commit':
        this.reply(from, { kind: 'commit-reply', id: message.id, error: 'not-coordinator' } satisfies CommitReply);
        break;
      case 'offset-fetch':
        this.reply(from, {
          kind: 'offset-fetch-reply',
          id: message.id,
          offsets: [],
          error: 'not-coordinator',
        } satisfies OffsetFetchReply);
        break;
      case 'leave-group':
        break;
    }
  }

  private groupOf(name: string): Group {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = {
        name,
        state: 'empty',
        generation: 0,
        members: new Map(),
        rebalance: 0,
        initialDelayOver: false,
        previousOwners: new Array<string>(this.host.partitions).fill(''),
      };
      this.groups.set(name, group);
    }
    return group;
  }

  private join(from: NodeId, request: JoinGroupRequest): void {
    const group = this.groupOf(request.group);
    let member = group.members.get(request.member);
    const now = this.ctx.localTimeUs();
    if (member === undefined) {
      member = {
        name: request.member,
        node: from,
        sessionTimeoutUs: DEFAULT_SESSION_TIMEOUT_US,
        rebalanceTimeoutUs: DEFAULT_REBALANCE_TIMEOUT_US,
        assignor: 'range',
        lastSeenLocalUs: now,
        joinId: -1,
        partitions: [],
      };
      group.members.set(member.name, member);
    }
    member.node = from;
    member.sessionTimeoutUs = request.sessionTimeoutUs ?? member.sessionTimeoutUs;
    member.rebalanceTimeoutUs = request.rebalanceTimeoutUs ?? member.rebalanceTimeoutUs;
    member.assignor = request.assignor ?? member.assignor;
    member.lastSeenLocalUs = now;
    member.joinId = request.id;
    this.armSweep(member.sessionTimeoutUs);
    if (group.state !== 'preparing') this.prepareRebalance(group);
    this.completeIfReady(group);
  }

  private heartbeat(from: NodeId, request: HeartbeatRequest): void {
    const group = this.groups.get(request.group);
    const member = group?.members.get(request.member);
    let error: HeartbeatReply['error'];
    if (group === undefined || member === undefined) error = 'unknown-member';
    else {
      member.lastSeenLocalUs = this.ctx.localTimeUs();
      if (group.state !== 'stable' || request.generation !== group.generation) error = 'rebalance';
    }
    this.reply(from, { kind: 'heartbeat-reply', id: request.id, error } satisfies HeartbeatReply);
  }

  private leave(request: LeaveGroupRequest): void {
    const group = this.groups.get(request.group);
    const member = group?.members.get(request.member);
    if (group === undefined || member === undefined) return;
    this.remove(group, member);
    this.membershipChanged(group);
  }

  private commit(from: NodeId, request: CommitRequest): void {
    const group = this.groups.get(request.group);
    const member = group?.members.get(request.member);
    let error: CommitReply['error'];
    if (group === undefined || member === undefined) error = 'unknown-member';
    else if (request.generation !== group.generation || !ownsAll(member, request.offsets)) error = 'stale-generation';
    if (error !== undefined) {
      this.commitsRejected++;
      this.reply(from, { kind: 'commit-reply', id: request.id, error } satisfies CommitReply);
      return;
    }
    member!.lastSeenLocalUs = this.ctx.localTimeUs();
    if (request.effects !== undefined && request.effects.length > 0) this.applyEffects(group!, request);
    this.host.commitOffsets(request.group, request.offsets, (ok) => {
      this.reply(from, {
        kind: 'commit-reply',
        id: request.id,
        error: ok ? undefined : 'not-coordinator',
      } satisfies CommitReply);
    });
  }

  /**
   * Records as processed the effects of records at or past their partition's
   * committed offset, in the step that appends the offsets: the broker's
   * committed offsets (what a member resumes from, what the run counts as
   * pending) include a commit from its append on, so effects go with them.
   */
  private applyEffects(group: Group, request: CommitRequest): void {
    const stream: StreamRecord = this.host.deliveries.topic(this.host.topic).stream(group.name, 'partition');
    const now = this.ctx.nowUs;
    for (const effect of request.effects!)
      if (effect.offset >= this.host.committedOffset(group.name, effect.partition))
        stream.processed(effect.message, now);
  }

  private offsetFetch(from: NodeId, request: OffsetFetchRequest): void {
    const offsets = request.partitions.map((p) => this.host.committedOffset(request.group, p));
    this.reply(from, { kind: 'offset-fetch-reply', id: request.id, offsets } satisfies OffsetFetchReply);
  }

  private prepareRebalance(group: Group): void {
    const wasEmpty = group.state === 'empty';
    group.state = 'preparing';
    group.rebalance++;
    for (let p = 0; p < group.previousOwners.length; p++) group.previousOwners[p] = '';
    let timeoutUs = 0;
    for (const member of group.members.values()) {
      for (const p of member.partitions) group.previousOwners[p] = member.name;
      timeoutUs = Math.max(timeoutUs, member.rebalanceTimeoutUs);
    }
    const data = { group, rebalance: group.rebalance };
    this.ctx.setTimer(timeoutUs, REBALANCE_DEADLINE, data);
    group.initialDelayOver = !wasEmpty;
    if (wasEmpty) this.ctx.setTimer(INITIAL_REBALANCE_DELAY_US, INITIAL_DELAY, data);
  }

  /** A new generation once every member has rejoined (and an empty group's first wait is over). */
  private completeIfReady(group: Group): void {
    if (group.state !== 'preparing' || !group.initialDelayOver) return;
    for (const member of group.members.values()) if (member.joinId < 0) return;
    if (group.members.size === 0) {
      group.state = 'empty';
      return;
    }
    group.generation++;
    group.state = 'stable';
    this.rebalancesCompleted++;
    const members = [...group.members.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = members.map((m) => m.name);
    const assignment = assignPartitions(members[0].assignor, names, this.host.partitions, group.previousOwners);
    for (let i = 0; i < members.length; i++) {
      const member = members[i];
      member.partitions = assignment[i];
      this.reply(member.node, {
        kind: 'join-group-reply',
        id: member.joinId,
        generation: group.generation,
        partitions: member.partitions,
      } satisfies JoinGroupReply);
      member.joinId = -1;
      member.lastSeenLocalUs = this.ctx.localTimeUs();
    }
  }

  private membershipChanged(group: Group): void {
    if (group.state === 'stable') {
      if (group.members.size === 0) group.state = 'empty';
      else this.prepareRebalance(group);
    } else this.completeIfReady(group);
  }

  private remove(group: Group, member: Member): void {
    group.members.delete(member.name);
    member.partitions = [];
  }

  /** Removes members silent for their session timeout (a member waiting for its join to complete is not silent). */
  private sweep(): void {
    this.sweepArmed = false;
    const now = this.ctx.localTimeUs();
    let smallestSessionUs = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) {
      let removed = false;
      for (const member of [...group.members.values()]) {
        if (member.joinId < 0 && now - member.lastSeenLocalUs > member.sessionTimeoutUs) {
          this.remove(group, member);
          this.membersExpired++;
          removed = true;
        } else smallestSessionUs = Math.min(smallestSessionUs, member.sessionTimeoutUs);
      }
      if (removed) this.membershipChanged(group);
    }
    if (smallestSessionUs < Number.POSITIVE_INFINITY) this.armSweep(smallestSessionUs);
  }

  /** Checks sessions a tenth of the shortest session timeout apart, so a silent member goes within 10% of it. */
  private armSweep(sessionTimeoutUs: number): void {
    if (this.sweepArmed) return;
    this.sweepArmed = true;
    this.ctx.setTimer(Math.max(1, Math.floor(sessionTimeoutUs / 10)), SWEEP);
  }

  private reply(
    to: NodeId,
    message: FindCoordinatorReply | JoinGroupReply | HeartbeatReply | CommitReply | OffsetFetchReply,
  ): void {
    this.ctx.send(to, message, REPLY_BYTES);
  }
}

function ownsAll(member: Member, offsets: CommitRequest['offsets']): boolean {
  for (const { partition } of offsets) if (!member.partitions.includes(partition)) return false;
  return true;
}
