import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type TimerHandle,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { InstanceContext, ModelDefinition } from '../kit/model-contract.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from '../kit/request-messages.js';
import type { CacheRecord, CacheRole } from '../measure/cache-log.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import { kvReplyTo, type KvGet, type KvReply, type KvRequest } from '../sharding/kv-messages.js';
import type { CacheStore, CacheStoreListener, RemovalCause } from '../caches/cache-store.js';
import { createCacheStore } from '../caches/create-cache-store.js';
import { cdnOriginOf, isCdnTierParams, type CdnOrigin } from './cdn-origin.js';
import { cdnTierParams, type CdnTierSettings } from './cdn-tier-params.js';
import { ContentTypes, type ContentTypeSpec } from './content-types.js';
import { ParentSelection } from './parent-selection.js';
import { PurgeSchedule, type PurgeSpec } from './purge-schedule.js';

/** What one tier's PoPs share: settings resolved once per component. */
interface TierRuntime {
  settings: CdnTierSettings;
  record: CacheRecord;
  metrics: ComponentMetrics;
  types: ContentTypes;
  purges: PurgeSchedule;
  purgeDelay: Distribution;
  origin: CdnOrigin;
  /** True when `parent` is the origin itself (this is the tier in front of it). */
  fillsFromOrigin: boolean;
  parentNodes: readonly string[];
  rttUs(a: NodeId, b: NodeId): number;
}

/** A miss on its way to the parent, and who waits for it. */
interface Fill {
  key: number;
  classIndex: number;
  sizeBytes: number;
  /** The asker: a client (answered with a Response) or a child PoP (answered with a KvReply). */
  from: NodeId;
  client: Request | null;
  childId: number;
  childSentUs: number;
  arrivedUs: number;
  parent: NodeId;
  attempts: number;
  timer: TimerHandle;
}

const FILL_TIMEOUT = 1;
const PURGE = 2;

/**
 * One PoP of a CDN tier: a cache in front of its parent (the next tier's
 * nearest PoP, or the origin). A client request or a child PoP's get is a
 * lookup in the PoP's own store: a hit is answered at once, a miss is filled
 * from the parent (pull) and stored with its content type's TTL. Pushed
 * objects (the most popular keys) are placed at start without being asked
 * for, in storage of their own beside the cache: never evicted nor expired,
 * re-pushed in their new version when a purge of them reaches the PoP, each
 * placement counted as bytes the origin sends. A purge deletes its
 * keys after this PoP's own delay; until then the PoP serves the old copy,
 * and a copy older than the key's current version is counted stale when
 * served (a stale read when it reaches a client), and refused for storing
 * once the PoP knows better. A parent that does not
 * answer within `parentTimeout` is skipped and the fill goes to the next
 * nearest. No request collapsing: every miss is its own fill, so a tier's
 * misses are exactly its parent's lookups from it.
 */
export class CdnPop implements InspectableProcess<Request | KvRequest | KvReply | Ping> {
  private readonly store: CacheStore;
  private readonly parents: ParentSelection | null;
  private readonly originNodes: NodeId[];
  private readonly fills = new Map<number, Fill>();
  private readonly purgesApplied: Uint8Array;
  /** Pushed keys are 1..pushed; the version each holds (index = key). */
  private readonly pushedVersions: Float64Array;
  private pushedEntries = 0;
  private pushedBytes = 0;
  private nextFillId = 0;
  /** Lookups this PoP served since it (re)started, for inspection: where clients and children went. */
  private lookups = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly tier: TierRuntime,
  ) {
    const s = tier.settings;
    const record = tier.record;
    const listener: CacheStoreListener = {
      removed(_key: number, sizeBytes: number, cause: RemovalCause): void {
        const now = ctx.nowUs;
        record.memoryChanged(now, -1, -sizeBytes);
        if (cause === 'evicted') record.evicted(now);
        else if (cause === 'expired') record.expired(now);
      },
    };
    this.store = createCacheStore(s, listener, ctx.random('eviction'));
    const parentIds = tier.parentNodes.map((name) => ctx.lookup(name));
    this.parents = tier.fillsFromOrigin
      ? null
      : new ParentSelection(parentIds, (p) => tier.rttUs(ctx.id, p), s.parentRetryAfter);
    this.originNodes = tier.fillsFromOrigin ? parentIds : [];
    this.purgesApplied = new Uint8Array(tier.purges.purges.length);
    this.pushedVersions = new Float64Array((s.push?.keys ?? 0) + 1);
  }

  /** Lookups served, entries and bytes held, fills awaiting the parent, parents being skipped, purges applied. */
  inspect(): InspectedState {
    let applied = 0;
    for (let i = 0; i < this.purgesApplied.length; i++) applied += this.purgesApplied[i];
    return {
      tier: this.tier.settings.tier,
      lookups: this.lookups,
      entries: this.entries,
      bytes: this.bytes,
      fillsInFlight: this.fills.size,
      parentsDown: this.parents === null ? 0 : this.parents.downAt(this.ctx.localTimeUs()),
      purgesApplied: applied,
    };
  }

  /** Cached and pushed objects held. */
  get entries(): number {
    return this.store.entries + this.pushedEntries;
  }

  get bytes(): number {
    return this.store.bytes + this.pushedBytes;
  }

  /** Schedules the purges still to come and places pushed objects (the store is empty at every start). */
  onStart(): void {
    const now = this.ctx.nowUs;
    const purges = this.tier.purges.purges;
    const rng = this.ctx.random('purge-delay');
    for (let i = 0; i < purges.length; i++) {
      const delayUs = this.tier.purgeDelay.sample(rng);
      // A purge issued before this start finds nothing of its keys here: the store was empty.
      if (purges[i].atUs <= now) this.purgesApplied[i] = 1;
      else this.ctx.setTimer(purges[i].atUs - now + Math.max(0, delayUs), PURGE, i);
    }
    for (let key = 1; key < this.pushedVersions.length; key++) this.place(key);
  }

  onMessage(from: NodeId, message: Request | KvRequest | KvReply | Ping): void {
    switch (message.kind) {
      case 'request':
        if (message.key === undefined)
          this.ctx.send(from, responseTo(message), 0); // a health check
        else this.lookup(from, message.key, message, 0, message.sentUs);
        return;
      case 'kv-get':
        this.lookup(from, message.key, null, message.id, message.sentUs);
        return;
      case 'kv-reply':
        this.filled(message);
        return;
      case 'ping':
        this.ctx.send(from, { kind: 'pong', id: message.id } satisfies Pong, 0);
        return;
      case 'kv-put':
      case 'kv-delete':
        this.ctx.send(
          from,
          kvReplyTo(message, 'failed', 0, 0, `cdn-tier ${this.ctx.name} serves reads only; write to the origin`),
          0,
        );
        return;
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === PURGE) this.applyPurge(data as number);
    else this.fillTimedOut(data as number);
  }

  private lookup(from: NodeId, key: number, client: Request | null, childId: number, childSentUs: number): void {
    const { record, metrics, types } = this.tier;
    const now = this.ctx.nowUs;
    metrics.recordArrival(false, now);
    this.lookups++;
    const classIndex = types.classOf(key);
    const sizeBytes = this.tier.origin.sizes.sizeOf(key);
    if (key < this.pushedVersions.length) {
      record.lookup(now, key, sizeBytes, true, classIndex);
      this.answer(from, client, childId, childSentUs, key, 'ok', this.pushedVersions[key], sizeBytes, now);
      return;
    }
    const slot = this.store.get(key, this.ctx.localTimeUs());
    record.lookup(now, key, sizeBytes, slot >= 0, classIndex);
    if (slot >= 0) {
      this.answer(from, client, childId, childSentUs, key, 'ok', this.store.versionOf(slot), sizeBytes, now);
      return;
    }
    const fill: Fill = {
      key,
      classIndex,
      sizeBytes,
      from,
      client,
      childId,
      childSentUs,
      arrivedUs: now,
      parent: -1 as NodeId,
      attempts: 0,
      timer: -1 as TimerHandle,
    };
    this.sendFill(fill);
  }

  private sendFill(fill: Fill): void {
    const id = this.nextFillId++;
    const local = this.ctx.localTimeUs();
    fill.attempts++;
    fill.parent =
      this.parents === null
        ? this.originNodes[this.tier.origin.router.nodeFor(fill.key, local)]
        : this.parents.pick(fill.key, local);
    fill.timer = this.ctx.setTimer(this.tier.settings.parentTimeout, FILL_TIMEOUT, id);
    this.fills.set(id, fill);
    this.tier.record.backendRequest(this.ctx.nowUs, fill.sizeBytes);
    this.ctx.send(fill.parent, { kind: 'kv-get', id, key: fill.key, sentUs: this.ctx.nowUs } satisfies KvGet, 0);
  }

  private filled(reply: KvReply): void {
    const fill = this.fills.get(reply.id);
    if (fill === undefined) return; // answered after its timeout
    this.fills.delete(reply.id);
    this.ctx.cancelTimer(fill.timer);
    const now = this.ctx.nowUs;
    if (reply.status !== 'ok') {
      this.answer(fill.from, fill.client, fill.childId, fill.childSentUs, fill.key, reply.status, 0, 0, fill.arrivedUs);
      return;
    }
    const purges = this.tier.purges;
    // From the origin, the copy is as new as the purges issued by now; from a tier, as new as that tier's copy.
    const version = this.parents === null ? purges.versionAt(fill.key, now) : reply.version;
    if (version >= purges.versionKnown(fill.key, this.purgesApplied)) {
      const ttlUs = this.tier.types.ttlUsOf(fill.classIndex);
      if (this.store.put(fill.key, version, fill.sizeBytes, this.ctx.localTimeUs(), ttlUs))
        this.tier.record.memoryChanged(now, 1, fill.sizeBytes);
    }
    this.answer(
      fill.from,
      fill.client,
      fill.childId,
      fill.childSentUs,
      fill.key,
      'ok',
      version,
      fill.sizeBytes,
      fill.arrivedUs,
    );
  }

  /** The parent did not answer: skip it and ask the next nearest, once per parent; at the origin, fail. */
  private fillTimedOut(id: number): void {
    const fill = this.fills.get(id);
    if (fill === undefined) return;
    this.fills.delete(id);
    const parents = this.parents;
    if (parents !== null) {
      parents.markDown(fill.parent, this.ctx.localTimeUs());
      if (fill.attempts < parents.count) {
        this.tier.record.count('parentFailovers');
        this.sendFill(fill);
        return;
      }
    }
    this.answer(fill.from, fill.client, fill.childId, fill.childSentUs, fill.key, 'failed', 0, 0, fill.arrivedUs);
  }

  /**
   * Answers the asker. A copy older than the key's current version is counted
   * under this tier's detail staleServedAfterPurge whoever asked, but as a
   * stale read only when a client gets it: a stale copy a child PoP receives
   * is counted again when the child serves it, so counting it here too would
   * count one user's stale read once per tier it passed through.
   */
  private answer(
    to: NodeId,
    client: Request | null,
    childId: number,
    childSentUs: number,
    key: number,
    status: KvReply['status'],
    version: number,
    sizeBytes: number,
    arrivedUs: number,
  ): void {
    const now = this.ctx.nowUs;
    const { record, metrics, purges } = this.tier;
    if (status === 'ok' && version < purges.versionAt(key, now)) {
      if (client !== null) record.staleRead(now);
      record.count('staleServedAfterPurge');
    }
    metrics.recordServed(arrivedUs, now);
    if (client !== null) {
      // Not found is an answer (a 404), not a failure of the CDN.
      const response: Response = status === 'failed' ? responseTo(client, 'unavailable') : responseTo(client);
      this.ctx.send(to, response, sizeBytes);
      return;
    }
    const reply: KvReply =
      status === 'failed'
        ? {
            kind: 'kv-reply',
            id: childId,
            key,
            status,
            version,
            sizeBytes,
            sentUs: childSentUs,
            reason: 'the parent did not answer',
          }
        : { kind: 'kv-reply', id: childId, key, status, version, sizeBytes, sentUs: childSentUs };
    this.ctx.send(to, reply, sizeBytes);
  }

  private applyPurge(index: number): void {
    this.purgesApplied[index] = 1;
    const [from, to] = this.tier.purges.purges[index].keys;
    let purged = 0;
    for (let key = from; key <= to; key++) {
      if (key < this.pushedVersions.length) this.place(key);
      else if (this.store.delete(key)) purged++;
    }
    if (purged > 0) this.tier.record.count('purged', purged);
    this.tier.record.count('purgesApplied');
  }

  /** Pushes `key`, in its current version: placed (or replaced) and counted as bytes the origin sends. */
  private place(key: number): void {
    const { record, origin, purges } = this.tier;
    const now = this.ctx.nowUs;
    const size = origin.sizes.sizeOf(key);
    if (this.pushedVersions[key] === 0) {
      this.pushedEntries++;
      this.pushedBytes += size;
      record.memoryChanged(now, 1, size);
    }
    this.pushedVersions[key] = purges.versionAt(key, now);
    record.count('pushedObjects');
    record.count('pushedBytes', size);
  }
}

const ROLES: Record<CdnTierSettings['tier'], CacheRole> = {
  edge: 'cdn-edge',
  regional: 'cdn-regional',
  shield: 'cdn-shield',
};

/** A setting left out inherits the parent tier's, down to the tier in front of the origin. */
function inherited<T>(ctx: InstanceContext, own: T | undefined, field: string, parent: string): T | undefined {
  if (own !== undefined) return own;
  let component = parent;
  for (let hops = 0; hops < 16; hops++) {
    const params = ctx.paramsOf(component);
    if (!isCdnTierParams(params)) return undefined;
    if (params[field] !== undefined) return params[field] as T;
    component = params.parent as string;
  }
  return undefined;
}

export const cdnTierModel: ModelDefinition<typeof cdnTierParams> = {
  type: 'cdn-tier',
  role: 'component',
  description:
    'A CDN tier (edge, regional or shield): PoPs placed in regions, each a cache filling misses from its nearest parent PoP or the origin, with push, TTLs per content type, purges with a propagation delay and parent failover.',
  params: cdnTierParams,
  references: (params) => [{ path: ['parent'], component: params.parent, type: ['cdn-tier', 'kv-store'] }],
  instantiate(params, ctx) {
    const ttlUs = params.ttl ?? Infinity;
    const types = inherited<ContentTypeSpec[]>(ctx, params.contentTypes, 'contentTypes', params.parent) ?? [];
    const purgeSpecs = (
      inherited<{ at: number; keys: [number, number] }[]>(ctx, params.purges, 'purges', params.parent) ?? []
    ).map((p): PurgeSpec => ({ atUs: p.at, keys: p.keys }));
    const contentTypes = new ContentTypes(types, ttlUs);
    const runtime: TierRuntime = {
      settings: params,
      record: ctx.caches.cache(ctx.name, ROLES[params.tier], contentTypes.names),
      metrics: ctx.componentMetrics(0),
      types: contentTypes,
      purges: new PurgeSchedule(purgeSpecs),
      purgeDelay: distribution(params.purgeDelay),
      origin: cdnOriginOf(ctx, params.parent),
      fillsFromOrigin: !isCdnTierParams(ctx.paramsOf(params.parent)),
      parentNodes: ctx.nodesOf(params.parent),
      rttUs: ctx.rttUs,
    };
    // A crash loses the PoP's memory: the log's entries and bytes drop by what it held.
    const live = new Map<NodeId, CdnPop>();
    ctx.onCrash((node, atUs) => {
      const pop = live.get(node);
      if (pop === undefined) return;
      live.delete(node);
      runtime.record.memoryChanged(atUs, -pop.entries, -pop.bytes);
    });
    return () => (nodeCtx) => {
      const pop = new CdnPop(nodeCtx, runtime);
      live.set(nodeCtx.id, pop);
      return pop;
    };
  },
};
