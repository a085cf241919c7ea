import { z } from 'zod';
import type { NodeContext, NodeId, RandomStream, TimerHandle } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { positiveDurationUs } from '../kit/units.js';
import type { InspectableReplica, InspectedState } from '../kit/inspect-contract.js';
import {
  RAFT_ENTRY_BYTES,
  RAFT_HEADER_BYTES,
  type AppendEntries,
  type AppendReply,
  type RaftCommand,
  type RaftEntry,
  type RaftMessage,
  type RequestVote,
  type Vote,
} from './raft-messages.js';
import { RegisterMachine } from './raft-state-machine.js';
import { RequestCopies } from './request-copies.js';
import type { StoreRequest, StoreResponse, StoreStatus } from './store-messages.js';

export const RAFT_READS = ['read-index', 'lease', 'log'] as const;
export type RaftReads = (typeof RAFT_READS)[number];
/** A pre-candidate asks whether it could win before it starts an election (pre-vote). */
export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** The settings as the scenario gives them, durations in microseconds. */
export type RaftSettings = z.output<typeof raftParams>;

/** What a member knows of its cluster besides the settings: membership is static. */
export interface RaftMembership {
  /** Every member's node name, in the component's order. */
  members: readonly string[];
  metrics: ComponentMetrics | null;
}

/** Raft's persistent state, in `ctx.durable`: it is written before any message that depends on it is sent. */
export interface RaftDisk {
  term: number;
  votedFor: NodeId | -1;
  log: RaftEntry[];
}

const STICKY_OVER = 1;
const ELECTION = 2;
const HEARTBEAT = 3;
const CHECK_QUORUM = 4;
const WRITE_DEADLINE = 5;
const READ_DEADLINE = 6;

/** Entries per AppendEntries, so a lagging follower catches up in batches. */
const MAX_BATCH = 64;
const NO_ENTRIES: readonly RaftEntry[] = [];
const RESPONSE_BYTES = 32;

interface PendingWrite {
  index: number;
  entry: RaftEntry;
  client: NodeId;
  request: StoreRequest;
  arrivedUs: number;
  timer: TimerHandle;
}

interface PendingRead {
  client: NodeId;
  request: StoreRequest;
  arrivedUs: number;
  /** The commit index when the read was taken up; -1 until the leader has committed an entry of its own term. */
  readIndex: number;
  /** The heartbeat round a majority must acknowledge before the read is served. */
  round: number;
  timer: TimerHandle;
}

/**
 * One Raft member serving a key-value store of registers (read, write, cas).
 * Elections use randomized timeouts on the node's clock and the log
 * up-to-date check; AppendEntries carries the consistency check, conflict
 * truncation and the commit index; the leader commits an index once a
 * majority holds it and it is of the current term (§5.4.2), and every member
 * applies committed entries in order. Term, vote and log live in
 * `ctx.durable`; commit index and state machine are rebuilt after a restart.
 *
 * Clients get an answer only from the leader: followers refuse with a hint.
 * A write that is not committed within `requestTimeout` is answered
 * `unknown`, never `failed`, since a later leader may still commit it.
 * Pre-vote (thesis §9.6) and check-quorum (§6.2) can each be switched off.
 */
export class RaftNode implements InspectableReplica {
  private state: RaftRole = 'follower';
  private leaderId: NodeId | -1 = -1;
  private commit = 0;
  private lastApplied = 0;
  private readonly machine = new RegisterMachine();
  private readonly copies: RequestCopies;
  private readonly disk: RaftDisk;
  private readonly timing: RandomStream;
  private members: NodeId[] = [];
  private readonly majority: number;

  private electionTimer: TimerHandle | -1 = -1;
  private electionDelayUs = 0;
  /**
   * Heard from a leader (or restarted) less than the minimum election timeout
   * ago: requests to vote in a newer term are ignored (Raft thesis §4.2.3), so
   * no new leader is elected while the old one's lease may run. A restart
   * counts, since the node may have acknowledged a lease just before it crashed.
   */
  private sticky = false;
  private readonly votes: Uint8Array;
  private voteCount = 0;

  // Leader state, per member.
  private readonly nextIndex: Float64Array;
  private readonly matchIndex: Float64Array;
  /** 1 while the leader is looking for where the follower's log matches: new entries wait for its reply or the next heartbeat. */
  private readonly probing: Uint8Array;
  private readonly ackedRound: Float64Array;
  private readonly ackedSentLocalUs: Float64Array;
  /** Answered since the last quorum check. */
  private readonly heard: Uint8Array;
  private readonly sorted: Float64Array;
  private round = 0;
  private heartbeatTimer: TimerHandle | -1 = -1;
  private checkTimer: TimerHandle | -1 = -1;
  /** Writes (and log reads) waiting for their entry to be applied, by log index. */
  private readonly writes = new Map<number, PendingWrite>();
  private readonly reads: PendingRead[] = [];

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: RaftSettings,
    private readonly membership: RaftMembership,
    /** This node's position in `membership.members`. */
    private readonly self: number,
  ) {
    const n = membership.members.length;
    this.majority = (n >> 1) + 1;
    this.votes = new Uint8Array(n);
    this.nextIndex = new Float64Array(n);
    this.matchIndex = new Float64Array(n);
    this.probing = new Uint8Array(n);
    this.ackedRound = new Float64Array(n);
    this.ackedSentLocalUs = new Float64Array(n);
    this.heard = new Uint8Array(n);
    this.sorted = new Float64Array(n);
    const durable = ctx.durable as { raft?: RaftDisk };
    this.disk = durable.raft ??= { term: 0, votedFor: -1, log: [] };
    this.copies = new RequestCopies(ctx.durable);
    this.timing = ctx.random('election');
  }

  get role(): RaftRole {
    return this.state;
  }

  get term(): number {
    return this.disk.term;
  }

  /** The log, index i at position i - 1. */
  get log(): readonly RaftEntry[] {
    return this.disk.log;
  }

  get commitIndex(): number {
    return this.commit;
  }

  /** The leader this node follows (itself when leading), or -1. */
  get leader(): NodeId | -1 {
    return this.leaderId;
  }

  localValues(): ReadonlyMap<number, number> {
    return this.machine.values;
  }

  /** For measurement: the values of every write and cas in this node's log, committed or not (ReplicaView). */
  retainedWrites(): number[] {
    const out: number[] = [];
    for (const entry of this.disk.log) if (entry.command === 'write' || entry.command === 'cas') out.push(entry.value);
    return out;
  }

  /**
   * Role, term and vote; the log's length and last term against the commit
   * and apply positions; a leader's view of each member's log (`matchIndex`,
   * by member name) and, with lease reads, when its lease ends on its clock.
   */
  inspect(): InspectedState {
    const leading = this.state === 'leader';
    const campaigning = this.state === 'candidate' || this.state === 'pre-candidate';
    const leaseEnd = leading && this.settings.reads === 'lease' ? this.leaseEndLocalUs() : null;
    const log = this.disk.log;
    const matchIndex = leading
      ? Object.fromEntries(
          this.membership.members.map((name, i) => [name, i === this.self ? log.length : this.matchIndex[i]]),
        )
      : null;
    return {
      role: this.state,
      term: this.disk.term,
      votedFor: this.memberName(this.disk.votedFor),
      leader: this.memberName(this.leaderId),
      votesReceived: campaigning ? this.voteCount : null,
      ignoresVotes: this.sticky,
      logLength: log.length,
      lastLogTerm: this.termAt(log.length),
      commitIndex: this.commit,
      lastApplied: this.lastApplied,
      committedInTerm: this.committedInTerm(),
      matchIndex,
      heartbeatRound: leading ? this.round : null,
      confirmedRound: leading ? this.confirmedRound() : null,
      leaseUntilLocalUs: leaseEnd === null || leaseEnd === -Infinity ? null : leaseEnd,
      leaseHeld: leaseEnd === null ? null : this.ctx.localTimeUs() < leaseEnd,
      pendingWrites: this.writes.size,
      pendingReads: this.reads.length,
      keysApplied: this.machine.values.size,
    };
  }

  private memberName(id: NodeId | -1): string | null {
    const i = id === -1 ? -1 : this.members.indexOf(id);
    return i === -1 ? null : this.membership.members[i];
  }

  onStart(): void {
    this.members = this.membership.members.map((name) => this.ctx.lookup(name));
    this.armElection(true);
  }

  onMessage(from: NodeId, message: RaftMessage | StoreRequest): void {
    switch (message.kind) {
      case 'store-request':
        return this.copies.isCopy(from, message.id) ? undefined : this.onClientRequest(from, message);
      case 'raft-request-vote':
        return this.onRequestVote(from, message);
      case 'raft-vote':
        return this.onVote(from, message);
      case 'raft-append':
        return this.onAppend(from, message);
      case 'raft-append-reply':
        return this.onAppendReply(from, message);
    }
  }

  onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case STICKY_OVER:
        this.sticky = false;
        this.electionTimer = this.ctx.setTimer(this.electionDelayUs - this.settings.electionTimeout.min, ELECTION);
        return;
      case ELECTION:
        this.electionTimer = -1;
        return this.settings.preVote ? this.startPreVote() : this.startElection();
      case HEARTBEAT:
        this.heartbeatTimer = this.ctx.setTimer(this.settings.heartbeatInterval, HEARTBEAT);
        return this.broadcast();
      case CHECK_QUORUM:
        this.checkTimer = -1;
        return this.checkQuorum();
      case WRITE_DEADLINE: {
        const write = data as PendingWrite;
        this.writes.delete(write.index);
        return this.respond(write.client, write.request.id, 'unknown', 'timeout');
      }
      case READ_DEADLINE: {
        const read = data as PendingRead;
        this.reads.splice(this.reads.indexOf(read), 1);
        return this.refuse(read.client, read.request, 'timeout');
      }
    }
  }

  // ---- elections -------------------------------------------------------------

  /** (Re)starts the election timeout; `sticky` first waits out the minimum, ignoring newer-term votes meanwhile. */
  private armElection(sticky: boolean): void {
    if (this.electionTimer !== -1) this.ctx.cancelTimer(this.electionTimer);
    const { min, max } = this.settings.electionTimeout;
    this.electionDelayUs = min + this.timing.nextDouble() * (max - min);
    this.sticky = sticky;
    this.electionTimer = sticky
      ? this.ctx.setTimer(min, STICKY_OVER)
      : this.ctx.setTimer(this.electionDelayUs, ELECTION);
  }

  /**
   * Asks first whether a majority would vote in the next term, so a node
   * that cannot win (cut off on a minority side) does not raise its term and
   * depose a working leader when it comes back.
   */
  private startPreVote(): void {
    this.state = 'pre-candidate';
    this.leaderId = -1;
    this.campaign(true, this.disk.term + 1);
  }

  private startElection(): void {
    const disk = this.disk;
    disk.term++;
    disk.votedFor = this.ctx.id;
    this.state = 'candidate';
    this.leaderId = -1;
    this.membership.metrics?.countDetail('elections', this.ctx.nowUs);
    this.campaign(false, disk.term);
  }

  private campaign(preVote: boolean, term: number): void {
    this.votes.fill(0);
    this.votes[this.self] = 1;
    this.voteCount = 1;
    if (this.voteCount >= this.majority) return this.won();
    const lastLogIndex = this.disk.log.length;
    const request: RequestVote = {
      kind: 'raft-request-vote',
      preVote,
      term,
      lastLogIndex,
      lastLogTerm: this.termAt(lastLogIndex),
    };
    for (let i = 0; i < this.members.length; i++)
      if (i !== this.self) this.ctx.send(this.members[i], request, RAFT_HEADER_BYTES);
    this.armElection(false);
  }

  private won(): void {
    if (this.state === 'pre-candidate') this.startElection();
    else this.becomeLeader();
  }

  private onRequestVote(from: NodeId, request: RequestVote): void {
    const disk = this.disk;
    const lastIndex = disk.log.length;
    const lastTerm = this.termAt(lastIndex);
    const upToDate =
      request.lastLogTerm > lastTerm || (request.lastLogTerm === lastTerm && request.lastLogIndex >= lastIndex);
    if (request.preVote) {
      // Nothing changes here: the answer is what a real request would get, had the leader gone quiet.
      const granted = request.term > disk.term && !this.sticky && this.state !== 'leader' && upToDate;
      const vote: Vote = { kind: 'raft-vote', preVote: true, term: granted ? request.term : disk.term, granted };
      return this.ctx.send(from, vote, RAFT_HEADER_BYTES);
    }
    if (this.sticky && request.term > disk.term) return;
    this.observeTerm(request.term);
    const granted = request.term === disk.term && (disk.votedFor === -1 || disk.votedFor === from) && upToDate;
    if (granted) {
      disk.votedFor = from;
      this.armElection(this.sticky);
    }
    const vote: Vote = { kind: 'raft-vote', preVote: false, term: disk.term, granted };
    this.ctx.send(from, vote, RAFT_HEADER_BYTES);
  }

  private onVote(from: NodeId, vote: Vote): void {
    // A refusal carries the voter's term, worth adopting only while the campaign it answers runs: a late one
    // would move a follower that has since found its leader to a term that leader does not have, and depose it.
    if (!vote.granted) {
      if (this.state === 'pre-candidate' || this.state === 'candidate') this.observeTerm(vote.term);
      return;
    }
    const campaigning = vote.preVote
      ? this.state === 'pre-candidate' && vote.term === this.disk.term + 1
      : this.state === 'candidate' && vote.term === this.disk.term;
    if (!campaigning) return;
    const member = this.members.indexOf(from);
    // The network may duplicate a vote.
    if (member < 0 || this.votes[member] === 1) return;
    this.votes[member] = 1;
    if (++this.voteCount >= this.majority) this.won();
  }

  /** A newer term: adopt it, with no vote cast and no leader known yet. */
  private observeTerm(term: number): void {
    if (term <= this.disk.term) return;
    this.disk.term = term;
    this.disk.votedFor = -1;
    this.leaderId = -1;
    if (this.state !== 'follower') this.stepDown();
  }

  private stepDown(): void {
    const wasLeader = this.state === 'leader';
    this.state = 'follower';
    // A candidate's or pre-candidate's election timeout keeps running.
    if (!wasLeader) return;
    if (this.heartbeatTimer !== -1) this.ctx.cancelTimer(this.heartbeatTimer);
    if (this.checkTimer !== -1) this.ctx.cancelTimer(this.checkTimer);
    this.heartbeatTimer = this.checkTimer = -1;
    // Reads changed nothing, so they can be refused; writes wait: a later leader may still commit them.
    for (const read of this.reads) {
      this.ctx.cancelTimer(read.timer);
      this.refuse(read.client, read.request, 'not-leader');
    }
    this.reads.length = 0;
    this.armElection(false);
  }

  private becomeLeader(): void {
    this.state = 'leader';
    this.leaderId = this.ctx.id;
    if (this.electionTimer !== -1) this.ctx.cancelTimer(this.electionTimer);
    this.electionTimer = -1;
    this.sticky = false;
    const log = this.disk.log;
    this.nextIndex.fill(log.length + 1);
    this.matchIndex.fill(0);
    this.probing.fill(1);
    this.ackedRound.fill(0);
    this.ackedSentLocalUs.fill(-Infinity);
    this.heard.fill(0);
    // Committing an entry of its own term is how a new leader learns what is committed (§8).
    log.push({ term: this.disk.term, command: 'noop', key: 0, value: 0, expected: null, client: -1, requestId: -1 });
    this.broadcast();
    this.heartbeatTimer = this.ctx.setTimer(this.settings.heartbeatInterval, HEARTBEAT);
    if (this.settings.checkQuorum) this.checkTimer = this.ctx.setTimer(this.settings.electionTimeout.min, CHECK_QUORUM);
    this.advanceCommit();
  }

  /** A leader that has not heard from a majority for a whole election timeout may have been replaced: it steps down. */
  private checkQuorum(): void {
    let heard = 1;
    for (let i = 0; i < this.heard.length; i++) if (i !== this.self) heard += this.heard[i];
    this.heard.fill(0);
    if (heard >= this.majority) {
      this.checkTimer = this.ctx.setTimer(this.settings.electionTimeout.min, CHECK_QUORUM);
      return;
    }
    this.leaderId = -1;
    this.stepDown();
  }

  // ---- replication -----------------------------------------------------------

  private termAt(index: number): number {
    return index === 0 ? 0 : this.disk.log[index - 1].term;
  }

  /** A heartbeat round: every follower gets what it is missing (or nothing), numbered with a new round. */
  private broadcast(): void {
    this.round++;
    for (let i = 0; i < this.members.length; i++) if (i !== this.self) this.sendAppend(i);
  }

  /** New entries go at once to followers known to be in step; the ones being probed get them with the next reply or heartbeat. */
  private replicate(): void {
    for (let i = 0; i < this.members.length; i++) if (i !== this.self && this.probing[i] === 0) this.sendAppend(i);
    this.advanceCommit();
  }

  private sendAppend(member: number): void {
    const log = this.disk.log;
    const prev = this.nextIndex[member] - 1;
    const end = Math.min(log.length, prev + MAX_BATCH);
    const entries = end > prev ? log.slice(prev, end) : NO_ENTRIES;
    // Optimistically: the next message carries what follows; a failure reply moves it back.
    this.nextIndex[member] = end + 1;
    this.sendAppendMessage(member, prev, entries);
  }

  private sendAppendMessage(member: number, prevLogIndex: number, entries: readonly RaftEntry[]): void {
    const message: AppendEntries = {
      kind: 'raft-append',
      term: this.disk.term,
      prevLogIndex,
      prevLogTerm: this.termAt(prevLogIndex),
      entries,
      leaderCommit: this.commit,
      round: this.round,
      sentLocalUs: this.ctx.localTimeUs(),
    };
    this.ctx.send(this.members[member], message, RAFT_HEADER_BYTES + RAFT_ENTRY_BYTES * entries.length);
  }

  private onAppend(from: NodeId, append: AppendEntries): void {
    const disk = this.disk;
    if (append.term < disk.term) return this.replyAppend(from, append, false, 0, 0);
    this.observeTerm(append.term);
    // A (pre-)candidate that hears from its term's leader.
    if (this.state !== 'follower') this.stepDown();
    this.leaderId = from;
    this.armElection(true);
    const log = disk.log;
    const prev = append.prevLogIndex;
    if (prev > log.length) return this.replyAppend(from, append, false, 0, log.length + 1);
    const prevTerm = this.termAt(prev);
    if (prevTerm !== append.prevLogTerm) {
      // Skip the whole conflicting term at once instead of one index per round trip.
      let retry = prev;
      while (retry > 1 && this.termAt(retry - 1) === prevTerm) retry--;
      return this.replyAppend(from, append, false, 0, retry);
    }
    const entries = append.entries;
    let k = 0;
    for (; k < entries.length; k++) {
      const index = prev + 1 + k;
      if (index > log.length) break;
      if (log[index - 1].term !== entries[k].term) {
        // A conflict: this entry and all that follow it were never committed (log matching), so they go.
        log.length = index - 1;
        break;
      }
    }
    for (; k < entries.length; k++) log.push(entries[k]);
    // Only what this message covers is known to match the leader; a longer tail may be stale.
    const match = prev + entries.length;
    const leaderCommit = Math.min(append.leaderCommit, match);
    if (leaderCommit > this.commit) {
      this.commit = leaderCommit;
      this.applyCommitted();
    }
    this.replyAppend(from, append, true, match, 0);
  }

  private replyAppend(
    to: NodeId,
    append: AppendEntries,
    success: boolean,
    matchIndex: number,
    retryIndex: number,
  ): void {
    const reply: AppendReply = {
      kind: 'raft-append-reply',
      term: this.disk.term,
      success,
      matchIndex,
      retryIndex,
      round: append.round,
      sentLocalUs: append.sentLocalUs,
    };
    this.ctx.send(to, reply, RAFT_HEADER_BYTES);
  }

  private onAppendReply(from: NodeId, reply: AppendReply): void {
    if (reply.term > this.disk.term) return this.observeTerm(reply.term);
    if (this.state !== 'leader' || reply.term !== this.disk.term) return;
    const member = this.members.indexOf(from);
    if (member < 0) return;
    // Any reply in this term, success or not, shows the follower still takes this node as its leader.
    this.heard[member] = 1;
    if (reply.round > this.ackedRound[member]) this.ackedRound[member] = reply.round;
    if (reply.sentLocalUs > this.ackedSentLocalUs[member]) this.ackedSentLocalUs[member] = reply.sentLocalUs;
    if (reply.success) {
      if (reply.matchIndex > this.matchIndex[member]) this.matchIndex[member] = reply.matchIndex;
      const match = this.matchIndex[member];
      if (this.nextIndex[member] <= match) this.nextIndex[member] = match + 1;
      if (this.nextIndex[member] === match + 1) this.probing[member] = 0;
      this.advanceCommit();
      if (this.nextIndex[member] <= this.disk.log.length) this.sendAppend(member);
    } else {
      this.nextIndex[member] = Math.max(
        this.matchIndex[member] + 1,
        Math.min(this.nextIndex[member], reply.retryIndex),
      );
      this.probing[member] = 1;
      this.sendAppend(member);
    }
    this.serveReads();
  }

  /** The highest index a majority holds, committed if it is of the current term (§5.4.2: older terms commit only under it). */
  private advanceCommit(): void {
    const sorted = this.sorted;
    for (let i = 0; i < sorted.length; i++) sorted[i] = i === this.self ? this.disk.log.length : this.matchIndex[i];
    sorted.sort();
    const index = sorted[sorted.length - this.majority];
    if (index > this.commit && this.termAt(index) === this.disk.term) {
      this.commit = index;
      this.applyCommitted();
    }
  }

  private applyCommitted(): void {
    const log = this.disk.log;
    while (this.lastApplied < this.commit) {
      const index = ++this.lastApplied;
      const entry = log[index - 1];
      const applied = this.machine.apply(entry);
      if (this.writes.size === 0) continue;
      const write = this.writes.get(index);
      if (write === undefined) continue;
      this.writes.delete(index);
      this.ctx.cancelTimer(write.timer);
      if (write.entry !== entry) {
        // Another entry is committed at its index, and an entry only ever sits at one index: it never will be.
        this.respond(write.client, write.request.id, 'failed', 'superseded');
      } else {
        this.membership.metrics?.recordServed(write.arrivedUs, this.ctx.nowUs);
        this.answer(write.client, write.request.id, entry.command, applied, this.machine.found, index);
      }
    }
  }

  private answer(
    client: NodeId,
    id: number,
    command: RaftCommand,
    applied: boolean,
    found: number | null,
    index: number,
  ): void {
    if (!applied) this.respond(client, id, 'failed', 'cas-mismatch');
    else this.respond(client, id, 'ok', undefined, command === 'read' ? found : undefined, index);
  }

  // ---- clients ---------------------------------------------------------------

  private onClientRequest(from: NodeId, request: StoreRequest): void {
    const now = this.ctx.nowUs;
    this.membership.metrics?.recordArrival(false, now);
    if (this.state !== 'leader') return this.refuse(from, request, 'not-leader');
    const op = request.op;
    if (op !== 'read' && op !== 'write' && op !== 'cas') return this.refuse(from, request, 'unsupported');
    if (op === 'read' && this.settings.reads !== 'log') return this.read(from, request, now);
    const earlier = this.machine.outcomeOf(from, request.id);
    if (earlier !== undefined)
      return this.answer(from, request.id, op, earlier.applied, earlier.found, this.lastApplied);
    // A copy of a request already in the log is answered when that entry is applied.
    for (const write of this.writes.values())
      if (write.client === from && write.request.id === request.id && write.entry.term === this.disk.term) return;
    const log = this.disk.log;
    const entry: RaftEntry = {
      term: this.disk.term,
      command: op,
      key: request.key,
      value: request.value,
      expected: request.expected ?? null,
      client: from,
      requestId: request.id,
    };
    log.push(entry);
    const write: PendingWrite = { index: log.length, entry, client: from, request, arrivedUs: now, timer: -1 };
    write.timer = this.ctx.setTimer(this.settings.requestTimeout, WRITE_DEADLINE, write);
    const displaced = this.writes.get(write.index);
    if (displaced !== undefined) {
      // From an earlier term of this node's leadership, truncated since: another leader may still commit it elsewhere.
      this.ctx.cancelTimer(displaced.timer);
      this.respond(displaced.client, displaced.request.id, 'unknown', 'leader-changed');
    }
    this.writes.set(write.index, write);
    this.replicate();
  }

  private read(client: NodeId, request: StoreRequest, arrivedUs: number): void {
    if (this.settings.reads === 'lease' && this.committedInTerm() && this.leaseHolds())
      return this.serveRead(client, request, arrivedUs);
    const read: PendingRead = { client, request, arrivedUs, readIndex: -1, round: 0, timer: -1 };
    read.timer = this.ctx.setTimer(this.settings.requestTimeout, READ_DEADLINE, read);
    this.reads.push(read);
    this.serveReads();
  }

  /**
   * Read index: a read is served once a majority has acknowledged a round
   * sent after it arrived (so this node still led when it arrived) and the
   * state machine has applied the commit index of that moment.
   */
  private serveReads(): void {
    const reads = this.reads;
    if (reads.length === 0 || !this.committedInTerm()) return;
    let round = -1;
    for (const read of reads) {
      if (read.readIndex !== -1) continue;
      if (round === -1) round = this.confirmLeadership();
      read.readIndex = this.commit;
      read.round = round;
    }
    const confirmed = this.confirmedRound();
    let kept = 0;
    for (const read of reads) {
      if (read.round <= confirmed && read.readIndex <= this.lastApplied) {
        this.ctx.cancelTimer(read.timer);
        this.serveRead(read.client, read.request, read.arrivedUs);
      } else {
        reads[kept++] = read;
      }
    }
    reads.length = kept;
  }

  /** A new round of empty heartbeats, each at an index the follower is known to hold, so it cannot fail on a log gap. */
  private confirmLeadership(): number {
    this.round++;
    for (let i = 0; i < this.members.length; i++)
      if (i !== this.self) this.sendAppendMessage(i, this.matchIndex[i], NO_ENTRIES);
    return this.round;
  }

  /** The highest round a majority (this node included) has acknowledged. */
  private confirmedRound(): number {
    const sorted = this.sorted;
    for (let i = 0; i < sorted.length; i++) sorted[i] = i === this.self ? this.round : this.ackedRound[i];
    sorted.sort();
    return sorted[sorted.length - this.majority];
  }

  /**
   * The lease runs from the send time of the latest heartbeat a majority
   * acknowledged, on this node's clock. Followers that acknowledged it vote
   * for no one until a minimum election timeout later on theirs, so while
   * clocks keep their rates within the margin, no other leader can exist yet.
   */
  private leaseHolds(): boolean {
    return this.ctx.localTimeUs() < this.leaseEndLocalUs();
  }

  /** When the lease ends on this node's clock; -Infinity before a majority has acknowledged a heartbeat. */
  private leaseEndLocalUs(): number {
    const sorted = this.sorted;
    for (let i = 0; i < sorted.length; i++) sorted[i] = i === this.self ? Infinity : this.ackedSentLocalUs[i];
    sorted.sort();
    return sorted[sorted.length - this.majority] + this.settings.lease;
  }

  /** Until it has committed an entry of its term, a new leader does not know the commit index. */
  private committedInTerm(): boolean {
    return this.termAt(this.commit) === this.disk.term;
  }

  private serveRead(client: NodeId, request: StoreRequest, arrivedUs: number): void {
    this.membership.metrics?.recordServed(arrivedUs, this.ctx.nowUs);
    this.respond(client, request.id, 'ok', undefined, this.machine.read(request.key), this.lastApplied);
  }

  /** Definitely not done: a follower's refusal (with the leader it knows of), or a read that never got confirmed. */
  private refuse(client: NodeId, request: StoreRequest, reason: string): void {
    this.membership.metrics?.recordRejected(this.ctx.nowUs);
    const hint = this.leaderId !== -1 && this.leaderId !== this.ctx.id ? this.leaderId : undefined;
    this.respond(client, request.id, 'failed', reason, undefined, undefined, hint);
  }

  private respond(
    client: NodeId,
    id: number,
    status: StoreStatus,
    reason?: string,
    value?: number | null,
    version?: number,
    leaderHint?: NodeId,
  ): void {
    const response: StoreResponse = { kind: 'store-response', id, status, reason, value, version, leaderHint };
    this.ctx.send(client, response, RESPONSE_BYTES);
  }
}

const raftParams = z
  .strictObject({
    electionTimeout: z
      .strictObject({
        min: positiveDurationUs.describe('Shortest election timeout.'),
        max: positiveDurationUs.describe('Longest election timeout.'),
      })
      .refine((t) => t.max >= t.min, { path: ['max'], error: 'max must be at least min' })
      .default({ min: 150_000, max: 300_000 })
      .describe(
        'A follower that hears from no leader for a time drawn uniformly from [min, max], on its own clock, starts an election; randomizing it makes split votes rare (default 150ms to 300ms).',
      ),
    heartbeatInterval: positiveDurationUs
      .default(50_000)
      .describe('How often a leader sends AppendEntries to every follower, with or without entries (default 50ms).'),
    reads: z
      .enum(RAFT_READS)
      .default('read-index')
      .describe(
        'How reads stay linearizable. read-index: the leader confirms it still leads with a round of heartbeats and serves once it has applied its commit index of that moment. lease: the leader serves at once while a majority acknowledged a heartbeat sent less than `lease` ago by its own clock, which is safe only while that clock runs slow (or steps back) by less than the margin to the election timeout. log: reads are appended and committed like writes.',
      ),
    lease: positiveDurationUs
      .default(100_000)
      .describe(
        'reads: lease: how long after sending a heartbeat a majority acknowledged the leader serves reads alone; must be under electionTimeout.min, by a margin covering clock drift (default 100ms).',
      ),
    checkQuorum: z
      .boolean()
      .default(true)
      .describe(
        'A leader that hears from no majority for a minimum election timeout steps down, so clients on a minority side are refused at once instead of waiting out their timeouts.',
      ),
    preVote: z
      .boolean()
      .default(true)
      .describe(
        'Before an election, ask whether a majority would vote (pre-vote): a node cut off on a minority side then keeps its term, and does not depose the leader when the partition heals.',
      ),
    requestTimeout: positiveDurationUs
      .default(500_000)
      .describe(
        'How long the leader holds an operation: a write not committed by then is answered unknown (a later leader may still commit it); a read not confirmed is answered failed (it read nothing). Default 500ms.',
      ),
  })
  .superRefine((p, ctx) => {
    if (p.heartbeatInterval >= p.electionTimeout.min) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatInterval'],
        message: 'must be shorter than electionTimeout.min, or followers start elections between heartbeats',
      });
    }
    if (p.reads === 'lease' && p.lease >= p.electionTimeout.min) {
      ctx.addIssue({
        code: 'custom',
        path: ['lease'],
        message:
          'must be shorter than electionTimeout.min: after that long without a heartbeat, followers may elect a new leader while the old one still serves reads from its lease',
      });
    }
  });

export const raftModel: ModelDefinition<typeof raftParams> = {
  type: 'raft',
  role: 'component',
  description:
    'A Raft-replicated register store (its nodes are the members): randomized elections, log replication, commit on a majority, reads by read index, lease or the log; a minority side refuses service.',
  params: raftParams,
  instantiate(params, ctx) {
    const membership: RaftMembership = { members: ctx.nodeNames, metrics: ctx.componentMetrics(0) };
    return (node) => (nodeCtx) => new RaftNode(nodeCtx, params, membership, node);
  },
};
