import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type TimerHandle,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { DatabaseRecord } from '../measure/cache-log.js';
import type { ShardRecord } from '../measure/shard-log.js';
import { Deque } from '../parts/deque.js';
import { ObjectSizes } from '../caches/object-sizes.js';
import { keysPerShard, movedKeys } from './key-spread.js';
import { kvReplyTo, type KvRequest, type KvStatus } from './kv-messages.js';
import { kvStoreParams, type KvStoreParams } from './kv-store-params.js';
import type {
  KvCopy,
  KvCopyAck,
  KvCopyDone,
  KvCopyDoneAck,
  KvForward,
  KvRelayed,
  ShardMessage,
} from './migration-messages.js';
import { shardingProblems, shardPlan, type ShardPlan } from './shard-plan.js';
import type { ShardMap } from './shard-map.js';

/** One key's stored state, once written or copied in (keys 1..count not yet written are implicit at version 1). */
interface Entry {
  version: number;
  sizeBytes: number;
  deleted: boolean;
}

/**
 * What survives a crash (the shard's disk): its data and how far its part of
 * a migration has gone. Keys of 1..count leave in ascending order, so "sent"
 * for them is "below `scanNext`"; written keys outside that range leave from
 * `extras` (`extraAt`: each one's position there), and `extraNext` is how
 * many of them have gone.
 */
interface ShardDisk {
  entries?: Map<number, Entry>;
  migrating?: boolean;
  scanNext?: number;
  extras?: number[];
  extraAt?: Map<number, number>;
  extraNext?: number;
  /** Copies sent and not yet acknowledged: key → local time sent, oldest first. */
  unacked?: Map<number, number>;
  /** Every leaving key copied and acknowledged; the copy-done is out. */
  copyDone?: boolean;
  /** Shards (this one included) that acknowledged this one's copy-done. */
  doneAcked?: Set<number>;
  /** Shards whose copy to this one is complete. */
  doneFrom?: Set<number>;
}

/** A request on this shard (in line, in service or parked); pooled, reused once it has left. */
interface Job {
  request: KvRequest;
  replyTo: NodeId;
  /** The shard to answer through (a double read's asker), or -1 to answer `replyTo` directly. */
  relayVia: NodeId;
  arrivedUs: number;
}

const SERVE = 1;
const COPY = 2;
const RESHARD = 3;

/**
 * A sharded key-value database: each node of the group is one shard (no
 * replication), holding the keys the shard map gives it. A request served by
 * a shard takes a `read` or `write` service time on one of its `workers`, in
 * FIFO order (overload shows as latency, or as `failed` past `queueCapacity`),
 * and takes effect when its service ends: a put commits the key's next
 * version (from 1 per key), a delete too (the key is then not found).
 *
 * A reshard (one, at `reshard.at` on each node's clock) switches every node
 * and every caller (key-router.ts) to the new map at once, as a config push
 * would (a shard also switches when a peer's migration message reaches it
 * first, so one whose clock runs ahead starts everyone's copying early;
 * callers still on the old map are forwarded, and answers stay right), and
 * each shard then copies the keys leaving it to their new owners at
 * `migrationRate`, one message per key, sized as the object, so links carry
 * the traffic. Until a key's copy lands, its old owner is its truth:
 * - a read reaching the new owner is forwarded to the old owner, which answers
 *   the caller (`forward`), or is read at the new owner first and, not found
 *   there, read again at the old owner, whose answer the new owner relays
 *   (`double-read`);
 * - a write or delete reaching the new owner is forwarded to the old owner and
 *   applied there, so it travels with the copy (versions continue: no write is
 *   lost and none is numbered twice);
 * - a request reaching the old owner after it copied the key away goes to the
 *   new owner, which holds it until the copy lands.
 * A copy never overwrites a newer version. The new owner acknowledges each
 * copy, and the old owner resends the oldest unacknowledged one when
 * `copyTimeout` has passed (taking its turn in the migration's pace), so a
 * copy lost on the link or sent while its new owner was down lands later: a
 * crash or a partition during a migration delays keys, never loses them (its
 * progress is on disk; requests queued or parked on a crashed shard are lost
 * with it, and their callers time out). When all its copies are acknowledged
 * a shard tells every other shard, resending until each acknowledges, and
 * they stop forwarding to it. The copier takes no worker time.
 */
export class KvStore implements InspectableProcess<KvRequest | ShardMessage> {
  private readonly read: Distribution;
  private readonly write: Distribution;
  private readonly rng;
  private readonly line = new Deque<Job>();
  private readonly capacity: number;
  private readonly peers: NodeId[];
  private readonly before: ShardMap;
  private readonly after: ShardMap | null;
  private readonly count: number;
  private readonly doubleRead: boolean;
  /** Requests waiting at this (new) owner for their key's copy, by key. */
  private readonly parked = new Map<number, Job[]>();
  private readonly freeJobs: Job[] = [];
  private busy = 0;
  private served = 0;
  private keysSent = 0;
  /** The copier's next turn; `pacing`: it is the migration rate's wait after a send (else a wait for acknowledgements). */
  private copyTimer: TimerHandle | undefined = undefined;
  private pacing = false;
  /** Set by `locate`: where a key's request goes when not here, and whether it waits for a copy at the old owner. */
  private target = 0;
  private pending = false;

  constructor(
    private readonly ctx: NodeContext<ShardDisk>,
    private readonly params: KvStoreParams,
    private readonly plan: ShardPlan,
    private readonly me: number,
    private readonly peerNames: readonly string[],
    private readonly metrics: ComponentMetrics,
    private readonly db: DatabaseRecord,
    private readonly record: ShardRecord,
    private readonly sizes: ObjectSizes,
  ) {
    this.read = distribution(params.read);
    this.write = distribution(params.write);
    this.rng = ctx.random('service');
    this.capacity = params.queueCapacity ?? Infinity;
    this.peers = peerNames.map(() => -1 as NodeId);
    this.before = plan.before;
    this.after = plan.after;
    this.count = params.keys.count;
    this.doubleRead = params.reshard?.duringMigration === 'double-read';
  }

  private get disk(): ShardDisk {
    return this.ctx.durable;
  }

  private get entries(): Map<number, Entry> {
    return (this.ctx.durable.entries ??= new Map());
  }

  onStart(): void {
    const disk = this.disk;
    if (this.after === null) return;
    if (disk.migrating) {
      // Resumes where the disk says it was: unacknowledged copies are resent when due.
      if (!this.copierFinished()) this.copyAfter(0, false);
      return;
    }
    this.ctx.setTimer(Math.max(0, this.plan.atUs - this.ctx.localTimeUs()), RESHARD, null);
  }

  /** Its data (keys written or copied in), its queue, and its part of a migration. */
  inspect(): InspectedState {
    const disk = this.disk;
    let parked = 0;
    for (const jobs of this.parked.values()) parked += jobs.length;
    return {
      shard: this.me,
      keysWritten: disk.entries?.size ?? 0,
      workersBusy: this.busy,
      workers: this.params.workers,
      queueLength: this.line.length,
      served: this.served,
      migrating: disk.migrating === true && disk.copyDone !== true,
      migrated: disk.copyDone === true,
      keysSent: this.keysSent,
      copiesUnacknowledged: disk.unacked?.size ?? 0,
      requestsParked: parked,
    };
  }

  onMessage(from: NodeId, message: KvRequest | ShardMessage): void {
    switch (message.kind) {
      case 'kv-get':
      case 'kv-put':
      case 'kv-delete':
        this.arrive(message, from, -1 as NodeId, false);
        return;
      case 'kv-forward':
        this.onForward(from, message);
        return;
      case 'kv-relayed':
        this.ctx.send(message.replyTo, message.reply, message.reply.sizeBytes);
        return;
      case 'kv-copy':
        this.onCopy(from, message);
        return;
      case 'kv-copy-ack':
        this.onCopyAck(message);
        return;
      case 'kv-copy-done':
        this.onCopyDone(from, message);
        return;
      case 'kv-copy-done-ack':
        this.onCopyDoneAck(message);
        return;
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === SERVE) this.finish(data as Job);
    else if (tag === COPY) this.copyNext();
    else if (tag === RESHARD) this.beginMigration();
  }

  private onForward(from: NodeId, forward: KvForward): void {
    // A bounced request means the sender switched maps: so does this node (the push reaches it with the traffic).
    if (forward.bounced) this.beginMigration();
    this.arrive(forward.request, forward.replyTo, forward.relay ? from : (-1 as NodeId), forward.bounced);
  }

  /**
   * Whether `key`'s truth is here now. When not, `target` is the shard to
   * send its requests to, and `pending` says the key is still at its old
   * owner (`target`) because its copy to this node has not landed.
   */
  private locate(key: number): boolean {
    this.pending = false;
    const oldOwner = this.before.shardOf(key);
    if (this.after === null || this.disk.migrating !== true) {
      this.target = oldOwner;
      return oldOwner === this.me;
    }
    const newOwner = this.after.shardOf(key);
    if (newOwner === this.me) {
      if (oldOwner === this.me || this.entries.has(key) || this.disk.doneFrom?.has(oldOwner) === true) return true;
      this.target = oldOwner;
      this.pending = true;
      return false;
    }
    if (oldOwner === this.me && !this.sent(key)) return true;
    this.target = newOwner;
    return false;
  }

  /** Whether this (old) owner has copied `key` away. */
  private sent(key: number): boolean {
    const disk = this.disk;
    if (disk.copyDone === true) return true;
    if (key >= 1 && key <= this.count) return key < (disk.scanNext ?? 1);
    const at = disk.extraAt?.get(key);
    return at !== undefined && at < (disk.extraNext ?? 0);
  }

  private arrive(request: KvRequest, replyTo: NodeId, relayVia: NodeId, bounced: boolean): void {
    const key = request.key;
    if (!this.locate(key)) {
      if (this.pending) {
        if (bounced) {
          this.park(key, this.job(request, replyTo, relayVia));
          return;
        }
        if (request.kind === 'kv-get') {
          // double-read: read here first; `finish` asks the old owner if the key is (still) not here.
          if (this.doubleRead && relayVia === -1) {
            this.admit(this.job(request, replyTo, relayVia));
            return;
          }
          this.record.readsForwarded++;
        } else this.record.writesForwarded++;
      }
      this.forward(request, replyTo, relayVia, this.target);
      return;
    }
    this.admit(this.job(request, replyTo, relayVia));
  }

  private job(request: KvRequest, replyTo: NodeId, relayVia: NodeId): Job {
    const job = this.freeJobs.pop();
    if (job === undefined) return { request, replyTo, relayVia, arrivedUs: this.ctx.nowUs };
    job.request = request;
    job.replyTo = replyTo;
    job.relayVia = relayVia;
    job.arrivedUs = this.ctx.nowUs;
    return job;
  }

  private freeJob(job: Job): void {
    job.request = undefined!;
    this.freeJobs.push(job);
  }

  /** Hands a request to shard `to`; `bounced` when this node, the key's old owner, has copied it there already. */
  private forward(request: KvRequest, replyTo: NodeId, relayVia: NodeId, to: number): void {
    const peer = this.peer(to);
    const bounced = this.after !== null && this.disk.migrating === true && this.before.shardOf(request.key) === this.me;
    const message: KvForward = {
      kind: 'kv-forward',
      request,
      replyTo,
      relay: relayVia !== -1 && relayVia !== peer,
      bounced,
    };
    this.ctx.send(peer, message, request.kind === 'kv-put' ? request.sizeBytes : 0);
  }

  private park(key: number, job: Job): void {
    this.record.requestsParked++;
    const jobs = this.parked.get(key);
    if (jobs === undefined) this.parked.set(key, [job]);
    else jobs.push(job);
  }

  private release(key: number): void {
    const jobs = this.parked.get(key);
    if (jobs === undefined) return;
    this.parked.delete(key);
    for (const job of jobs) {
      this.arrive(job.request, job.replyTo, job.relayVia, false);
      this.freeJob(job);
    }
  }

  private admit(job: Job): void {
    const now = this.ctx.nowUs;
    if (this.busy < this.params.workers) {
      this.metrics.recordArrival(false, now);
      this.begin(job);
      return;
    }
    if (this.line.length >= this.capacity) {
      this.metrics.recordArrival(false, now);
      this.metrics.recordRejected(now);
      this.answer(job, 'failed', 0, 0, 'overloaded: the shard queue is full');
      this.freeJob(job);
      return;
    }
    this.metrics.recordArrival(true, now);
    this.line.push(job);
    this.metrics.queueChanged(this.me, 1, now);
  }

  private begin(job: Job): void {
    this.busy++;
    this.metrics.busyChanged(this.me, 1, this.ctx.nowUs);
    const service = job.request.kind === 'kv-get' ? this.read : this.write;
    this.ctx.setTimer(service.sample(this.rng), SERVE, job);
  }

  /** The service is over: apply the request if its key is (still) here, else send it where it is now. */
  private finish(job: Job): void {
    const now = this.ctx.nowUs;
    const request = job.request;
    if (this.locate(request.key)) this.apply(job, now);
    else if (this.pending && request.kind === 'kv-get') {
      // The first of a double read: not found here, so ask the old owner and relay its answer.
      this.countServed(now, false);
      this.record.doubleReads++;
      this.forward(request, job.replyTo, this.ctx.id, this.target);
    } else this.forward(request, job.replyTo, job.relayVia, this.target);
    this.freeJob(job);
    this.busy--;
    this.metrics.busyChanged(this.me, -1, now);
    if (this.line.length > 0) {
      this.metrics.queueChanged(this.me, -1, now);
      this.begin(this.line.shift());
    }
  }

  private countServed(now: number, write: boolean): void {
    this.served++;
    this.db.served(now, write);
    this.record.served(this.me, now);
  }

  private apply(job: Job, now: number): void {
    const request = job.request;
    const key = request.key;
    const write = request.kind !== 'kv-get';
    this.countServed(now, write);
    this.metrics.recordServed(job.arrivedUs, now);
    const entry = this.entries.get(key);
    const implicit = entry === undefined && key >= 1 && key <= this.count && this.before.shardOf(key) === this.me;
    const exists = entry !== undefined ? !entry.deleted : implicit;
    const version = entry !== undefined ? entry.version : implicit ? 1 : 0;
    const sizeBytes = entry !== undefined ? entry.sizeBytes : this.sizes.sizeOf(key);
    if (request.kind === 'kv-get') {
      if (exists) this.answer(job, 'ok', version, sizeBytes);
      else this.answer(job, 'not-found', 0, 0);
      return;
    }
    if (request.kind === 'kv-put' && request.ifAbsent === true && exists) {
      this.answer(job, 'exists', version, sizeBytes);
      return;
    }
    if (request.kind === 'kv-delete' && !exists) {
      this.answer(job, 'not-found', 0, 0);
      return;
    }
    const next = version + 1;
    const deleted = request.kind === 'kv-delete';
    const newSize = request.kind === 'kv-put' ? request.sizeBytes : 0;
    if (entry === undefined) {
      this.entries.set(key, { version: next, sizeBytes: newSize, deleted });
      this.noteNewKey(key);
    } else {
      entry.version = next;
      entry.sizeBytes = newSize;
      entry.deleted = deleted;
    }
    this.db.committed(key, next);
    this.answer(job, 'ok', next, 0);
  }

  /** A key outside 1..count written here during a migration and leaving this shard joins the keys to copy. */
  private noteNewKey(key: number): void {
    const disk = this.disk;
    if (disk.migrating !== true || (key >= 1 && key <= this.count)) return;
    if (this.after!.shardOf(key) === this.me) return;
    this.addExtra(key);
    // A copier only waiting for acknowledgements has a key to send again.
    if (!this.pacing && this.copyTimer !== undefined) {
      this.ctx.cancelTimer(this.copyTimer);
      this.copyNext();
    }
  }

  private addExtra(key: number): void {
    const disk = this.disk;
    const extras = (disk.extras ??= []);
    (disk.extraAt ??= new Map()).set(key, extras.length);
    extras.push(key);
  }

  private answer(job: Job, status: KvStatus, version: number, sizeBytes: number, reason?: string): void {
    const r = job.request;
    const reply = kvReplyTo(r, status, version, sizeBytes, reason);
    if (job.relayVia === -1) this.ctx.send(job.replyTo, reply, sizeBytes);
    else
      this.ctx.send(job.relayVia, { kind: 'kv-relayed', reply, replyTo: job.replyTo } satisfies KvRelayed, sizeBytes);
  }

  /** The new map takes effect here: start copying the keys that leave this shard. */
  private beginMigration(): void {
    const disk = this.disk;
    if (this.after === null || disk.migrating === true) return;
    disk.migrating = true;
    disk.scanNext = 1;
    disk.extraNext = 0;
    disk.extras = [];
    disk.extraAt = new Map();
    disk.unacked = new Map();
    for (const key of this.entries.keys())
      if ((key < 1 || key > this.count) && this.after.shardOf(key) !== this.me) this.addExtra(key);
    this.record.migrationStarted(this.ctx.nowUs);
    this.copyNext();
  }

  /** Whether this shard's part of the migration is over: every copy and its copy-done acknowledged. */
  private copierFinished(): boolean {
    const disk = this.disk;
    return disk.copyDone === true && disk.doneAcked!.size === this.peers.length;
  }

  private copyAfter(delayUs: number, pacing: boolean): void {
    this.pacing = pacing;
    this.copyTimer = this.ctx.setTimer(delayUs, COPY, null);
  }

  /**
   * The copier's turn: resend the oldest unacknowledged copy if its time is
   * up, else send the next leaving key; then wait as long as the migration
   * rate allows. With nothing left to send it waits for the acknowledgements,
   * and with none outstanding it announces its copy done.
   */
  private copyNext(): void {
    this.copyTimer = undefined;
    const disk = this.disk;
    const now = this.ctx.localTimeUs();
    if (disk.copyDone === true) {
      this.announceDone();
      return;
    }
    const timeoutUs = this.params.reshard!.copyTimeout;
    const unacked = disk.unacked!;
    let oldestUs = Infinity;
    for (const [key, sentUs] of unacked) {
      if (sentUs + timeoutUs <= now) {
        unacked.delete(key);
        this.record.copiesResent++;
        this.sendCopy(key, now);
        return;
      }
      oldestUs = sentUs;
      break;
    }
    const after = this.after!;
    let key = disk.scanNext ?? 1;
    while (key <= this.count && (this.before.shardOf(key) !== this.me || after.shardOf(key) === this.me)) key++;
    disk.scanNext = key;
    if (key <= this.count) {
      // Marked sent before it leaves: from now on requests for it go to the new owner.
      disk.scanNext = key + 1;
      this.sendCopy(key, now);
      return;
    }
    const extras = disk.extras!;
    const next = disk.extraNext ?? 0;
    if (next < extras.length) {
      disk.extraNext = next + 1;
      this.sendCopy(extras[next], now);
      return;
    }
    if (unacked.size > 0) {
      this.copyAfter(oldestUs + timeoutUs - now, false);
      return;
    }
    disk.copyDone = true;
    disk.doneAcked = new Set([this.me]);
    this.announceDone();
  }

  /** Sends `key`'s copy as it is now to its new owner, and waits as long as the migration rate allows. */
  private sendCopy(key: number, nowLocalUs: number): void {
    const entry = this.entries.get(key);
    const message: KvCopy =
      entry === undefined
        ? { kind: 'kv-copy', key, version: 1, sizeBytes: this.sizes.sizeOf(key), deleted: false }
        : { kind: 'kv-copy', key, version: entry.version, sizeBytes: entry.sizeBytes, deleted: entry.deleted };
    this.disk.unacked!.set(key, nowLocalUs);
    this.keysSent++;
    this.record.copied(message.sizeBytes);
    this.ctx.send(this.peer(this.after!.shardOf(key)), message, message.sizeBytes);
    const rate = this.params.reshard!.migrationRate;
    const delayUs =
      rate.keysPerSec > 0 ? 1e6 / rate.keysPerSec : (Math.max(1, message.sizeBytes) * 1e6) / rate.bytesPerSec;
    this.copyAfter(delayUs, true);
  }

  /** Tells every shard that has not acknowledged it yet that this one's copy is complete, again after `copyTimeout`. */
  private announceDone(): void {
    const acked = this.disk.doneAcked!;
    if (acked.size === this.peers.length) return;
    const done: KvCopyDone = { kind: 'kv-copy-done', fromShard: this.me };
    for (let node = 0; node < this.peers.length; node++) if (!acked.has(node)) this.ctx.send(this.peer(node), done, 16);
    this.copyAfter(this.params.reshard!.copyTimeout, false);
  }

  private onCopy(from: NodeId, copy: KvCopy): void {
    this.beginMigration();
    const entry = this.entries.get(copy.key);
    if (entry === undefined)
      this.entries.set(copy.key, { version: copy.version, sizeBytes: copy.sizeBytes, deleted: copy.deleted });
    else if (copy.version > entry.version) {
      entry.version = copy.version;
      entry.sizeBytes = copy.sizeBytes;
      entry.deleted = copy.deleted;
    }
    this.ctx.send(from, { kind: 'kv-copy-ack', key: copy.key } satisfies KvCopyAck, 16);
    this.release(copy.key);
  }

  private onCopyAck(ack: KvCopyAck): void {
    const disk = this.disk;
    if (disk.unacked?.delete(ack.key) !== true || disk.unacked.size > 0 || this.pacing) return;
    // The last acknowledgement the copier was waiting for: nothing is left to send (else it would be pacing).
    if (this.copyTimer !== undefined) this.ctx.cancelTimer(this.copyTimer);
    this.copyNext();
  }

  private onCopyDone(from: NodeId, done: KvCopyDone): void {
    this.beginMigration();
    this.ctx.send(from, { kind: 'kv-copy-done-ack', shard: this.me } satisfies KvCopyDoneAck, 16);
    const doneFrom = (this.disk.doneFrom ??= new Set());
    if (doneFrom.has(done.fromShard)) return;
    doneFrom.add(done.fromShard);
    this.record.copyComplete(done.fromShard, this.me, this.ctx.nowUs);
    if (this.parked.size === 0) return;
    for (const key of [...this.parked.keys()]) if (this.before.shardOf(key) === done.fromShard) this.release(key);
  }

  private onCopyDoneAck(ack: KvCopyDoneAck): void {
    const acked = this.disk.doneAcked;
    if (acked === undefined) return;
    acked.add(ack.shard);
    if (acked.size === this.peers.length && this.copyTimer !== undefined) {
      this.ctx.cancelTimer(this.copyTimer);
      this.copyTimer = undefined;
    }
  }

  private peer(node: number): NodeId {
    let id = this.peers[node];
    if (id === -1) this.peers[node] = id = this.ctx.lookup(this.peerNames[node]);
    return id;
  }
}

/** Fills the shard log's static figures: keys per shard before and after, keys moved, the ring's expected spread. */
function describeSpread(record: ShardRecord, plan: ShardPlan, params: KvStoreParams): void {
  const count = params.keys.count;
  record.keysTotal = count;
  // The expected spread assumes equal weights: with unequal ones the shares differ on purpose.
  const weights = params.sharding.weights ?? [];
  const equalWeights = weights.every((w) => w === weights[0]);
  record.virtualNodes = params.sharding.scheme === 'ring' && equalWeights ? params.sharding.virtualNodes : 0;
  const spread = (map: ShardMap) => ({ keysPerShard: keysPerShard(map, plan.nodes, count), shardNodes: map.members });
  record.before = spread(plan.before);
  if (plan.after !== null) {
    record.after = spread(plan.after);
    record.keysMoved = movedKeys(plan.before, plan.after, count);
    record.reshardAtUs = plan.atUs;
  }
}

export const kvStoreModel: ModelDefinition<typeof kvStoreParams> = {
  type: 'kv-store',
  role: 'component',
  description:
    'A sharded key-value database (each node one shard): modulo, consistent-hash or range sharding, versions per key, a FIFO service queue per shard, and one live reshard (add or remove a shard) with key migration, forwarding or double reads.',
  params: kvStoreParams,
  check: (params, { nodeCount }) => shardingProblems(params, nodeCount),
  instantiate(params, ctx) {
    const nodes = ctx.nodeNames.length;
    const plan = shardPlan(params, nodes);
    const metrics = ctx.componentMetrics(params.workers);
    const db = ctx.caches.database(ctx.name);
    const record = ctx.shards.store(ctx.name, params.sharding.scheme, nodes);
    describeSpread(record, plan, params);
    const peerNames = ctx.nodeNames;
    // One per node: sizeOf reuses a stream, and sizes depend on the key only.
    const sizes = () => new ObjectSizes(params.objectSizes);
    return (node) => (nodeCtx) =>
      new KvStore(nodeCtx as NodeContext<ShardDisk>, params, plan, node, peerNames, metrics, db, record, sizes());
  },
};
