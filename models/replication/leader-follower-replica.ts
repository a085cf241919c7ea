import type { NodeContext, NodeId, RandomStream, TimerHandle } from '../../engine/index.js';
import type { InspectableReplica, InspectedState } from '../kit/inspect-contract.js';
import type { LeaderFollowerSettings } from './leader-follower-settings.js';
import { CatchUp } from './leader-follower-catch-up.js';
import { openReplicaDisk, type ReplicaDisk } from './leader-follower-disk.js';
import { LeaderLease } from './leader-follower-lease.js';
import {
  MESSAGE_HEADER_BYTES,
  type Append,
  type AppendAck,
  type FetchReply,
  type Forward,
  type Poll,
  type PollReply,
  type Promote,
  type ReplicaMessage,
} from './leader-follower-messages.js';
import { PromotionRound } from './leader-follower-promotion.js';
import { ReadRouting } from './leader-follower-reads.js';
import { AppliedRegisters } from './leader-follower-registers.js';
import { ReplicationTracker, type PendingWrite } from './leader-follower-replication.js';
import { NO_KEY, type LogEntries } from './replication-log.js';
import { RequestCopies } from './request-copies.js';
import type { StoreRequest, StoreResponse } from './store-messages.js';

const FOLLOWER = 0;
const CANDIDATE = 1;
const LEADER = 2;
/** Promoted, but first taking the log of a voter that is ahead and may not lead. */
const CATCHING_UP = 3;
const ROLE_NAMES = ['follower', 'candidate', 'leader', 'catching-up'] as const;

const HEARTBEAT = 1;
const SUSPECT = 2;
const ROUND_OVER = 3;
const ACK_TIMEOUT = 4;
const FETCH_OVER = 5;

/**
 * One replica of a leader-follower store. The leader orders writes in its
 * log (a version is a log index) and ships it to every follower, one batch
 * in flight per follower, as a follower fetching the log would see it:
 * what is written meanwhile goes in the next batch. It answers a write at
 * once (async), after `acks` followers have it (semi-sync) or after every
 * follower in sync has it (sync); one it applied but could not get
 * acknowledged in time is answered `unknown`, never `failed`.
 *
 * Versions name entries by epoch and index (`ReplicationLog.versionOf`).
 *
 * Followers apply in log order and watch the leader's heartbeats on their
 * own clock (one back from a crash too, before it takes part in a
 * promotion). One that hears nothing for `failureTimeout` polls the others;
 * if none still sees a leader, the most up-to-date replica that answered and
 * may lead (newest last epoch, then longest log, then replica order) is
 * promoted in a new epoch and announces itself with heartbeats. If a voter
 * that may not lead is further ahead, the promoted replica first takes its
 * log, so no write acknowledged with that voter's copy is lost. Messages
 * from an older epoch are refused, and a leader that learns of a newer one
 * steps down; where two logs disagree, the newer epoch's wins and the other
 * is cut back.
 * A new leader does not know whether what it inherited was acknowledged, so
 * its reads show it only once its own first entry is replicated as the mode
 * requires (at once under async).
 *
 * With fencing a promotion needs a majority, and a leader whose lease ran out
 * (a majority answered no append it sent within `leaseUs`, on its clock)
 * stops taking requests and steps down. A replica votes only after
 * `failureTimeout` without the leader on its own clock, and the lease is
 * shorter by the clock-drift bound, so it has ended by then: two leaders
 * never take requests at once. Without it, any replica that loses the
 * leader promotes the best one it can reach, and a leader cut off by a
 * partition keeps taking writes: split brain, whose losing side's writes are
 * discarded at heal.
 *
 * This class holds the roles and the transitions between them, takes client
 * requests and follows the leader; the leader's replication, the lease, the
 * promotion round, catch-up and read routing are parts of their own.
 */
export class LeaderFollowerReplica implements InspectableReplica {
  private readonly disk: ReplicaDisk;
  private readonly copies: RequestCopies;
  /** Node ids by replica index, looked up at start; the parts hold this same array. */
  private readonly ids: NodeId[] = [];
  private readonly indexOf = new Map<NodeId, number>();
  private readonly electing: RandomStream;
  private readonly registers = new AppliedRegisters();
  private readonly reads: ReadRouting;
  private readonly replication: ReplicationTracker;
  private readonly lease: LeaderLease;
  private readonly round: PromotionRound;
  private readonly catchUp: CatchUp;
  private role = FOLLOWER;
  /** The leader it follows (itself when leading); -1 when it knows none. */
  private leader: NodeId | -1 = -1;
  /** A follower heard from its leader within the failure timeout. */
  private leaderSeen = false;
  private suspectTimer: TimerHandle | -1 = -1;
  private heartbeatTimer: TimerHandle | -1 = -1;
  /** Requests a new leader holds: all until a majority confirms it (fencing), reads and cas until its first entry is replicated. */
  private held: { client: NodeId; request: StoreRequest }[] = [];

  constructor(
    private readonly ctx: NodeContext,
    private readonly p: LeaderFollowerSettings,
  ) {
    this.electing = ctx.random('election');
    this.disk = openReplicaDisk(ctx.durable);
    this.copies = new RequestCopies(ctx.durable);
    this.reads = new ReadRouting(ctx, p, this.disk, this.registers);
    this.replication = new ReplicationTracker(ctx, p, this.disk, this.ids, ACK_TIMEOUT);
    this.lease = new LeaderLease(p);
    this.round = new PromotionRound(ctx, p, this.disk, this.ids);
    this.catchUp = new CatchUp(ctx, p, this.disk, this.ids, FETCH_OVER);
  }

  onStart(): void {
    this.p.replicas.forEach((name, i) => {
      const id = this.ctx.lookup(name);
      this.ids.push(id);
      this.indexOf.set(id, i);
    });
    for (let i = 1; i <= this.disk.log.length; i++) this.registers.apply(this.disk.log, i);
    if (this.disk.epoch === 0) {
      // First start: everyone knows the first replica leads epoch 1.
      this.disk.epoch = this.disk.promised = 1;
      if (this.p.index === 0) {
        this.becomeLeader(1, null);
        return;
      }
      this.leader = this.ids[0];
    }
    // Back from a crash it knows no leader, but one may well be alive: like a follower that just heard one, it waits a whole failure
    // timeout before taking part in a promotion, or its vote could depose a healthy leader whose lease still counts on it.
    this.leaderSeen = true;
    this.watchLeader();
  }

  onMessage(from: NodeId, message: StoreRequest | ReplicaMessage): void {
    switch (message.kind) {
      case 'store-request':
        return this.copies.isCopy(from, message.id) ? undefined : this.onRequest(from, message, false);
      case 'lf-forward':
        return this.onForward(message);
      case 'lf-append':
        return this.onAppend(from, message);
      case 'lf-ack':
        return this.onAck(from, message);
      case 'lf-poll':
        return this.onPoll(from, message);
      case 'lf-poll-reply':
        return this.onPollReply(from, message);
      case 'lf-promote':
        return this.onPromote(message);
      case 'lf-fetch':
        return this.catchUp.serve(from, message);
      case 'lf-fetch-reply':
        return this.onFetchReply(message);
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === HEARTBEAT) this.heartbeat();
    else if (tag === SUSPECT) {
      this.suspectTimer = -1;
      this.startRound();
    } else if (tag === ROUND_OVER) {
      if (this.role === CANDIDATE && data === this.round.epoch) this.decideRound();
    } else if (tag === ACK_TIMEOUT) this.replication.ackTimedOut(data as PendingWrite);
    else if (tag === FETCH_OVER) {
      this.catchUp.timedOut();
      // The voter it was taking the log from fell silent: the promotion fails, and another round will find who is up.
      if (this.role === CATCHING_UP) this.abandonRound(false);
    }
  }

  /** For measurement: each key's value as a read served here would return it. */
  localValues(): ReadonlyMap<number, number> {
    return this.registers.values;
  }

  /** For measurement: every value in this replica's log, in log order (ReplicaView). */
  retainedWrites(): number[] {
    const log = this.disk.log;
    const out: number[] = [];
    for (let i = 1; i <= log.length; i++) if (log.keyAt(i) !== NO_KEY) out.push(log.valueAt(i));
    return out;
  }

  /**
   * Role, epoch and the leader it follows; its log against what is known
   * replicated; a leader's view of each follower (by replica name: match
   * position, lag in entries, in sync, answering) and, under fencing,
   * whether it holds the lease (a leader without it is fenced: it takes no
   * requests).
   */
  inspect(): InspectedState {
    const log = this.disk.log;
    const leading = this.role === LEADER;
    const local = this.ctx.localTimeUs();
    const leaseHeld = leading ? this.lease.held(local) : null;
    const followers = leading
      ? Object.fromEntries(
          this.p.replicas.flatMap((name, f) => {
            if (f === this.p.index) return [];
            const { matchIndex, inSync } = this.replication.follower(f);
            const lagEntries = matchIndex === null ? null : log.length - matchIndex;
            return [[name, { matchIndex, lagEntries, inSync, answering: this.replication.live(f) }]];
          }),
        )
      : null;
    return {
      role: ROLE_NAMES[this.role],
      epoch: this.disk.epoch,
      promisedEpoch: this.disk.promised,
      leader: this.leader === -1 ? null : (this.p.replicas[this.indexOf.get(this.leader) ?? -1] ?? null),
      leaderSeen: this.role === FOLLOWER ? this.leaderSeen : null,
      logLength: log.length,
      lastLogEpoch: log.lastEpoch(),
      committedIndex: leading ? this.replication.committedIndex : null,
      epochStartIndex: leading ? this.replication.epochStartIndex : null,
      followers,
      pendingWrites: leading ? this.replication.pendingWrites : null,
      heldRequests: this.held.length,
      leaseHeld: this.p.fencing ? leaseHeld : null,
      fenced: leading && leaseHeld === false,
      keysApplied: this.registers.values.size,
    };
  }

  get isLeader(): boolean {
    return this.role === LEADER;
  }

  get epoch(): number {
    return this.disk.epoch;
  }

  get logLength(): number {
    return this.disk.log.length;
  }

  // ---- client requests ----------------------------------------------------

  private onRequest(client: NodeId, request: StoreRequest, forwarded: boolean): void {
    const op = request.op;
    if (op === 'read' && !forwarded && this.role !== LEADER && this.reads.servesLocally(request))
      return this.reads.serve(client, request, Infinity);
    if (op !== 'read' && op !== 'write' && op !== 'cas') return this.refuse(client, request, 'unsupported');
    if (this.role === LEADER) {
      if (this.leaseHeld()) {
        // What it inherited is not known committed until its first entry is: reads and compare-and-sets, which read, wait for that.
        const { committedIndex, epochStartIndex } = this.replication;
        if (op === 'write' || committedIndex >= epochStartIndex)
          return op === 'read' ? this.reads.serve(client, request, committedIndex) : this.write(client, request);
        if (this.p.replication === 'semi-sync' && this.replication.liveFollowers() < this.p.acks)
          return this.refuse(client, request, 'no-quorum');
      }
      // Just promoted: held until a majority has answered its heartbeats (or, as above, its first entry is replicated). Otherwise it
      // has stepped down and answers as a follower.
      if (this.role === LEADER) {
        this.held.push({ client, request });
        return;
      }
    }
    if (this.reads.passesOn(request) && !forwarded && this.leader !== -1) {
      const forward: Forward = { kind: 'lf-forward', epoch: this.disk.epoch, client, request };
      this.ctx.send(this.leader, forward, MESSAGE_HEADER_BYTES);
      return;
    }
    this.refuse(client, request, 'not-leader');
  }

  private onForward(message: Forward): void {
    if (message.epoch > this.disk.epoch && this.role === LEADER) this.stepDown(message.epoch, -1);
    if (!this.copies.isCopy(message.client, message.request.id)) this.onRequest(message.client, message.request, true);
  }

  private write(client: NodeId, request: StoreRequest): void {
    const now = this.ctx.nowUs;
    if (this.p.replication === 'semi-sync' && this.replication.liveFollowers() < this.p.acks)
      return this.refuse(client, request, 'no-quorum');
    if (request.op === 'cas' && (this.registers.values.get(request.key) ?? null) !== (request.expected ?? null))
      return this.refuse(client, request, 'cas-mismatch');
    this.p.metrics.recordArrival(false, now);
    const log = this.disk.log;
    const index = log.append(this.disk.epoch, request.key, request.value, now, this.registers.indexOf(request.key));
    this.registers.apply(log, index);
    this.replication.written(client, request.id, index, now);
  }

  private refuse(client: NodeId, request: StoreRequest, reason: string): void {
    this.p.metrics.recordRejected(this.ctx.nowUs);
    const response: StoreResponse =
      reason === 'not-leader' && this.leader !== -1 && this.leader !== this.ctx.id
        ? { kind: 'store-response', id: request.id, status: 'failed', reason, leaderHint: this.leader }
        : { kind: 'store-response', id: request.id, status: 'failed', reason };
    this.ctx.send(client, response, MESSAGE_HEADER_BYTES);
  }

  /** Hands what a new leader held back to `onRequest`, which serves it, holds it again or refuses it. */
  private releaseHeld(): void {
    if (this.held.length === 0 || !this.leaseHeld()) return;
    const held = this.held;
    this.held = [];
    for (const h of held) this.onRequest(h.client, h.request, true);
  }

  // ---- leading ------------------------------------------------------------

  private becomeLeader(epoch: number, reachable: readonly number[] | null): void {
    this.cancelSuspect();
    this.disk.epoch = epoch;
    if (this.disk.promised < epoch) this.disk.promised = epoch;
    this.role = LEADER;
    this.leader = this.ctx.id;
    this.leaderSeen = false;
    const local = this.ctx.localTimeUs();
    this.lease.begin(local);
    this.replication.begin(local, reachable);
    this.p.tally.leads(this.ctx.id, this.ctx.nowUs);
    if (epoch > 1) {
      this.p.metrics.countDetail('promotions', this.ctx.nowUs);
      // An entry of its own epoch, as Raft's leaders begin with: a follower holding a longer tail from an older
      // epoch disagrees with it and is cut back, even if no client writes again.
      this.disk.log.append(epoch, NO_KEY, 0, this.ctx.nowUs, 0);
    }
    this.replication.startEpoch(epoch > 1 ? this.disk.log.length : 0);
    this.heartbeat();
  }

  private heartbeat(): void {
    this.heartbeatTimer = -1;
    // A fenced leader whose lease ran out steps down here.
    if (this.role === LEADER) this.leaseHeld();
    if (this.role !== LEADER) return;
    this.replication.heartbeat();
    this.heartbeatTimer = this.ctx.setTimer(this.p.heartbeatInterval, HEARTBEAT);
    // Held reads whose followers are now counted down get their refusal.
    this.releaseHeld();
  }

  private onAck(from: NodeId, ack: AppendAck): void {
    if (this.role !== LEADER) return;
    if (ack.result === 'stale') {
      if (ack.epoch > this.disk.epoch) this.stepDown(ack.epoch, ack.leader);
      return;
    }
    if (ack.epoch !== this.disk.epoch) return;
    const f = this.indexOf.get(from)!;
    this.lease.renew(f, ack.echoLocalUs);
    this.replication.acknowledged(f, ack);
    this.releaseHeld();
  }

  /** Whether the leader may take requests; a fenced leader whose lease is lost steps down. */
  private leaseHeld(): boolean {
    const local = this.ctx.localTimeUs();
    if (this.lease.held(local)) return true;
    if (this.lease.lost(local)) this.stepDown(this.disk.epoch, -1);
    return false;
  }

  private stepDown(epoch: number, leader: NodeId | -1): void {
    if (this.role === LEADER) {
      this.p.tally.stopped(this.ctx.id, this.ctx.nowUs);
      this.p.metrics.countDetail('stepDowns', this.ctx.nowUs);
      if (this.heartbeatTimer !== -1) this.ctx.cancelTimer(this.heartbeatTimer);
      this.heartbeatTimer = -1;
      this.replication.abandonPending();
    }
    this.role = FOLLOWER;
    if (epoch > this.disk.epoch) this.disk.epoch = epoch;
    if (this.disk.promised < this.disk.epoch) this.disk.promised = this.disk.epoch;
    this.leader = leader;
    this.leaderSeen = false;
    this.watchLeader();
    if (this.held.length > 0) {
      for (const h of this.held) this.refuse(h.client, h.request, 'not-leader');
      this.held = [];
    }
  }

  // ---- following ----------------------------------------------------------

  private onAppend(from: NodeId, m: Append): void {
    const log = this.disk.log;
    if (!this.current(m.epoch)) return this.reply(from, m, 'stale', -1, 0);
    if (this.role === LEADER) this.stepDown(m.epoch, from);
    this.role = FOLLOWER;
    this.disk.epoch = m.epoch;
    if (this.disk.promised < m.epoch) this.disk.promised = m.epoch;
    this.leader = from;
    this.leaderSeen = true;
    this.watchLeader();
    if (m.prevIndex > log.length) return this.reply(from, m, 'retry', log.length, 0);
    const conflict = log.epochAt(m.prevIndex);
    if (conflict !== m.prevEpoch) return this.reply(from, m, 'retry', log.firstOfEpochRun(m.prevIndex) - 1, conflict);
    this.accept(m.prevIndex, m.entries);
    this.reply(from, m, 'ok', m.prevIndex + m.entries.epochs.length, 0);
  }

  /** Entries that follow `prevIndex`, where the sender's log agrees with this one: where they disagree after it, the sender's win. */
  private accept(prevIndex: number, entries: LogEntries): void {
    const log = this.disk.log;
    const count = entries.epochs.length;
    for (let k = 0; k < count; k++) {
      const index = prevIndex + 1 + k;
      if (index <= log.length) {
        if (log.epochAt(index) === entries.epochs[k]) continue;
        this.discardFrom(index);
      }
      log.append(
        entries.epochs[k],
        entries.keys[k],
        entries.values[k],
        entries.writtenUs[k],
        this.registers.indexOf(entries.keys[k]),
      );
      this.registers.apply(log, index);
    }
  }

  /**
   * Whether a leader of `epoch` is one to follow: an epoch has one leader, so
   * any not older than its own. With fencing, a promotion round it joined
   * fences off every older epoch: their leaders may get nothing more
   * acknowledged here.
   */
  private current(epoch: number): boolean {
    return epoch >= (this.p.fencing ? this.disk.promised : this.disk.epoch);
  }

  private reply(to: NodeId, m: Append, result: AppendAck['result'], match: number, conflictEpoch: number): void {
    // A stale leader learns the newest epoch this replica knows of, promised or joined.
    const fence = this.p.fencing ? this.disk.promised : this.disk.epoch;
    const ack: AppendAck = {
      kind: 'lf-ack',
      epoch: result === 'stale' ? fence : this.disk.epoch,
      leader: result === 'stale' && fence > this.disk.epoch ? -1 : this.leader,
      result,
      match,
      conflictEpoch,
      batch: m.entries.epochs.length > 0,
      echoLocalUs: m.sentLocalUs,
    };
    this.ctx.send(to, ack, MESSAGE_HEADER_BYTES);
  }

  /** Reconciliation: this log disagrees with the leader's from `index` on, and the leader's wins. */
  private discardFrom(index: number): void {
    const log = this.disk.log;
    const now = this.ctx.nowUs;
    for (let i = index; i <= log.length; i++) this.p.metrics.countDetail('entriesDiscarded', now);
    const acknowledged = log.truncate(index - 1);
    for (let i = 0; i < acknowledged; i++) this.p.metrics.countDetail('acknowledgedWritesDiscarded', now);
    this.registers.rebuild(log);
  }

  // ---- failure detection and promotion --------------------------------------

  /** (Re)starts the wait for the leader's next message. */
  private watchLeader(delayUs = this.p.failureTimeout): void {
    this.cancelSuspect();
    this.suspectTimer = this.ctx.setTimer(delayUs, SUSPECT);
  }

  private cancelSuspect(): void {
    if (this.suspectTimer !== -1) this.ctx.cancelTimer(this.suspectTimer);
    this.suspectTimer = -1;
  }

  private startRound(): void {
    if (this.role === LEADER) return;
    this.leaderSeen = false;
    this.leader = -1;
    this.role = CANDIDATE;
    this.round.start();
    if (this.p.replicas.length === 1) this.decideRound();
    else this.ctx.setTimer(this.p.electionWait, ROUND_OVER, this.round.epoch);
  }

  private onPoll(from: NodeId, m: Poll): void {
    if (this.role === LEADER) this.leaseHeld();
    // One catching up to lead counts as a leader: a promotion has just been decided.
    const leaderAlive =
      this.role === LEADER || this.role === CATCHING_UP || (this.role === FOLLOWER && this.leaderSeen);
    let vote = false;
    if (!leaderAlive) {
      const f = this.indexOf.get(from)!;
      if (!this.p.fencing) vote = true;
      else if (this.role === CANDIDATE && m.epoch <= this.round.epoch) {
        // Two rounds of one epoch: the earlier replica's goes on (either picks the most up-to-date among its voters).
        vote = m.epoch === this.round.epoch && f < this.p.index;
      } else vote = m.epoch > this.disk.promised || (m.epoch === this.disk.promised && this.disk.votedFor === from);
      if (vote) {
        if (this.p.fencing) {
          this.disk.promised = m.epoch;
          this.disk.votedFor = from;
          if (this.role === CANDIDATE) this.role = FOLLOWER;
        }
        this.watchLeader();
      }
    }
    const reply: PollReply = {
      kind: 'lf-poll-reply',
      epoch: m.epoch,
      vote,
      leaderAlive,
      currentEpoch: this.disk.epoch,
      promised: this.disk.promised,
      lastEpoch: this.disk.log.lastEpoch(),
      length: this.disk.log.length,
    };
    this.ctx.send(from, reply, MESSAGE_HEADER_BYTES);
  }

  private onPollReply(from: NodeId, m: PollReply): void {
    if (this.role !== CANDIDATE || m.epoch !== this.round.epoch) return;
    const f = this.indexOf.get(from)!;
    if (this.round.hasReplied(f)) return;
    if (m.leaderAlive) return this.abandonRound(true);
    if (this.round.record(f, m)) this.decideRound();
  }

  private decideRound(): void {
    const round = this.round;
    if (!round.decide()) return this.abandonRound(false);
    const { winner, winnerEpoch: epoch, reachable, source } = round;
    if (this.p.fencing) {
      // Its own promise: no other round of this epoch gets its vote, and older leaders are fenced off.
      this.disk.promised = epoch;
      this.disk.votedFor = this.ids[winner];
    }
    if (winner === this.p.index) return this.takeOver(epoch, reachable, source);
    const promote: Promote = { kind: 'lf-promote', epoch, reachable, source };
    this.ctx.send(this.ids[winner], promote, MESSAGE_HEADER_BYTES);
    this.role = FOLLOWER;
    this.watchLeader();
  }

  /**
   * A replica that still hears a leader ends the round: wait a whole failure
   * timeout again. A round short of votes (a minority side, or candidates
   * splitting the votes) is tried again soon, at a random delay so that
   * colliding candidates stop colliding.
   */
  private abandonRound(leaderAlive: boolean): void {
    this.role = FOLLOWER;
    const wait = this.p.electionWait;
    this.watchLeader((leaderAlive ? this.p.failureTimeout : wait) + this.electing.int(wait + 1));
  }

  private onPromote(m: Promote): void {
    const fresh = m.epoch > this.disk.epoch && (!this.p.fencing || m.epoch >= this.disk.promised);
    if (fresh && this.role !== LEADER) this.takeOver(m.epoch, m.reachable, m.source);
  }

  /** Leads `epoch`, once it has the log of `source` (a voter ahead of it; -1: none). */
  private takeOver(epoch: number, reachable: readonly number[], source: number): void {
    if (source === -1) return this.becomeLeader(epoch, reachable);
    this.cancelSuspect();
    this.role = CATCHING_UP;
    this.leader = -1;
    this.catchUp.begin(epoch, reachable, source);
  }

  private onFetchReply(m: FetchReply): void {
    if (this.role !== CATCHING_UP || !this.catchUp.answers(m)) return;
    // Where the logs disagree, ask again from before this replica's run of that epoch (index 0 always agrees).
    if (!m.agree) return this.catchUp.fetch(this.disk.log.firstOfEpochRun(m.prevIndex) - 1);
    this.accept(m.prevIndex, m.entries);
    if (m.more) return this.catchUp.fetch(m.prevIndex + m.entries.epochs.length);
    this.catchUp.finish();
    this.becomeLeader(this.catchUp.epoch, this.catchUp.reachable);
  }
}
