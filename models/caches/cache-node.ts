import {
  distribution,
  type Distribution,
  type DistributionSpec,
  type NodeContext,
  type NodeId,
  type RandomStream,
  type TimerHandle,
  type TimeUs,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from '../kit/request-messages.js';
import type { CacheRecord, DatabaseRecord } from '../measure/cache-log.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ErrorKind } from '../measure/outcomes.js';
import {
  kvReplyTo,
  type KvDelete,
  type KvGet,
  type KvPut,
  type KvReply,
  type KvRequest,
} from '../sharding/kv-messages.js';
import { backendRoute, databaseBehind, type BackendRoute } from './backend-route.js';
import { cacheParams, type CacheSettings } from './cache-settings.js';
import type { CacheStore, CacheStoreListener, RemovalCause } from './cache-store.js';
import { createCacheStore } from './create-cache-store.js';
import { ConsistentHashRing } from '../parts/consistent-hash-ring.js';
import { ObjectSizes } from './object-sizes.js';
import { KeyFlights, refreshesEarly, type KeyFlight } from './stampede-guard.js';
import { WriteBehindBuffer, type PendingWrite } from './write-behind-buffer.js';
import { IntMap } from '../parts/int-map.js';

/** A value (or a delete) a cache node sets on its replica, the key's next node on the ring. */
export interface CacheReplica {
  readonly kind: 'cache-replica';
  readonly key: number;
  readonly version: number;
  readonly sizeBytes: number;
  readonly deleted: boolean;
}

/** A request the cache has not answered yet: who asked, what, and when it arrived (true time, for latency). */
interface Caller {
  from: NodeId;
  message: Request | KvRequest;
  arrivedUs: TimeUs;
}

/** One request to the backend: a fetch (get) with the callers waiting on it, or a write (put, delete) with its caller or the flushed write-behind entry. */
interface BackendCall {
  id: number;
  op: 'get' | 'put' | 'delete';
  key: number;
  flight: KeyFlight;
  /** The key's write count when it was sent: a get whose key was written since was overtaken. */
  writesAtSend: number;
  /** A get a write of its key overtook (set when it is answered). */
  overtaken: boolean;
  callers: Caller[];
  sizeBytes: number;
  sentLocalUs: number;
  timer: TimerHandle;
  /** write-behind: the buffered write this put flushes; null otherwise. */
  flushed: PendingWrite | null;
  /** The answer, held while cache-aside's separate cache step runs. */
  reply: KvReply | null;
}

const BACKEND_TIMEOUT = 1;
const LOOKUP = 2;
const LOCK_RETRY = 3;
const FLUSH = 4;
const CACHE_STEP = 5;
/** The operation of a load balancer's request-kind health check. */
const HEALTH_CHECK = 'health-check';

/** Details every cache reports (at zero from the start, so a variant where one never happened still shows it). */
export const CACHE_DETAILS = [
  /** Expiries of the hot keys (natural, or a refresh started early or while serving stale). */
  'hotKeyExpiries',
  /** Backend fetches of hot keys this node had filled before (not the cold start's): hotKeyFetches / hotKeyExpiries is the database load per expiry. */
  'hotKeyFetches',
  'coalesced',
  'lockWaits',
  'staleServed',
  'refreshes',
  'negativeHits',
  'backendTimeouts',
  'keylessRequests',
] as const;

/** What the cache node needs besides its settings, found when the scenario is built. */
export interface CacheRuntime {
  record: CacheRecord;
  metrics: ComponentMetrics;
  route: BackendRoute;
  /** The record of the database whose truth staleness is judged against (the bottom of the chain of backends); undefined until it exists. */
  databaseRecord(): DatabaseRecord | undefined;
  /** Every key's size at the database (its `objectSizes`), for misses and for writes of workload Requests, which carry no size; null when the database has none. */
  objectSizes: ObjectSizes | null;
  /** replicas: the ring over this component's nodes (in their order) and their names; null without replicas. */
  replicaRing: ConsistentHashRing | null;
  peers: readonly string[];
  /** Key class ranges: class c holds keys classFrom[c]..classTo[c]; keys in none count in class `classFrom.length`. */
  classFrom: Float64Array;
  classTo: Float64Array;
}

/**
 * A cache node: it answers workload Requests and kv gets, puts and deletes
 * from memory (a CacheStore, lost at a crash) and reaches the database behind
 * it with the kv protocol, as the pattern says:
 *
 * - cache-aside: it plays the application's cache library. A miss reads the
 *   database, then sets the cache as a separate step (after `lookupTime`),
 *   whatever happened meanwhile; a write writes the database, then deletes
 *   or updates the entry (`onWrite`). A fill that lands after a concurrent
 *   write's invalidation leaves the old value: the classic race, counted as
 *   stale reads: later reads get a value older than the write the cache acknowledged.
 * - read-through: the cache fills itself, and drops a fill that a write of
 *   the key overtook (sent before the write was acknowledged) or that is
 *   older than what it holds, so the race cannot happen.
 * - write-through: a write goes to the database, then into the cache, and is
 *   answered after both.
 * - write-behind: a write goes into the cache and is answered at once; writes
 *   are flushed in batches every `flushInterval`. Reads of a key with a write
 *   not yet in the database see it; a crash loses the ones not yet sent.
 *
 * A miss of a key others are fetching follows `stampede.protection`; hits
 * can refresh ahead of expiry (`refreshAhead`) and not-found answers can be
 * cached (`negativeTtl`). Protocol times (TTLs, locks, XFetch) are on the
 * node's clock; measurements on true time.
 */
export class CacheNode
  implements InspectableProcess<Request | KvRequest | KvReply | Ping | CacheReplica>, CacheStoreListener
{
  private readonly store: CacheStore;
  private readonly flights = new KeyFlights();
  private readonly calls = new IntMap<BackendCall>();
  private readonly buffer: WriteBehindBuffer | null;
  /** early-expiry: each key's last fetch time δ, in µs. */
  private readonly recomputeUs = new Map<number, number>();
  private readonly backendIds: NodeId[];
  private readonly writeOps: ReadonlySet<string>;
  private readonly hotKeys: ReadonlySet<number>;
  /** Hot keys this node has filled once: their fetches from then on are their expiries' doing, not a cold start's. */
  private readonly hotFilled = new Set<number>();
  /** Hot keys whose entry's expiry was counted when a refresh of it started, so its leaving is not counted again. */
  private readonly hotExpiryCounted = new Set<number>();
  private readonly rng: RandomStream;
  private readonly fillDelay: Distribution;
  private readonly ttlUs: number;
  private readonly cacheAside: boolean;
  private readonly protection: CacheSettings['stampede']['protection'];
  private readonly record: CacheRecord;
  private readonly metrics: ComponentMetrics;
  private readonly peerIds: NodeId[];
  /** Ring members other than this node (for the replica's place), made once. */
  private readonly isPeer: (member: number) => boolean;
  private database: DatabaseRecord | undefined;
  private nextId = 0;
  /** Entries and bytes this node has reported to the cache record (what a crash takes back). */
  private reportedEntries = 0;
  private reportedBytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: CacheSettings,
    private readonly runtime: CacheRuntime,
    nodeIndex: number,
  ) {
    this.rng = ctx.random('cache');
    this.fillDelay = distribution(settings.fillDelay);
    this.store = createCacheStore(settings, this, ctx.random('eviction'));
    this.buffer = settings.pattern === 'write-behind' ? new WriteBehindBuffer() : null;
    this.backendIds = runtime.route.nodes.map((n) => ctx.lookup(n));
    this.writeOps = new Set(settings.writeOperations);
    this.hotKeys = new Set(settings.hotKeys);
    this.ttlUs = settings.ttl ?? Infinity;
    this.cacheAside = settings.pattern === 'cache-aside';
    this.protection = settings.stampede.protection;
    this.record = runtime.record;
    this.metrics = runtime.metrics;
    this.peerIds = runtime.replicaRing === null ? [] : runtime.peers.map((n) => ctx.lookup(n));
    this.isPeer = (member) => member !== nodeIndex;
  }

  onStart(): void {
    if (this.buffer !== null) this.ctx.setTimer(this.settings.writeBehind.flushInterval, FLUSH);
  }

  /** Memory held, backend requests and keys in flight, write-behind writes not yet in the database, hits and misses so far. */
  inspect(): InspectedState {
    return {
      entries: this.store.entries,
      bytes: this.store.bytes,
      backendRequestsInFlight: this.calls.size,
      keysInFlight: this.flights.size,
      unsentWrites: this.buffer?.unsentWrites ?? 0,
      keysFlushing: this.buffer?.keysInFlight ?? 0,
      hits: this.hits,
      misses: this.misses,
    };
  }

  /** Called by the instance when this node crashed: its memory and its unsent writes are gone. */
  crashed(atUs: TimeUs): void {
    if (this.buffer !== null) this.record.lostWrites += this.buffer.unsentWrites;
    this.record.memoryChanged(atUs, -this.reportedEntries, -this.reportedBytes);
    this.reportedEntries = 0;
    this.reportedBytes = 0;
  }

  /**
   * The store's listener: counts evictions and expiries (memory is synced
   * from the store's totals), and a hot key's expiry once per entry: when it
   * leaves expired, unless a refresh of it already counted it.
   */
  removed(key: number, _sizeBytes: number, cause: RemovalCause): void {
    if (cause === 'evicted') this.record.evicted(this.ctx.nowUs);
    else if (cause === 'expired') this.record.expired(this.ctx.nowUs);
    if (!this.hotKeys.has(key)) return;
    if (cause === 'expired' && !this.hotExpiryCounted.has(key)) this.record.count('hotKeyExpiries');
    this.hotExpiryCounted.delete(key);
  }

  onMessage(from: NodeId, message: Request | KvRequest | KvReply | Ping | CacheReplica): void {
    switch (message.kind) {
      case 'cache-replica':
        this.onReplica(message);
        return;
      case 'kv-reply':
        this.onBackendReply(message);
        return;
      case 'ping':
        this.ctx.send(from, { kind: 'pong', id: message.id } satisfies Pong, 0);
        return;
    }
    const now = this.ctx.nowUs;
    if (message.kind === 'request' && message.key === undefined) {
      // A balancer's request-kind health check carries no key: a running node passes it, as Redis answers PING.
      if (message.operation === HEALTH_CHECK) {
        this.ctx.send(from, responseTo(message), 0);
        return;
      }
      this.metrics.recordArrival(false, now);
      this.metrics.recordRejected(now);
      this.record.count('keylessRequests');
      this.ctx.send(from, responseTo(message, 'rejected'), 0);
      return;
    }
    this.metrics.recordArrival(false, now);
    if (this.settings.lookupTime > 0) {
      this.ctx.setTimer(this.settings.lookupTime, LOOKUP, { from, message, arrivedUs: now } satisfies Caller);
      return;
    }
    this.handle(from, message, now);
  }

  onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case LOOKUP: {
        const caller = data as Caller;
        this.handle(caller.from, caller.message, caller.arrivedUs);
        return;
      }
      case BACKEND_TIMEOUT:
        this.onBackendTimeout(data as number);
        return;
      case LOCK_RETRY: {
        const caller = data as Caller;
        this.lookUpAgain(caller);
        return;
      }
      case FLUSH:
        this.flush();
        this.ctx.setTimer(this.settings.writeBehind.flushInterval, FLUSH);
        return;
      case CACHE_STEP:
        this.applyAnswer(data as BackendCall);
        return;
    }
  }

  private handle(from: NodeId, message: Request | KvRequest, arrivedUs: TimeUs): void {
    switch (message.kind) {
      case 'request':
        if (this.writeOps.has(message.operation))
          this.write(from, message, message.key!, this.sizeOf(message.key!), false, arrivedUs);
        else this.read(from, message, message.key!, arrivedUs);
        return;
      case 'kv-get':
        this.read(from, message, message.key, arrivedUs);
        return;
      case 'kv-put':
        this.write(from, message, message.key, message.sizeBytes, false, arrivedUs);
        return;
      case 'kv-delete':
        this.write(from, message, message.key, 0, true, arrivedUs);
        return;
    }
  }

  // ---- reads

  private read(from: NodeId, message: Request | KvRequest, key: number, arrivedUs: TimeUs): void {
    const now = this.ctx.localTimeUs();
    const store = this.store;
    if (this.protection === 'stale-while-revalidate') {
      const held = store.peek(key);
      if (held >= 0) {
        const expiresAtUs = store.expiresAtUs(held);
        if (expiresAtUs <= now && now < expiresAtUs + this.settings.stampede.staleWindow) {
          this.record.count('staleServed');
          this.hit(from, message, key, held, arrivedUs);
          this.refreshInBackground(key);
          return;
        }
      }
    }
    const slot = store.get(key, now);
    if (slot >= 0) {
      if (this.protection === 'early-expiry' && this.refreshesEarly(key, slot, now)) {
        this.countRefreshStart(key);
        this.misses++;
        this.record.lookup(this.ctx.nowUs, key, store.sizeOf(slot), false, this.classOf(key));
        this.fetch(key, { from, message, arrivedUs }, true);
        return;
      }
      if (this.settings.refreshAhead !== undefined) {
        const storedAtUs = store.storedAtUs(slot);
        const lifetimeUs = store.expiresAtUs(slot) - storedAtUs;
        if (now - storedAtUs >= this.settings.refreshAhead * lifetimeUs) this.refreshInBackground(key);
      }
      this.hit(from, message, key, slot, arrivedUs);
      return;
    }
    this.syncMemory();
    const pending = this.buffer?.latest(key);
    if (pending !== undefined) {
      // write-behind: the newest value is the write not yet in the database.
      this.hits++;
      this.record.lookup(this.ctx.nowUs, key, pending.sizeBytes, true, this.classOf(key));
      this.answerRead(from, message, !pending.deleted, 0, pending.sizeBytes, arrivedUs);
      return;
    }
    this.misses++;
    this.record.lookup(this.ctx.nowUs, key, this.sizeOf(key), false, this.classOf(key));
    this.miss({ from, message, arrivedUs }, key, now);
  }

  /** Answers from the entry in `slot`, counting a stale read when the database has a newer version and no write of this node is pending. */
  private hit(from: NodeId, message: Request | KvRequest, key: number, slot: number, arrivedUs: TimeUs): void {
    const store = this.store;
    const version = store.versionOf(slot);
    const sizeBytes = store.sizeOf(slot);
    this.hits++;
    this.record.lookup(this.ctx.nowUs, key, sizeBytes, true, this.classOf(key));
    if (version === 0) this.record.count('negativeHits');
    this.judgeStaleness(key, version, arrivedUs);
    this.answerRead(from, message, version > 0, version, sizeBytes, arrivedUs);
  }

  /** Counts a stale read: `version` is older than a write acknowledged before the read arrived (DatabaseRecord.isStale), and no write of this node is pending. */
  private judgeStaleness(key: number, version: number, arrivedUs: TimeUs): void {
    const database = this.databaseRecord();
    if (database === undefined || !database.isStale(key, version, arrivedUs)) return;
    if (this.buffer?.latest(key) !== undefined) return;
    this.record.staleRead(this.ctx.nowUs);
  }

  /** The database's record appears when the database is built, which may be after this cache: found on first use. */
  private databaseRecord(): DatabaseRecord | undefined {
    return (this.database ??= this.runtime.databaseRecord());
  }

  private refreshesEarly(key: number, slot: number, now: number): boolean {
    const expiresAtUs = this.store.expiresAtUs(slot);
    if (expiresAtUs === Infinity) return false;
    const flight = this.flights.get(key);
    if (flight !== undefined && flight.sharedFetch >= 0) return false;
    const deltaUs = this.recomputeUs.get(key) ?? 0;
    return refreshesEarly(now, expiresAtUs, deltaUs, this.settings.stampede.beta, this.rng.next());
  }

  /** One background fetch of `key`, unless one is already in flight (stale-while-revalidate, refresh-ahead). */
  private refreshInBackground(key: number): void {
    const flight = this.flights.get(key);
    if (flight !== undefined && flight.sharedFetch >= 0) return;
    this.countRefreshStart(key);
    this.fetch(key, null, true);
  }

  /** A refresh started before the entry was removed: for a hot key, this is its entry's expiry (an early or stale one), counted once. */
  private countRefreshStart(key: number): void {
    this.record.count('refreshes');
    if (!this.hotKeys.has(key) || this.hotExpiryCounted.has(key)) return;
    this.record.count('hotKeyExpiries');
    this.hotExpiryCounted.add(key);
  }

  /** A miss: fetch, or wait on a fetch in flight, as the stampede protection says. */
  private miss(caller: Caller, key: number, now: number): void {
    const flight = this.flights.get(key);
    const shared = flight === undefined ? null : flight.sharedFetch >= 0 ? this.calls.get(flight.sharedFetch)! : null;
    switch (this.protection) {
      case 'coalesce':
        if (shared !== null) {
          this.record.count('coalesced');
          shared.callers.push(caller);
          return;
        }
        break;
      case 'lock':
        if (shared !== null && flight!.lockedUntilLocalUs > now) {
          this.record.count('lockWaits');
          this.ctx.setTimer(this.settings.stampede.retryInterval, LOCK_RETRY, caller);
          return;
        }
        if (shared === null) {
          this.fetch(key, caller, true).flight.lockedUntilLocalUs = now + this.settings.stampede.lockTimeout;
          return;
        }
        break;
    }
    this.fetch(key, caller, shared === null);
  }

  /** lock: a waiting miss looks again; a hit now is answered (its lookup was already counted as a miss). */
  private lookUpAgain(caller: Caller): void {
    const key = keyOf(caller.message);
    const now = this.ctx.localTimeUs();
    const slot = this.store.get(key, now);
    if (slot >= 0) {
      const version = this.store.versionOf(slot);
      this.judgeStaleness(key, version, caller.arrivedUs);
      this.answerRead(caller.from, caller.message, version > 0, version, this.store.sizeOf(slot), caller.arrivedUs);
      return;
    }
    this.syncMemory();
    this.miss(caller, key, now);
  }

  // ---- writes

  private write(
    from: NodeId,
    message: Request | KvRequest,
    key: number,
    sizeBytes: number,
    deleted: boolean,
    arrivedUs: TimeUs,
  ): void {
    this.record.writes++;
    const flight = this.flights.get(key);
    if (flight !== undefined) flight.writes++;
    const buffer = this.buffer;
    if (buffer !== null && !(message.kind === 'kv-put' && message.ifAbsent === true)) {
      buffer.add(key, sizeBytes, deleted);
      const held = this.store.peek(key);
      const version = held >= 0 ? this.store.versionOf(held) + 1 : 1;
      if (deleted) this.store.delete(key);
      else this.store.put(key, version, sizeBytes, this.ctx.localTimeUs(), this.ttl());
      this.syncMemory();
      this.mirror(key, version, sizeBytes, deleted);
      this.answerWrite(from, message, 0, sizeBytes, arrivedUs);
      return;
    }
    this.send(key, deleted ? 'delete' : 'put', [{ from, message, arrivedUs }], sizeBytes, null);
  }

  /** write-behind: sends up to a batch of buffered writes to the database. */
  private flush(): void {
    const batch = this.buffer!.takeBatch(this.settings.writeBehind.batchSize);
    for (const write of batch)
      this.send(write.key, write.deleted ? 'delete' : 'put', NO_CALLERS, write.sizeBytes, write);
  }

  // ---- the backend

  private fetch(key: number, caller: Caller | null, shared: boolean): BackendCall {
    const call = this.send(key, 'get', caller === null ? [] : [caller], 0, null);
    if (shared) call.flight.sharedFetch = call.id;
    return call;
  }

  private send(
    key: number,
    op: BackendCall['op'],
    callers: Caller[],
    sizeBytes: number,
    flushed: PendingWrite | null,
  ): BackendCall {
    const id = this.nextId++;
    const flight = this.flights.begin(key);
    const localUs = this.ctx.localTimeUs();
    const call: BackendCall = {
      id,
      op,
      key,
      flight,
      writesAtSend: flight.writes,
      overtaken: false,
      callers,
      sizeBytes,
      sentLocalUs: localUs,
      timer: this.ctx.setTimer(this.settings.backendTimeout, BACKEND_TIMEOUT, id),
      flushed,
      reply: null,
    };
    this.calls.set(id, call);
    const to = this.backendIds[this.runtime.route.nodeFor(key, localUs)];
    const sentUs = this.ctx.nowUs;
    if (op === 'get') {
      this.ctx.send(to, { kind: 'kv-get', id, key, sentUs } satisfies KvGet, 0);
      this.record.backendRequest(sentUs, this.sizeOf(key));
      if (this.hotFilled.has(key)) this.record.count('hotKeyFetches');
    } else if (op === 'put') {
      const ifAbsent = callers.length === 1 && callers[0].message.kind === 'kv-put' && callers[0].message.ifAbsent;
      const put: KvPut = ifAbsent
        ? { kind: 'kv-put', id, key, sizeBytes, sentUs, ifAbsent: true }
        : { kind: 'kv-put', id, key, sizeBytes, sentUs };
      this.ctx.send(to, put, sizeBytes);
      this.record.backendRequest(sentUs, sizeBytes);
    } else {
      this.ctx.send(to, { kind: 'kv-delete', id, key, sentUs } satisfies KvDelete, 0);
      this.record.backendRequest(sentUs, 0);
    }
    return call;
  }

  /** Takes the call out of flight; a fetch others shared releases its key (and its lock). */
  private land(call: BackendCall): void {
    this.calls.delete(call.id);
    const flight = call.flight;
    if (flight.sharedFetch === call.id) {
      flight.sharedFetch = -1;
      flight.lockedUntilLocalUs = -Infinity;
    }
    this.flights.end(call.key, flight);
  }

  private onBackendReply(reply: KvReply): void {
    const call = this.calls.get(reply.id);
    if (call === undefined) return; // timed out already
    this.ctx.cancelTimer(call.timer);
    if (call.op !== 'get') call.flight.writes++;
    call.reply = reply;
    // Whether a write of the key arrived or committed since this get left: read before the flight can be dropped.
    call.overtaken = call.flight.writes !== call.writesAtSend;
    this.land(call);
    if (call.op === 'get' && this.settings.stampede.protection === 'early-expiry')
      this.recomputeUs.set(call.key, this.ctx.localTimeUs() - call.sentLocalUs);
    if (call.flushed !== null) {
      this.flushAnswered(call, reply);
      return;
    }
    // cache-aside's set or delete is a separate cache operation after the database answered (a set also after the application's own delay).
    if (this.cacheAside && reply.status !== 'failed') {
      const delayUs = this.settings.lookupTime + (call.op === 'get' ? this.fillDelay.sample(this.rng) : 0);
      if (delayUs > 0) {
        this.ctx.setTimer(delayUs, CACHE_STEP, call);
        return;
      }
    }
    this.applyAnswer(call);
  }

  /** Updates the cache with the database's answer in `call.reply`, as the pattern says, then answers the callers. */
  private applyAnswer(call: BackendCall): void {
    const reply = call.reply!;
    const key = call.key;
    if (reply.status === 'failed') {
      for (const caller of call.callers) this.answerError(caller, 'unavailable', reply.reason ?? 'the backend failed');
      return;
    }
    if (call.op === 'get') {
      // cache-aside sets whatever it read; the cache's own fills are dropped when a write overtook them, a newer version is held or a write is pending.
      const install =
        this.cacheAside ||
        (!call.overtaken && this.buffer?.latest(key) === undefined && !this.holdsNewer(key, reply.version));
      if (install) {
        if (reply.status === 'ok') {
          this.store.put(key, reply.version, reply.sizeBytes, this.ctx.localTimeUs(), this.ttl());
          if (this.hotKeys.has(key)) this.hotFilled.add(key);
          this.mirror(key, reply.version, reply.sizeBytes, false);
        } else if (this.settings.negativeTtl !== undefined)
          this.store.put(key, 0, 0, this.ctx.localTimeUs(), this.settings.negativeTtl);
        this.syncMemory();
      }
      const found = reply.status === 'ok';
      const version = found ? reply.version : 0;
      for (const caller of call.callers) {
        // A caller that joined a fetch sent before a write completed can get the older value; a not-found (from a
        // cache behind, a negative entry) is version 0, judged as a negative hit here is.
        this.judgeStaleness(key, version, caller.arrivedUs);
        this.answerRead(caller.from, caller.message, found, version, reply.sizeBytes, caller.arrivedUs);
      }
      return;
    }
    if (reply.status === 'ok' || reply.status === 'not-found') {
      const updates =
        call.op === 'put' && (this.settings.pattern === 'write-through' || this.settings.onWrite === 'update');
      if (!updates) {
        this.store.delete(key);
        this.mirror(key, reply.version, 0, true);
      } else if (this.cacheAside || !this.holdsNewer(key, reply.version)) {
        this.store.put(key, reply.version, call.sizeBytes, this.ctx.localTimeUs(), this.ttl());
        this.mirror(key, reply.version, call.sizeBytes, false);
      }
      this.syncMemory();
    }
    if (reply.status === 'ok')
      this.databaseRecord()?.acknowledged(key, reply.version, this.ctx.nowUs, call.op === 'delete');
    const caller = call.callers[0];
    if (reply.status === 'exists') {
      this.metrics.recordServed(caller.arrivedUs, this.ctx.nowUs);
      this.answerKv(caller, 'exists', reply.version, reply.sizeBytes);
    } else this.answerWrite(caller.from, caller.message, reply.version, call.sizeBytes, caller.arrivedUs);
  }

  private holdsNewer(key: number, version: number): boolean {
    const held = this.store.peek(key);
    return held >= 0 && this.store.versionOf(held) > version;
  }

  /** write-behind: a flushed write committed (the entry takes the database's version) or goes back to wait for the next flush. */
  private flushAnswered(call: BackendCall, reply: KvReply): void {
    const buffer = this.buffer!;
    buffer.acknowledged(call.key);
    if (reply.status === 'failed') {
      buffer.retry(call.flushed!);
      return;
    }
    if (reply.status === 'ok')
      this.databaseRecord()?.acknowledged(call.key, reply.version, this.ctx.nowUs, call.flushed!.deleted);
    // The entry holds the value just committed: it takes the database's version, and nothing else changes (no access, same expiry).
    const held = this.store.peek(call.key);
    if (held >= 0 && buffer.latest(call.key) === undefined && reply.status === 'ok')
      this.store.setVersion(held, reply.version);
  }

  private onBackendTimeout(id: number): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    this.land(call);
    this.record.count('backendTimeouts');
    if (call.flushed !== null) {
      this.buffer!.acknowledged(call.key);
      this.buffer!.retry(call.flushed);
      return;
    }
    for (const caller of call.callers) this.answerError(caller, 'timeout', 'the backend did not answer in time');
  }

  // ---- answers and bookkeeping

  private answerRead(
    to: NodeId,
    message: Request | KvRequest,
    found: boolean,
    version: number,
    sizeBytes: number,
    arrivedUs: TimeUs,
  ): void {
    this.metrics.recordServed(arrivedUs, this.ctx.nowUs);
    if (message.kind === 'request') {
      this.ctx.send(to, responseTo(message), sizeBytes);
      return;
    }
    const reply = found ? kvReplyTo(message, 'ok', version, sizeBytes) : kvReplyTo(message, 'not-found', 0, 0);
    this.ctx.send(to, reply, reply.sizeBytes);
  }

  private answerWrite(
    to: NodeId,
    message: Request | KvRequest,
    version: number,
    sizeBytes: number,
    arrivedUs: TimeUs,
  ): void {
    this.metrics.recordServed(arrivedUs, this.ctx.nowUs);
    if (message.kind === 'request') {
      this.ctx.send(to, responseTo(message), 0);
      return;
    }
    this.ctx.send(to, kvReplyTo(message, 'ok', version, message.kind === 'kv-put' ? sizeBytes : 0), 0);
  }

  private answerKv(caller: Caller, status: KvReply['status'], version: number, sizeBytes: number): void {
    this.ctx.send(caller.from, kvReplyTo(caller.message as KvRequest, status, version, sizeBytes), 0);
  }

  /** Answers a failure the backend caused: the request leaves the cache answered, so it counts as served (not refused at the door). */
  private answerError(caller: Caller, error: ErrorKind, reason: string): void {
    this.metrics.recordServed(caller.arrivedUs, this.ctx.nowUs);
    const message = caller.message;
    if (message.kind === 'request') {
      this.ctx.send(caller.from, responseTo(message, error) satisfies Response, 0);
      return;
    }
    this.ctx.send(caller.from, kvReplyTo(message, 'failed', 0, 0, reason), 0);
  }

  /** An entry's time to live: ttl × U(1 − ttlJitter, 1). */
  private ttl(): number {
    const jitter = this.settings.ttlJitter;
    return jitter === 0 ? this.ttlUs : this.ttlUs * (1 - jitter * this.rng.next());
  }

  private sizeOf(key: number): number {
    return this.runtime.objectSizes?.sizeOf(key) ?? 0;
  }

  private classOf(key: number): number {
    const from = this.runtime.classFrom;
    const to = this.runtime.classTo;
    for (let c = 0; c < from.length; c++) if (key >= from[c] && key <= to[c]) return c;
    return from.length;
  }

  /** replicas: sets (or deletes) the key on its next node on the ring, the one a consistent-hash balancer fails over to. */
  private mirror(key: number, version: number, sizeBytes: number, deleted: boolean): void {
    const ring = this.runtime.replicaRing;
    if (ring === null) return;
    const replica = ring.lookup(key, this.isPeer);
    if (replica < 0) return;
    this.ctx.send(
      this.peerIds[replica],
      { kind: 'cache-replica', key, version, sizeBytes, deleted } satisfies CacheReplica,
      deleted ? 0 : sizeBytes,
    );
  }

  private onReplica(replica: CacheReplica): void {
    this.record.count('replicaSets');
    if (replica.deleted) this.store.delete(replica.key);
    else if (!this.holdsNewer(replica.key, replica.version))
      this.store.put(replica.key, replica.version, replica.sizeBytes, this.ctx.localTimeUs(), this.ttl());
    this.syncMemory();
  }

  /** Reports the store's change in entries and bytes since the last report (fills, deletes, evictions, expiries). */
  private syncMemory(): void {
    const entries = this.store.entries;
    const bytes = this.store.bytes;
    if (entries === this.reportedEntries && bytes === this.reportedBytes) return;
    this.record.memoryChanged(this.ctx.nowUs, entries - this.reportedEntries, bytes - this.reportedBytes);
    this.reportedEntries = entries;
    this.reportedBytes = bytes;
  }
}

const NO_CALLERS: Caller[] = [];

function keyOf(message: Request | KvRequest): number {
  return message.key!;
}

export const cacheModel: ModelDefinition<typeof cacheParams> = {
  type: 'cache',
  role: 'component',
  description:
    'A cache node (Redis, Memcached) in front of a kv-store or another cache: eviction policy and TTL, cache-aside, read-through, write-through or write-behind, negative caching, refresh-ahead and stampede protection (coalesce, lock, stale-while-revalidate, XFetch); a crash empties it.',
  params: cacheParams,
  references: (params) => [{ path: ['backend'], component: params.backend, type: ['kv-store', 'cache'] }],
  check(params) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    const protection = params.stampede.protection;
    if (params.ttl === undefined && (protection === 'stale-while-revalidate' || protection === 'early-expiry'))
      problems.push({
        path: ['stampede', 'protection'],
        message: `${protection} acts on expiries, and without a ttl nothing expires: give the cache a ttl`,
      });
    if (params.ttl === undefined && params.refreshAhead !== undefined)
      problems.push({ path: ['refreshAhead'], message: 'refreshAhead is a share of the ttl: give the cache a ttl' });
    return problems;
  },
  instantiate(params, ctx) {
    const classes = params.keyClasses ?? [];
    const names = classes.length === 0 ? ['all'] : [...classes.map((c) => c.name), 'other'];
    const record = ctx.caches.cache(ctx.name, 'cache', names);
    for (const detail of CACHE_DETAILS) record.count(detail, 0);
    if (params.replicas !== undefined) record.count('replicaSets', 0);
    const database = databaseBehind(ctx, params.backend);
    const objectSizes = ctx.paramsOf(database).objectSizes as DistributionSpec | undefined;
    const runtime: CacheRuntime = {
      record,
      metrics: ctx.componentMetrics(0),
      route: backendRoute(ctx, params.backend),
      databaseRecord: () => ctx.caches.existingDatabase(database),
      objectSizes: objectSizes === undefined ? null : new ObjectSizes(objectSizes),
      replicaRing:
        params.replicas === undefined
          ? null
          : new ConsistentHashRing(
              ctx.nodeNames.map(() => 1),
              params.replicas.virtualNodes,
            ),
      peers: ctx.nodeNames,
      classFrom: Float64Array.from(classes, (c) => c.keys[0]),
      classTo: Float64Array.from(classes, (c) => c.keys[1]),
    };
    // A crash discards the node's process: its memory and unsent writes are taken out of the record here.
    const live = new Map<NodeId, CacheNode>();
    ctx.onCrash((node, atUs) => {
      const crashed = live.get(node);
      if (crashed === undefined) return;
      live.delete(node);
      crashed.crashed(atUs);
    });
    return (nodeIndex) => (nodeCtx) => {
      const node = new CacheNode(nodeCtx, params, runtime, nodeIndex);
      live.set(nodeCtx.id, node);
      return node;
    };
  },
};
