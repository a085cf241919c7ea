import { z } from 'zod';
import {
  distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
  type TimerHandle,
  Zipf,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ErrorKind } from '../measure/outcomes.js';
import type { HistoryRecorder } from '../measure/history-recorder.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { consistencyLevel, levelsBeyondReplicas } from './consistency-levels.js';
import { STORE_OPS, type StoreOp, type StoreRequest, type StoreResponse } from './store-messages.js';
import { WeightedChoice } from '../parts/weighted-choice.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import { durationUs, positiveInt } from '../kit/units.js';
import { IntMap } from '../parts/int-map.js';

/** The settings as the scenario gives them, durations in microseconds. */
export type StoreClientSettings = z.output<typeof storeClientParams>;

/** What a client node needs besides its settings, found when the scenario is built. */
export interface StoreClientRuntime {
  /** The store's nodes by name, and the region of each. */
  replicas: readonly { name: string; region: string }[];
  /** The operation mix, in the order of `operations`. */
  mix: readonly { op: StoreOp; weight: number }[];
  history: HistoryRecorder;
  metrics: RequestMetrics;
}

const THINK_OVER = 1;
const TIMEOUT = 2;

/** Write values are unique across the run: node id × this + a per-node count, so a read names the write it saw. */
const VALUES_PER_NODE = 1_000_000_000;

/** Session ids are node id × this + a per-node count: unique across the run, restarts included. */
export const SESSIONS_PER_NODE = 2 ** 24;

/**
 * The counters a client node keeps on disk. A restarted client is a new
 * client (its sessions and operations in flight are gone), but answers to
 * its old requests may still arrive and its old writes may still land: new
 * request ids and values must not repeat the old ones.
 */
interface ClientDisk {
  requests: number;
  values: number;
  sessions: number;
}

interface User {
  /** Session id: stays with the user; the Jepsen process number changes after an unknown outcome. */
  session: number;
  process: number;
  /** Highest version this session has written or read (read-your-writes). */
  version: number;
  /** The operation in flight, if any. */
  requestId: number;
  op: StoreOp;
  key: number;
  value: number;
  /** cas: the value it expects to find. */
  expected: number | null;
  operation: OperationMetrics | null;
  sentUs: number;
  timer: TimerHandle | -1;
}

/**
 * Jepsen-style clients of a replicated store: each user thinks, sends one
 * operation to a replica, and records it in the run's history (invoke, then
 * ok / fail / info) as well as in the latency and availability metrics. A
 * timeout is an unknown outcome, after which the user continues as a new
 * process. A `not-leader` refusal with a hint moves the user to the leader.
 */
export class StoreClient implements InspectableProcess<StoreResponse> {
  private readonly think;
  private readonly thinking: RandomStream;
  private readonly picking: RandomStream;
  private readonly zipf: Zipf | null;
  private readonly users: User[] = [];
  private readonly byRequest = new IntMap<User>();
  private readonly mix: WeightedChoice;
  private replicaIds: NodeId[] = [];
  private readonly replicaNames = new Map<NodeId, string>();
  /** The last value this node saw for each key: what its compare-and-sets expect. */
  private readonly lastSeen = new Map<number, number | null>();
  private nearby: NodeId[] = [];
  /** A leader named by a refusal's hint; tried first until it fails too. */
  private preferred: NodeId | -1 = -1;
  private readonly disk: ClientDisk;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: StoreClientSettings,
    private readonly runtime: StoreClientRuntime,
  ) {
    if (runtime.replicas.length === 0) throw new RangeError('a store client needs a store with at least one node');
    this.think = distribution(settings.thinkTime);
    this.thinking = ctx.random('think');
    this.picking = ctx.random('operations');
    this.zipf = settings.keys.zipf === undefined ? null : new Zipf(settings.keys.count, settings.keys.zipf);
    this.mix = new WeightedChoice(runtime.mix.map((m) => m.weight));
    const disk = ctx.durable as Partial<ClientDisk>;
    disk.requests ??= 0;
    disk.values ??= 0;
    disk.sessions ??= 0;
    this.disk = disk as ClientDisk;
  }

  /** Users waiting on an operation and thinking, the leader a refusal pointed to, and the keys whose latest value it knows. */
  inspect(): InspectedState {
    return {
      usersWaiting: this.byRequest.size,
      usersThinking: this.users.length - this.byRequest.size,
      preferredReplica: this.preferred === -1 ? null : (this.replicaNames.get(this.preferred) ?? null),
      keysSeen: this.lastSeen.size,
    };
  }

  onStart(): void {
    this.replicaIds = this.runtime.replicas.map((r) => this.ctx.lookup(r.name));
    this.replicaIds.forEach((id, i) => this.replicaNames.set(id, this.runtime.replicas[i].name));
    this.nearby = this.runtime.replicas.filter((r) => r.region === this.ctx.region).map((r) => this.ctx.lookup(r.name));
    for (let u = 0; u < this.settings.users; u++) {
      const user: User = {
        session: this.ctx.id * SESSIONS_PER_NODE + this.disk.sessions++,
        process: this.runtime.history.newProcess(this.ctx.id),
        version: 0,
        requestId: -1,
        op: 'read',
        key: 0,
        value: 0,
        expected: null,
        operation: null,
        sentUs: 0,
        timer: -1,
      };
      this.users.push(user);
      this.startThinking(user);
    }
  }

  onTimer(tag: number, data: unknown): void {
    const user = data as User;
    if (tag === THINK_OVER) this.send(user);
    else if (tag === TIMEOUT && user.requestId !== -1) {
      // A leader that stopped answering may be gone or cut off: ask any replica again, which will name the new one.
      this.preferred = -1;
      this.finish(user, 'info', null, 'timeout', undefined, 'timeout');
    }
  }

  onMessage(from: NodeId, response: StoreResponse): void {
    const user = this.byRequest.get(response.id);
    if (user === undefined) return; // timed out already
    if (user.timer !== -1) this.ctx.cancelTimer(user.timer);
    if (response.version !== undefined && response.version > user.version) user.version = response.version;
    if (response.status === 'failed' && response.leaderHint !== undefined) this.preferred = response.leaderHint;
    else if (response.status !== 'ok' && from === this.preferred) this.preferred = -1;
    const served = this.replicaNames.get(from);
    if (response.status === 'ok') {
      if (user.op === 'read' && response.elements === undefined && response.siblings === undefined)
        this.lastSeen.set(user.key, response.value ?? null);
      if (user.op === 'write' || user.op === 'cas') this.lastSeen.set(user.key, user.value);
      this.finish(
        user,
        'ok',
        user.op === 'read' ? (response.elements ?? response.siblings ?? response.value ?? null) : this.written(user),
        undefined,
        served,
      );
    } else if (response.status === 'failed') {
      // A cas that found another value is an answer, not an outage.
      this.finish(
        user,
        'fail',
        user.op === 'read' ? null : this.written(user),
        response.reason === 'cas-mismatch' ? undefined : 'unavailable',
        served,
        response.reason,
      );
    } else {
      this.finish(user, 'info', null, 'timeout', served, response.reason ?? 'unknown');
    }
  }

  private send(user: User): void {
    const now = this.ctx.nowUs;
    if (this.settings.stopAt !== undefined && now >= this.settings.stopAt) return;
    const op = this.runtime.mix[this.mix.pick(this.picking)].op;
    const key = this.zipf === null ? 1 + this.picking.int(this.settings.keys.count) : this.zipf.sample(this.picking);
    const value =
      op === 'add'
        ? 1
        : op === 'insert' || op === 'delete'
          ? this.picking.int(this.settings.keys.count * 10)
          : this.ctx.id * VALUES_PER_NODE + ++this.disk.values;
    const id = this.disk.requests++;
    user.requestId = id;
    user.op = op;
    user.key = key;
    user.value = value;
    user.expected = op === 'cas' ? (this.lastSeen.get(key) ?? null) : null;
    user.sentUs = now;
    user.operation = this.runtime.metrics.operation(op);
    this.runtime.metrics.recordSent(user.operation, now);
    this.byRequest.set(id, user);
    const level = op === 'read' ? this.settings.readConsistency : this.settings.writeConsistency;
    const request: StoreRequest = {
      kind: 'store-request',
      id,
      op,
      key,
      value,
      sentUs: now,
      ...(op === 'cas' ? { expected: user.expected } : {}),
      ...(level === undefined ? {} : { consistency: level }),
      ...(this.settings.readYourWrites ? { sessionVersion: user.version } : {}),
    };
    this.runtime.history.invoke(user.process, user.session, op, key, op === 'read' ? null : this.written(user), now);
    this.ctx.send(this.contact(), request, 0);
    user.timer = this.ctx.setTimer(this.settings.timeout, TIMEOUT, user);
  }

  /** What a writing operation's history entry holds: the value, or [expected, new] for a cas. */
  private written(user: User): number | [number | null, number] {
    return user.op === 'cas' ? [user.expected, user.value] : user.value;
  }

  private finish(
    user: User,
    type: 'ok' | 'fail' | 'info',
    value: number | null | readonly number[] | [number | null, number],
    error: ErrorKind | undefined,
    servedBy?: string,
    reason?: string,
  ): void {
    const now = this.ctx.nowUs;
    this.byRequest.delete(user.requestId);
    user.requestId = -1;
    user.timer = -1;
    this.runtime.history.complete(user.process, user.session, type, user.op, user.key, value, now, servedBy, reason);
    if (error === undefined) this.runtime.metrics.recordSuccess(user.operation!, user.sentUs, now);
    else this.runtime.metrics.recordFailure(user.operation!, error, user.sentUs, now);
    // After an unknown outcome the old operation may still happen: go on as a new process (Jepsen's rule).
    if (type === 'info') user.process = this.runtime.history.newProcess(this.ctx.id);
    this.startThinking(user);
  }

  private contact(): NodeId {
    if (this.preferred !== -1) return this.preferred;
    const pool = this.settings.contact === 'nearest' && this.nearby.length > 0 ? this.nearby : this.replicaIds;
    return pool.length === 1 ? pool[0] : pool[this.picking.int(pool.length)];
  }

  private startThinking(user: User): void {
    this.ctx.setTimer(this.think.sample(this.thinking), THINK_OVER, user);
  }
}

const storeClientParams = z.strictObject({
  target: z.string().describe('The store component; operations go to its nodes.'),
  users: positiveInt.default(5).describe('Users per node, each one Jepsen process with one operation at a time.'),
  thinkTime: durationDistribution
    .default({ type: 'constant', value: 10_000 })
    .describe('Pause between an operation ending and the same user sending the next (default 10ms).'),
  operations: z
    .partialRecord(z.enum(STORE_OPS), z.number().positive())
    .refine((mix) => Object.keys(mix).length > 0, 'name at least one operation, like { read: 1 }')
    .default({ read: 1, write: 1 })
    .describe(
      `The mix, as weights: { read: 3, write: 1 }. Operations: ${STORE_OPS.join(', ')} (add on counters; insert, delete on sets).`,
    ),
  keys: z
    .strictObject({
      count: positiveInt.describe('Distinct keys, 1..count.'),
      zipf: z.number().min(0).optional().describe('Zipf exponent s; uniform when absent.'),
    })
    .default({ count: 5 })
    .describe('Which keys operations touch (few keys means more contention, which the checkers need).'),
  timeout: durationUs
    .default(1_000_000)
    .describe('An operation not answered in this long has an unknown outcome (Jepsen info); default 1s.'),
  contact: z
    .enum(['nearest', 'random'])
    .default('nearest')
    .describe('nearest: a replica in the client’s region when there is one; random: any replica per operation.'),
  readConsistency: consistencyLevel.optional().describe('Level for reads, for stores with per-operation levels.'),
  writeConsistency: consistencyLevel.optional().describe('Level for writes, for stores with per-operation levels.'),
  readYourWrites: z
    .boolean()
    .default(false)
    .describe('Send the session’s highest version seen, so the store serves its reads from replicas that have it.'),
  stopAt: durationUs
    .optional()
    .describe('Send no new operations from this simulated time on (lets replicas converge before the end).'),
});

export const storeClientModel: ModelDefinition<typeof storeClientParams> = {
  type: 'store-client',
  role: 'workload',
  description:
    'Jepsen-style clients of a replicated store: one operation at a time per user, every one recorded in the history the consistency checkers read.',
  params: storeClientParams,
  references: (params) => [
    { path: ['target'], component: params.target, fits: (store) => levelsBeyondReplicas(params, store) },
  ],
  instantiate(params, ctx) {
    const names = ctx.nodesOf(params.target);
    const mix = Object.entries(params.operations).map(([op, weight]) => ({ op: op as StoreOp, weight }));
    ctx.history.observe(ctx.requests.options);
    return () => (nodeCtx) =>
      new StoreClient(nodeCtx, params, {
        // Regions are known once every node is added, which is before any process starts.
        replicas: names.map((name) => ({ name, region: ctx.regionOf(name) })),
        mix,
        history: ctx.history,
        metrics: ctx.requests,
      });
  },
};
