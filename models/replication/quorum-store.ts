import { z } from 'zod';
import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
  type TimerHandle,
} from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { StalenessProbes } from '../measure/staleness-probes.js';
import type { InstanceContext, ModelDefinition } from '../kit/model-contract.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import { positiveDurationUs, positiveInt } from '../kit/units.js';
import {
  CONFLICT_RESOLUTIONS,
  resolutionFor,
  type ConflictSink,
  type ReplicatedState,
  type Resolution,
  type Writer,
} from './conflict-resolution.js';
import type { InspectableReplica, InspectedState } from '../kit/inspect-contract.js';
import { PreferenceLists } from './preference-lists.js';
import { RequestCopies } from './request-copies.js';
import type { ReplicaMessage } from './quorum-messages.js';
import { consistencyLevel } from './consistency-levels.js';
import type { ConsistencyLevel, StoreRequest, StoreResponse } from './store-messages.js';
import { MAX_MEMBERS } from './version-vector.js';

/** The store's settings as the scenario gives them, durations in microseconds. */
export type QuorumStoreSettings = z.output<typeof quorumStoreParams>;

/**
 * What every node of one store shares: its settings, the ring, who the
 * members are and where, and the measurement of conflicts.
 */
export class QuorumCluster {
  readonly lists: PreferenceLists;
  readonly resolution: Resolution<ReplicatedState>;
  /** The replica latencies by direction (WRITE, ACK, READ, RESPONSE); null: the network's. */
  readonly replicaLatency: readonly (Distribution | null)[];
  private ids: NodeId[] | null = null;
  private readonly memberOf = new Map<NodeId, number>();
  private regions: string[] = [];
  /** Pairs of concurrent versions already counted: replicas meet the same pair many times, a conflict is counted once (measurement only). */
  private readonly conflictPairs = new Set<string>();

  constructor(
    readonly settings: QuorumStoreSettings,
    readonly memberNames: readonly string[],
    private readonly directory: Pick<InstanceContext, 'nodeId' | 'regionOf'>,
    readonly metrics: ComponentMetrics | null,
    /** Where commits and read starts are reported for staleness probes (measurement only). */
    readonly probes: StalenessProbes | null = null,
  ) {
    if (memberNames.length > MAX_MEMBERS)
      throw new RangeError(`a quorum store has at most ${MAX_MEMBERS} nodes, not ${memberNames.length}`);
    if (settings.replicationFactor > memberNames.length) {
      throw new RangeError(
        `replicationFactor ${settings.replicationFactor} needs at least that many store nodes; the store has ${memberNames.length}`,
      );
    }
    this.lists = new PreferenceLists(memberNames.length, settings.virtualNodes);
    this.resolution = resolutionFor(settings.conflictResolution);
    const latency = settings.replicaLatency;
    this.replicaLatency = [latency?.write, latency?.ack, latency?.read, latency?.response].map((spec) =>
      spec === undefined ? null : distribution(spec),
    );
  }

  get members(): number {
    return this.memberNames.length;
  }

  /** Node ids by member index; resolved at first start, when every node exists. */
  memberIds(): readonly NodeId[] {
    if (this.ids === null) {
      this.ids = this.memberNames.map((name) => this.directory.nodeId(name));
      this.ids.forEach((id, member) => this.memberOf.set(id, member));
      this.regions = this.memberNames.map((name) => this.directory.regionOf(name));
    }
    return this.ids;
  }

  /** The member index of a node, or -1 when it is not in this store (a client). */
  member(id: NodeId): number {
    return this.memberOf.get(id) ?? -1;
  }

  region(member: number): string {
    return this.regions[member];
  }

  noteConcurrent(dotA: number, dotB: number, nowUs: number): void {
    const pair = dotA < dotB ? `${dotA}:${dotB}` : `${dotB}:${dotA}`;
    if (this.conflictPairs.has(pair)) return;
    this.conflictPairs.add(pair);
    this.metrics?.countDetail('conflicts', nowUs);
  }
}

/** What a replica keeps on disk. */
interface QuorumDisk {
  data: Map<number, ReplicatedState>;
  /** Writes to hand to a member that missed them, by target × 2^32 + key. */
  hints: Map<number, Hint>;
  /** Events this node has numbered as a coordinator (write dots, set tags). */
  counter: number;
  /** Its own running totals per counter key, [increments, decrements]. */
  contributions: Map<number, Float64Array>;
  /**
   * Coordinations numbered so far. On disk because replies can outlive a
   * crash: a restarted coordinator must not take a late reply to an old
   * request for one to a new request that reused its number.
   */
  coordinations: number;
}

interface Hint {
  readonly target: number;
  readonly key: number;
  state: ReplicatedState;
  /** Raised at each merge, so an acknowledgement of an older hand-off does not drop newer writes. */
  revision: number;
}

/** Where a request goes: the replicas (or stand-ins) believed up, and how many of them must answer. */
interface Plan {
  targets: number[];
  /** The member each target stands in for under a sloppy quorum, else -1. */
  hintFor: number[];
  /** Whether the target's answer counts toward the level (local-quorum counts only the coordinator's region). */
  counts: boolean[];
  /** Answers the current phase needs. */
  required: number;
  /** Acknowledgements the write phase needs (a linearizable read's write-back included). */
  writeRequired: number;
  /** Replicas believed down, with no stand-in. */
  skipped: number[];
}

interface Coordination extends Plan {
  readonly id: number;
  readonly client: NodeId;
  readonly request: StoreRequest;
  readonly arrivedUs: number;
  /** Read phase (a read, or a remove learning what to remove) or write phase. */
  writing: boolean;
  heard: Uint8Array;
  outstanding: number;
  good: number;
  answered: boolean;
  /** Reads: everything the replies held, merged; and each target's reply, for read repair. */
  merged: ReplicatedState | undefined;
  replies: (ReplicatedState | undefined)[];
  /** Writes: the state replicated. */
  state: ReplicatedState | undefined;
  timer: TimerHandle;
}

const HEARTBEAT = 1;
const TIMEOUT = 2;
const ANTI_ENTROPY = 3;
/** The coordinator's own replica, when replicaLatency is set: the write applied, its ack, the read taken, its reply. */
const SELF_WRITE = 4;
const SELF_ACK = 5;
const SELF_READ = 6;
const SELF_REPLY = 7;

/** Directions of the messages between a coordinator and its replicas (WARS's W, A, R, S), indices into replicaLatency. */
const WRITE = 0;
const ACK = 1;
const READ = 2;
const RESPONSE = 3;

interface SelfWrite {
  readonly id: number;
  readonly key: number;
  readonly state: ReplicatedState;
  readonly hintFor: number;
}
interface SelfRead {
  readonly id: number;
  readonly key: number;
  state: ReplicatedState | undefined;
}
const HINT_KEY_SPACE = 4_294_967_296;
const HEARTBEAT_MESSAGE: ReplicaMessage = { kind: 'qs-heartbeat' };

/**
 * One node of a leaderless (Dynamo-style) replicated store. Any node
 * coordinates the requests it receives: it sends them to the key's N
 * replicas and answers once R replies or W acknowledgements are in. A
 * request is refused up front (`failed`, nothing applied) when fewer
 * replicas than its level needs are believed up; a write that was sent but
 * is short of W at the timeout is `unknown`, since some replicas may have
 * applied it. Heartbeats tell which members are up; read repair, hinted
 * handoff, sloppy quorums and anti-entropy are each switchable.
 */
export class QuorumStoreNode implements InspectableReplica {
  private readonly settings: QuorumStoreSettings;
  private readonly resolution: Resolution<ReplicatedState>;
  private readonly disk: QuorumDisk;
  private ids: readonly NodeId[] = [];
  /** Heartbeat ticks since each member was last heard from. */
  private readonly missed: Int32Array;
  private readonly suspectAfter: number;
  private readonly coordinations = new Map<number, Coordination>();
  /** Per key, everything this node has seen as coordinator (reads it merged, writes it made): what its next write supersedes. */
  private readonly seen = new Map<number, ReplicatedState>();
  /** Hand-offs in flight: hint key → revision and the tick it was sent at. */
  private readonly handoffs = new Map<number, { revision: number; tick: number }>();
  private tick = 0;
  private nextPeer = 0;
  private readonly writer: Writer;
  private readonly copies: RequestCopies;
  private readonly sink: ConflictSink;
  /** Draws the replica latencies; null when the store leaves them to the network. */
  private readonly latencyStream: RandomStream | null;

  constructor(
    private readonly ctx: NodeContext,
    private readonly cluster: QuorumCluster,
    private readonly member: number,
  ) {
    this.settings = cluster.settings;
    this.resolution = cluster.resolution;
    const disk = ctx.durable as Partial<QuorumDisk>;
    disk.data ??= new Map();
    disk.hints ??= new Map();
    disk.counter ??= 0;
    disk.contributions ??= new Map();
    disk.coordinations ??= 0;
    this.disk = disk as QuorumDisk;
    this.copies = new RequestCopies(ctx.durable);
    this.missed = new Int32Array(cluster.members);
    this.suspectAfter = Math.max(1, Math.ceil(this.settings.failureTimeout / this.settings.heartbeatInterval));
    this.writer = {
      member,
      members: cluster.members,
      nextCounter: () => ++this.disk.counter,
      localTimeUs: () => ctx.localTimeUs(),
      stampsAboveSeen: this.settings.linearizable,
      contribution: (key) => {
        let own = this.disk.contributions.get(key);
        if (own === undefined) this.disk.contributions.set(key, (own = new Float64Array(2)));
        return own;
      },
    };
    this.sink = { concurrent: (a, b) => cluster.noteConcurrent(a, b, ctx.nowUs) };
    this.latencyStream = cluster.replicaLatency.some((d) => d !== null) ? ctx.random('replica-latency') : null;
  }

  onStart(): void {
    this.ids = this.cluster.memberIds();
    this.ctx.setTimer(this.settings.heartbeatInterval, HEARTBEAT);
    const interval = this.settings.antiEntropyInterval;
    // A random phase, so the members' rounds do not all fall at once.
    if (interval !== undefined)
      this.ctx.setTimer(Math.round(this.ctx.random('anti-entropy').nextDouble() * interval), ANTI_ENTROPY);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === TIMEOUT) this.timedOut(data as Coordination);
    else if (tag === HEARTBEAT) this.heartbeat();
    else if (tag === ANTI_ENTROPY) this.antiEntropy();
    else if (tag === SELF_WRITE) this.selfApply(data as SelfWrite);
    else if (tag === SELF_ACK) this.acknowledged(this.member, data as number);
    else if (tag === SELF_READ) this.selfTake(data as SelfRead);
    else {
      const read = data as SelfRead;
      this.replied(this.member, read.id, read.state);
    }
  }

  onMessage(from: NodeId, message: StoreRequest | ReplicaMessage): void {
    if (message.kind === 'store-request') {
      if (!this.copies.isCopy(from, message.id)) this.coordinate(from, message);
      return;
    }
    const peer = this.cluster.member(from);
    if (peer < 0) return;
    this.missed[peer] = 0;
    switch (message.kind) {
      case 'qs-heartbeat':
        return;
      case 'qs-write':
        this.apply(message.key, message.state, message.hintFor);
        if (message.id >= 0)
          this.toReplica(from, { kind: 'qs-write-ack', id: message.id } satisfies ReplicaMessage, 64, ACK);
        return;
      case 'qs-write-ack':
        this.acknowledged(peer, message.id);
        return;
      case 'qs-read':
        this.toReplica(
          from,
          { kind: 'qs-read-reply', id: message.id, state: this.disk.data.get(message.key) } satisfies ReplicaMessage,
          128,
          RESPONSE,
        );
        return;
      case 'qs-read-reply':
        this.replied(peer, message.id, message.state);
        return;
      case 'qs-handoff':
        this.apply(message.key, message.state, -1);
        this.ctx.send(
          from,
          { kind: 'qs-handoff-ack', key: message.key, revision: message.revision } satisfies ReplicaMessage,
          64,
        );
        return;
      case 'qs-handoff-ack':
        this.handedOff(peer, message.key, message.revision);
        return;
      case 'qs-digests':
        this.compareDigests(from, peer, message.keys, message.digests);
        return;
      case 'qs-digests-reply':
        for (let i = 0; i < message.keys.length; i++) this.repairFromPeer(message.keys[i], message.states[i]);
        this.push(from, message.want);
        return;
      case 'qs-push':
        for (let i = 0; i < message.keys.length; i++) this.repairFromPeer(message.keys[i], message.states[i]);
        return;
    }
  }

  /**
   * What it holds (keys, hints for members that missed writes, hand-offs in
   * flight), the requests it coordinates (not yet answered, by phase; open
   * includes answered ones still collecting replies for read repair) and the
   * members it believes down.
   */
  inspect(): InspectedState {
    let reading = 0;
    let writing = 0;
    for (const c of this.coordinations.values()) {
      if (c.answered) continue;
      if (c.writing) writing++;
      else reading++;
    }
    const suspected: string[] = [];
    for (let m = 0; m < this.cluster.members; m++) if (!this.isUp(m)) suspected.push(this.cluster.memberNames[m]);
    return {
      keysHeld: this.disk.data.size,
      hintsHeld: this.disk.hints.size,
      handoffsInFlight: this.handoffs.size,
      coordinationsReading: reading,
      coordinationsWriting: writing,
      coordinationsOpen: this.coordinations.size,
      membersSuspected: suspected,
      heartbeatTick: this.tick,
    };
  }

  localValues(): ReadonlyMap<number, number | null | readonly number[]> {
    const out = new Map<number, number | null | readonly number[]>();
    for (const [key, state] of this.disk.data) out.set(key, this.resolution.inspect(state));
    return out;
  }

  // ---- coordinating --------------------------------------------------------------

  private coordinate(client: NodeId, request: StoreRequest): void {
    const now = this.ctx.nowUs;
    this.cluster.metrics?.recordArrival(false, now);
    const resolution = this.resolution;
    const refusal = !resolution.supports(request.op) ? 'unsupported-op' : resolution.refuses(request);
    const plan = refusal ?? this.plan(request);
    if (typeof plan === 'string') {
      this.respond(client, now, { kind: 'store-response', id: request.id, status: 'failed', reason: plan });
      return;
    }
    const c: Coordination = {
      targets: plan.targets,
      hintFor: plan.hintFor,
      counts: plan.counts,
      required: plan.required,
      writeRequired: plan.writeRequired,
      skipped: plan.skipped,
      id: this.disk.coordinations++,
      client,
      request,
      arrivedUs: now,
      writing: false,
      heard: new Uint8Array(plan.targets.length),
      outstanding: plan.targets.length,
      good: 0,
      answered: false,
      merged: undefined,
      replies: [],
      state: undefined,
      timer: -1,
    };
    c.timer = this.ctx.setTimer(this.settings.timeout, TIMEOUT, c);
    this.coordinations.set(c.id, c);
    const probes = this.cluster.probes;
    if (request.op === 'read' && probes !== null && probes.listening) probes.readStarted(client, request.id, now);
    if (request.op === 'read' || resolution.readsFirst(request.op) || this.settings.linearizable) this.startRead(c);
    else this.startWrite(c);
  }

  /**
   * The targets for a request and the answers each phase needs, or why it
   * cannot be served. A linearizable write reads at the store's read level
   * first; a linearizable read writes back at the store's write level.
   */
  private plan(request: StoreRequest): Plan | string {
    const { readConsistency, writeConsistency, linearizable } = this.settings;
    const reading = request.op === 'read';
    const level = request.consistency ?? (reading ? readConsistency : writeConsistency);
    const order = this.cluster.lists.order(request.key);
    const required = this.answersFor(level, order);
    if (typeof required === 'string') return required;
    const writeRequired = !linearizable ? required : this.answersFor(reading ? writeConsistency : level, order);
    if (typeof writeRequired === 'string') return writeRequired;
    const readRequired = linearizable && !reading ? this.answersFor(readConsistency, order) : required;
    if (typeof readRequired === 'string') return readRequired;
    const localOnly = level === 'local-quorum';
    const n = this.settings.replicationFactor;
    const plan: Plan = { targets: [], hintFor: [], counts: [], required: readRequired, writeRequired, skipped: [] };
    let fallback = n;
    for (let i = 0; i < n; i++) {
      const replica = order[i];
      if (this.isUp(replica)) {
        this.addTarget(plan, replica, -1, localOnly);
        continue;
      }
      if (this.settings.sloppyQuorum) {
        while (fallback < order.length && !this.isUp(order[fallback])) fallback++;
        if (fallback < order.length) {
          this.addTarget(plan, order[fallback++], replica, localOnly);
          continue;
        }
      }
      plan.skipped.push(replica);
    }
    let countable = 0;
    for (const counts of plan.counts) if (counts) countable++;
    return countable < Math.max(readRequired, writeRequired) ? 'no-quorum' : plan;
  }

  /** How many of the key's replicas (`order` from the ring) a level needs, or why it cannot be met. */
  private answersFor(level: ConsistencyLevel, order: ArrayLike<number>): number | string {
    const n = this.settings.replicationFactor;
    if (level === 'local-quorum') {
      const here = this.cluster.region(this.member);
      let local = 0;
      for (let i = 0; i < n; i++) if (this.cluster.region(order[i]) === here) local++;
      return local === 0 ? 'no-local-replicas' : Math.floor(local / 2) + 1;
    }
    const required = replicasFor(level, n);
    return required > n ? 'level-exceeds-replication' : required;
  }

  private addTarget(plan: Plan, target: number, hintFor: number, localOnly: boolean): void {
    plan.targets.push(target);
    plan.hintFor.push(hintFor);
    plan.counts.push(!localOnly || this.cluster.region(target) === this.cluster.region(this.member));
  }

  private startRead(c: Coordination): void {
    let self = -1;
    for (let t = 0; t < c.targets.length; t++) {
      if (c.targets[t] === this.member) self = t;
      else
        this.toReplica(
          this.ids[c.targets[t]],
          { kind: 'qs-read', id: c.id, key: c.request.key } satisfies ReplicaMessage,
          64,
          READ,
        );
    }
    if (self < 0) return;
    if (this.latencyStream === null) this.replied(this.member, c.id, this.disk.data.get(c.request.key));
    else this.ctx.setTimer(this.draw(READ), SELF_READ, { id: c.id, key: c.request.key, state: undefined });
  }

  private replied(peer: number, id: number, state: ReplicatedState | undefined): void {
    const c = this.coordinations.get(id);
    if (c === undefined || c.writing) return;
    const t = this.targetIndex(c, peer);
    if (t < 0) return;
    c.heard[t] = 1;
    c.outstanding--;
    c.replies[t] = state;
    if (state !== undefined) c.merged = this.resolution.merge(c.merged, state, null);
    if (c.counts[t]) c.good++;
    if (!c.answered && c.good >= c.required) {
      if (c.request.op !== 'read') {
        this.startWrite(c);
        return;
      }
      if (this.settings.linearizable && c.merged !== undefined && this.holding(c, c.merged) < c.writeRequired) {
        this.writeBack(c);
        return;
      }
      this.answerRead(c);
    }
    if (c.outstanding === 0) this.finishRead(c);
  }

  private answerRead(c: Coordination): void {
    c.answered = true;
    const key = c.request.key;
    if (c.merged !== undefined) this.seen.set(key, this.resolution.merge(this.seen.get(key), c.merged, null));
    const result = this.resolution.read(c.merged);
    const id = c.request.id;
    const response: StoreResponse =
      result.elements !== undefined
        ? { kind: 'store-response', id, status: 'ok', elements: result.elements }
        : result.siblings !== undefined
          ? { kind: 'store-response', id, status: 'ok', value: result.value, siblings: result.siblings }
          : { kind: 'store-response', id, status: 'ok', value: result.value };
    this.respond(c.client, c.arrivedUs, response);
  }

  /** Every target answered, or time is up: repair the replicas that answered with less than the others knew. */
  private finishRead(c: Coordination): void {
    this.ctx.cancelTimer(c.timer);
    this.coordinations.delete(c.id);
    if (!this.settings.readRepair || c.merged === undefined) return;
    const merged = c.merged;
    const digest = this.resolution.digest(merged);
    for (let t = 0; t < c.targets.length; t++) {
      if (c.heard[t] === 0) continue;
      const reply = c.replies[t];
      if (reply !== undefined && this.resolution.digest(reply) === digest) continue;
      this.cluster.metrics?.countDetail('read-repairs', this.ctx.nowUs);
      if (c.targets[t] === this.member) this.apply(c.request.key, merged, c.hintFor[t]);
      else
        this.toReplica(
          this.ids[c.targets[t]],
          {
            kind: 'qs-write',
            id: -1,
            key: c.request.key,
            state: merged,
            hintFor: c.hintFor[t],
          } satisfies ReplicaMessage,
          128,
          WRITE,
        );
    }
  }

  /** Counted replies that already hold `state`. */
  private holding(c: Coordination, state: ReplicatedState): number {
    const digest = this.resolution.digest(state);
    let holding = 0;
    for (let t = 0; t < c.targets.length; t++) {
      const reply = c.replies[t];
      if (c.heard[t] === 1 && c.counts[t] && reply !== undefined && this.resolution.digest(reply) === digest) holding++;
    }
    return holding;
  }

  /**
   * ABD's second phase of a read: what it returns must be on a write quorum
   * before it is answered, or a later read could miss a value an earlier one
   * returned. Replicas whose reply already held it count at once.
   */
  private writeBack(c: Coordination): void {
    const key = c.request.key;
    const state = c.merged!;
    const digest = this.resolution.digest(state);
    this.cluster.metrics?.countDetail('write-backs', this.ctx.nowUs);
    c.state = state;
    c.writing = true;
    c.required = c.writeRequired;
    c.outstanding = c.targets.length;
    c.good = 0;
    const replies = c.replies;
    const heard = c.heard.slice();
    c.heard.fill(0);
    for (let t = 0; t < c.targets.length; t++) {
      const reply = replies[t];
      if (heard[t] === 1 && reply !== undefined && this.resolution.digest(reply) === digest)
        this.acknowledged(c.targets[t], c.id);
      else if (c.targets[t] === this.member) this.selfWrite({ id: c.id, key, state, hintFor: c.hintFor[t] });
      else
        this.toReplica(
          this.ids[c.targets[t]],
          { kind: 'qs-write', id: c.id, key, state, hintFor: c.hintFor[t] } satisfies ReplicaMessage,
          128,
          WRITE,
        );
    }
  }

  private startWrite(c: Coordination): void {
    const key = c.request.key;
    let seen = this.seen.get(key);
    const local = this.disk.data.get(key);
    if (local !== undefined) seen = this.resolution.merge(seen, local, null);
    if (c.merged !== undefined) seen = this.resolution.merge(seen, c.merged, null);
    const state = this.resolution.update(c.request, seen, this.writer);
    this.seen.set(key, this.resolution.merge(seen, state, null));
    c.state = state;
    c.writing = true;
    c.required = c.writeRequired;
    c.heard.fill(0);
    c.outstanding = c.targets.length;
    c.good = 0;
    if (this.settings.hintedHandoff) for (const replica of c.skipped) this.addHint(replica, key, state);
    let self = -1;
    for (let t = 0; t < c.targets.length; t++) {
      if (c.targets[t] === this.member) self = t;
      else
        this.toReplica(
          this.ids[c.targets[t]],
          { kind: 'qs-write', id: c.id, key, state, hintFor: c.hintFor[t] } satisfies ReplicaMessage,
          128,
          WRITE,
        );
    }
    if (self >= 0) this.selfWrite({ id: c.id, key, state, hintFor: c.hintFor[self] });
  }

  // ---- replica latencies -----------------------------------------------------------

  /**
   * Sends a coordinator↔replica message. With the direction's replicaLatency
   * set, the delay is drawn here and replaces the link's latency; the network
   * still drops it across a partition, to a crashed node, or by loss, so
   * faults act on these messages as on any other.
   */
  private toReplica(to: NodeId, message: ReplicaMessage, sizeBytes: number, direction: number): void {
    if (this.cluster.replicaLatency[direction] === null) this.ctx.send(to, message, sizeBytes);
    else this.ctx.sendWithLatency(to, message, sizeBytes, this.draw(direction));
  }

  /** A delay for one direction, whole microseconds rounded up as the network rounds; 0 where the direction is not set. */
  private draw(direction: number): number {
    const d = this.cluster.replicaLatency[direction];
    return d === null ? 0 : Math.max(0, Math.ceil(d.sample(this.latencyStream!)));
  }

  /**
   * The coordinator's own replica. Without replicaLatency it applies and
   * acknowledges at once; with it, it takes its W and A draws like any
   * replica, on timers (lost, with the coordination, if this node crashes;
   * timed on its clock, so a drifting clock stretches them a little).
   */
  private selfWrite(write: SelfWrite): void {
    if (this.latencyStream === null) {
      this.apply(write.key, write.state, write.hintFor);
      this.acknowledged(this.member, write.id);
    } else this.ctx.setTimer(this.draw(WRITE), SELF_WRITE, write);
  }

  private selfApply(write: SelfWrite): void {
    this.apply(write.key, write.state, write.hintFor);
    this.ctx.setTimer(this.draw(ACK), SELF_ACK, write.id);
  }

  private selfTake(read: SelfRead): void {
    read.state = this.disk.data.get(read.key);
    this.ctx.setTimer(this.draw(RESPONSE), SELF_REPLY, read);
  }

  private acknowledged(peer: number, id: number): void {
    const c = this.coordinations.get(id);
    if (c === undefined || !c.writing) return;
    const t = this.targetIndex(c, peer);
    if (t < 0) return;
    c.heard[t] = 1;
    c.outstanding--;
    if (c.counts[t]) c.good++;
    if (!c.answered && c.good >= c.required) {
      if (c.request.op === 'read') this.answerRead(c);
      else {
        c.answered = true;
        const probes = this.cluster.probes;
        if (probes !== null && probes.listening) probes.committed(c.client, c.request.id, this.ctx.nowUs);
        this.respond(c.client, c.arrivedUs, { kind: 'store-response', id: c.request.id, status: 'ok' });
      }
    }
    if (c.outstanding === 0) {
      this.ctx.cancelTimer(c.timer);
      this.coordinations.delete(c.id);
    }
  }

  private timedOut(c: Coordination): void {
    if (!this.coordinations.has(c.id)) return;
    if (!c.writing) {
      // Nothing was written yet (reads write nothing; a remove still reading has sent nothing): a definite failure.
      if (!c.answered) {
        c.answered = true;
        this.respond(c.client, c.arrivedUs, {
          kind: 'store-response',
          id: c.request.id,
          status: 'failed',
          reason: 'timeout',
        });
      }
      if (c.request.op === 'read') this.finishRead(c);
      else this.coordinations.delete(c.id);
      return;
    }
    this.coordinations.delete(c.id);
    if (!c.answered) {
      c.answered = true;
      // A read's write-back wrote nothing new: the read simply failed.
      const status = c.request.op === 'read' ? 'failed' : 'unknown';
      this.respond(c.client, c.arrivedUs, { kind: 'store-response', id: c.request.id, status, reason: 'timeout' });
    }
    if (!this.settings.hintedHandoff) return;
    for (let t = 0; t < c.targets.length; t++)
      if (c.heard[t] === 0) this.addHint(c.hintFor[t] >= 0 ? c.hintFor[t] : c.targets[t], c.request.key, c.state!);
  }

  private respond(client: NodeId, arrivedUs: number, response: StoreResponse): void {
    this.cluster.metrics?.recordServed(arrivedUs, this.ctx.nowUs);
    this.ctx.send(client, response, 128);
  }

  private targetIndex(c: Coordination, peer: number): number {
    for (let t = 0; t < c.targets.length; t++) if (c.targets[t] === peer && c.heard[t] === 0) return t;
    return -1;
  }

  // ---- replica ---------------------------------------------------------------------

  /** Merges a state into this replica; a stand-in (sloppy quorum) also keeps it as a hint for the member it was meant for. */
  private apply(key: number, state: ReplicatedState, hintFor: number): void {
    this.disk.data.set(key, this.resolution.merge(this.disk.data.get(key), state, this.sink));
    if (hintFor >= 0 && this.settings.hintedHandoff) this.addHint(hintFor, key, state);
  }

  private addHint(target: number, key: number, state: ReplicatedState): void {
    const hintKey = target * HINT_KEY_SPACE + key;
    const hint = this.disk.hints.get(hintKey);
    if (hint === undefined) this.disk.hints.set(hintKey, { target, key, state, revision: 1 });
    else {
      hint.state = this.resolution.merge(hint.state, state, null);
      hint.revision++;
    }
    this.cluster.metrics?.countDetail('hints-stored', this.ctx.nowUs);
  }

  /** A member took a hint: drop it, and the stand-in's copy of the key once nothing more is owed for it. */
  private handedOff(target: number, key: number, revision: number): void {
    const hintKey = target * HINT_KEY_SPACE + key;
    const hint = this.disk.hints.get(hintKey);
    if (hint === undefined || hint.revision !== revision) return;
    this.disk.hints.delete(hintKey);
    this.handoffs.delete(hintKey);
    this.cluster.metrics?.countDetail('hints-delivered', this.ctx.nowUs);
    if (this.cluster.lists.isReplica(key, this.member, this.settings.replicationFactor)) return;
    for (const other of this.disk.hints.values()) if (other.key === key) return;
    this.disk.data.delete(key);
  }

  // ---- failure detection, hand-off and anti-entropy ----------------------------------

  private isUp(member: number): boolean {
    return member === this.member || this.missed[member] < this.suspectAfter;
  }

  private heartbeat(): void {
    this.tick++;
    for (let m = 0; m < this.ids.length; m++) {
      if (m === this.member) continue;
      this.missed[m]++;
      this.ctx.send(this.ids[m], HEARTBEAT_MESSAGE, 32);
    }
    for (const [hintKey, hint] of this.disk.hints) {
      if (!this.isUp(hint.target)) continue;
      const sent = this.handoffs.get(hintKey);
      // Resend when the hint has grown, or when an earlier hand-off went unanswered for a failure timeout.
      if (sent !== undefined && sent.revision === hint.revision && this.tick - sent.tick < this.suspectAfter) continue;
      this.handoffs.set(hintKey, { revision: hint.revision, tick: this.tick });
      this.ctx.send(
        this.ids[hint.target],
        { kind: 'qs-handoff', key: hint.key, state: hint.state, revision: hint.revision } satisfies ReplicaMessage,
        128,
      );
    }
    this.ctx.setTimer(this.settings.heartbeatInterval, HEARTBEAT);
  }

  /** One round with the next member believed up: both end with the merge of the keys they both replicate. */
  private antiEntropy(): void {
    this.ctx.setTimer(this.settings.antiEntropyInterval!, ANTI_ENTROPY);
    const members = this.ids.length;
    for (let i = 0; i < members; i++) {
      const peer = ((this.nextPeer++ % members) + members) % members;
      if (peer === this.member || !this.isUp(peer)) continue;
      const keys: number[] = [];
      const digests: number[] = [];
      for (const [key, state] of this.disk.data) {
        if (!this.sharedWith(key, peer)) continue;
        keys.push(key);
        digests.push(this.resolution.digest(state));
      }
      this.ctx.send(this.ids[peer], { kind: 'qs-digests', keys, digests } satisfies ReplicaMessage, 16 * keys.length);
      return;
    }
  }

  private sharedWith(key: number, peer: number): boolean {
    const n = this.settings.replicationFactor;
    return this.cluster.lists.isReplica(key, this.member, n) && this.cluster.lists.isReplica(key, peer, n);
  }

  private compareDigests(from: NodeId, peer: number, keys: readonly number[], digests: readonly number[]): void {
    const reply = {
      kind: 'qs-digests-reply' as const,
      keys: [] as number[],
      states: [] as ReplicatedState[],
      want: [] as number[],
    };
    const listed = new Set(keys);
    for (let i = 0; i < keys.length; i++) {
      const state = this.disk.data.get(keys[i]);
      if (state !== undefined && this.resolution.digest(state) === digests[i]) continue;
      reply.want.push(keys[i]);
      if (state !== undefined) {
        reply.keys.push(keys[i]);
        reply.states.push(state);
      }
    }
    for (const [key, state] of this.disk.data) {
      if (listed.has(key) || !this.sharedWith(key, peer)) continue;
      reply.keys.push(key);
      reply.states.push(state);
    }
    this.ctx.send(from, reply satisfies ReplicaMessage, 128 * reply.keys.length + 16 * reply.want.length);
  }

  private push(to: NodeId, want: readonly number[]): void {
    if (want.length === 0) return;
    const keys: number[] = [];
    const states: ReplicatedState[] = [];
    for (const key of want) {
      const state = this.disk.data.get(key);
      if (state === undefined) continue;
      keys.push(key);
      states.push(state);
    }
    this.ctx.send(to, { kind: 'qs-push', keys, states } satisfies ReplicaMessage, 128 * keys.length);
  }

  private repairFromPeer(key: number, state: ReplicatedState): void {
    const before = this.disk.data.get(key);
    this.apply(key, state, -1);
    if (before === undefined || this.resolution.digest(before) !== this.resolution.digest(this.disk.data.get(key)!)) {
      this.cluster.metrics?.countDetail('anti-entropy-repairs', this.ctx.nowUs);
    }
  }
}

/** Replicas a level other than local-quorum (which depends on the coordinator's region) needs out of N. */
function replicasFor(level: Exclude<ConsistencyLevel, 'local-quorum'>, n: number): number {
  return level === 'one' ? 1 : level === 'quorum' ? Math.floor(n / 2) + 1 : level === 'all' ? n : level.replicas;
}

// ---- scenario schema -------------------------------------------------------------------

const quorumStoreParams = z
  .strictObject({
    replicationFactor: positiveInt
      .default(3)
      .describe('N: each key lives on the first N distinct nodes clockwise from it on the hash ring.'),
    virtualNodes: positiveInt.default(64).describe('Ring points per node.'),
    readConsistency: consistencyLevel
      .default('quorum')
      .describe(
        'R for reads that name no level: one, quorum (N/2+1), all, local-quorum (a majority of the key’s replicas in the coordinator’s region), or { replicas: R }.',
      ),
    writeConsistency: consistencyLevel
      .default('quorum')
      .describe('W for writes that name no level, as readConsistency.'),
    timeout: positiveDurationUs
      .default(500_000)
      .describe(
        'How long a coordinator waits for R replies or W acknowledgements (default 500ms); a write still short then answers unknown, as it may have been applied.',
      ),
    conflictResolution: z
      .enum(CONFLICT_RESOLUTIONS)
      .default('lww')
      .describe(
        'lww: registers, the latest timestamp from the coordinating node’s clock wins (skewed clocks lose updates); version-vectors: registers keeping concurrent writes as siblings; g-counter, pn-counter (op add), or-set (ops insert, delete): CRDT values that merge without conflicts.',
      ),
    readRepair: z
      .boolean()
      .default(true)
      .describe('After a read, send the merged value to the replicas that answered with less.'),
    hintedHandoff: z
      .boolean()
      .default(true)
      .describe(
        'Keep writes a replica missed (down, or silent until the timeout) and hand them over when it is heard from again.',
      ),
    sloppyQuorum: z
      .boolean()
      .default(false)
      .describe(
        'When a replica is down, write to and read from the next node up on the ring instead (with a hint for the one it stands in for).',
      ),
    linearizable: z
      .boolean()
      .default(false)
      .describe(
        'ABD (Attiya, Bar-Noy, Dolev): a write first reads the key at the read level and stamps itself above the newest timestamp found, so clocks no longer decide; a read writes what it returns back to the write level before answering. With R + W > N and no sloppy quorum, reads and writes are linearizable, for one more round trip per operation. Needs lww.',
      ),
    antiEntropyInterval: positiveDurationUs
      .optional()
      .describe(
        'How often each node compares per-key digests with another node and both take the merge; absent: no anti-entropy.',
      ),
    replicaLatency: z
      .strictObject({
        write: durationDistribution
          .optional()
          .describe('W: a write’s trip from the coordinator to a replica and its application there.'),
        ack: durationDistribution.optional().describe('A: the replica’s acknowledgement back to the coordinator.'),
        read: durationDistribution.optional().describe('R: a read’s trip from the coordinator to a replica.'),
        response: durationDistribution.optional().describe('S: the replica’s response back to the coordinator.'),
      })
      .optional()
      .describe(
        'One-way latencies of the messages between a coordinator and a key’s replicas, per direction, in place of the network’s (WARS’s W, A, R, S, as in Bailis et al., Probabilistically Bounded Staleness). The coordinator’s own replica draws them too instead of answering itself at once. Partitions, crashes and loss still drop these messages. Absent (or a direction left out): the network’s latency, and the coordinator answers for itself at once.',
      ),
    heartbeatInterval: positiveDurationUs
      .default(100_000)
      .describe('How often each node tells the others it is up (default 100ms).'),
    failureTimeout: positiveDurationUs
      .default(500_000)
      .describe('A node not heard from for this long is taken for down (default 500ms).'),
  })
  .superRefine((p, issues) => {
    for (const field of ['readConsistency', 'writeConsistency'] as const) {
      const level = p[field];
      if (typeof level === 'object' && level.replicas > p.replicationFactor) {
        issues.addIssue({
          code: 'custom',
          path: [field, 'replicas'],
          message: `at most replicationFactor (${p.replicationFactor}) replicas can answer`,
        });
      }
    }
    if (p.sloppyQuorum && !p.hintedHandoff) {
      issues.addIssue({
        code: 'custom',
        path: ['sloppyQuorum'],
        message: 'a sloppy quorum hands writes back through hinted handoff; set hintedHandoff: true',
      });
    }
    if (p.linearizable) {
      const n = p.replicationFactor;
      // local-quorum counts one region's replicas only: no intersection across regions.
      const count = (level: ConsistencyLevel) => (level === 'local-quorum' ? 0 : replicasFor(level, n));
      if (p.conflictResolution !== 'lww')
        issues.addIssue({
          code: 'custom',
          path: ['linearizable'],
          message: 'ABD orders writes by timestamp: set conflictResolution: lww',
        });
      if (p.sloppyQuorum)
        issues.addIssue({
          code: 'custom',
          path: ['linearizable'],
          message: 'stand-ins under a sloppy quorum break quorum intersection: set sloppyQuorum: false',
        });
      if (count(p.readConsistency) + count(p.writeConsistency) <= n) {
        issues.addIssue({
          code: 'custom',
          path: ['linearizable'],
          message: `reads and writes must meet in a replica: readConsistency + writeConsistency must exceed replicationFactor (${n}), across regions (not local-quorum)`,
        });
      }
    }
    if (p.failureTimeout < p.heartbeatInterval) {
      issues.addIssue({
        code: 'custom',
        path: ['failureTimeout'],
        message: 'must be at least heartbeatInterval, or every node would be taken for down between heartbeats',
      });
    }
  });

export const quorumStoreModel: ModelDefinition<typeof quorumStoreParams> = {
  type: 'quorum-store',
  role: 'component',
  description:
    'A leaderless (Dynamo-style) replicated store: N replicas per key on a hash ring, per-operation levels (one, quorum, all, local-quorum, R/W counts), read repair, hinted handoff, sloppy quorums, anti-entropy; LWW, version vectors or CRDT values.',
  params: quorumStoreParams,
  check: (p, { nodeCount }) => [
    ...(nodeCount > MAX_MEMBERS
      ? [
          {
            path: ['nodes'],
            message: `a quorum store has at most ${MAX_MEMBERS} nodes (its version vectors count one entry per node); its node group has ${nodeCount}`,
          },
        ]
      : []),
    ...(p.replicationFactor > nodeCount
      ? [
          {
            path: ['replicationFactor'],
            message: `${p.replicationFactor} replicas per key need at least ${p.replicationFactor} store nodes; its node group has ${nodeCount}`,
          },
        ]
      : []),
  ],
  instantiate(p, ctx) {
    const cluster = new QuorumCluster(p, ctx.nodeNames, ctx, ctx.componentMetrics(0), ctx.probes);
    return (member) => (nodeCtx) => new QuorumStoreNode(nodeCtx, cluster, member);
  },
};
