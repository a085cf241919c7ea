import { z } from 'zod';
import type { NodeContext, NodeId, RandomStream, TimerHandle } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ErrorKind } from '../measure/outcomes.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { responseTo, type Request, type Response } from '../kit/request-messages.js';
import { positiveDurationUs, positiveInt, sizeBytes } from '../kit/units.js';
import type { KvGet, KvPut, KvReply } from '../sharding/kv-messages.js';
import { kvRouter, type KvRouter } from '../sharding/key-router.js';
import { Deque } from '../parts/deque.js';
import { CACHE_ROUTINGS, CacheTierRouter, type CacheRoutingOptions } from './cache-tier-routing.js';
import type { IdLease, IdLeaseGrant } from './id-allocator.js';
import { LinkDirectory, REDIRECT_POPULARITY } from './link-directory.js';
import { base62KeySpace, hashedCode, IdRange, MAX_CODE_LENGTH } from './short-codes.js';
import { ShortenerTally } from './shortener-tally.js';

/** How a shorten gets its code: a block of ids leased from a ticket server, or a hash of the long URL retried on collision. */
export type IdScheme =
  | { scheme: 'counter-range'; allocatorNode: string; rangeSize: number; leaseTimeoutUs: number }
  | { scheme: 'hash'; keySpace: number; maxAttempts: number; salt: number };

export interface ShortenerOptions {
  ids: IdScheme;
  shortenOperation: string;
  urlSizeBytes: number;
  /** Where each key lives in the store (its node names and shard map). */
  store: KvRouter;
  /** Cache node names, empty without a cache tier: reads then go to the store. */
  cacheNodes: readonly string[];
  cacheRouting: CacheRoutingOptions;
  cacheTimeoutUs: number;
  storeTimeoutUs: number;
  /** Shortens put through the code's cache node (which writes the store, and keeps the link with write-through or onWrite update). */
  shortenViaCache: boolean;
  /** Codes 1..preloadedCodes exist when the run starts (the store's keys); leased ids above them are this app's alone. */
  preloadedCodes: number;
}

/** Where a request is. */
const CACHE_READ = 0;
const STORE_READ = 1;
const STORE_PUT = 2;
const CACHE_PUT = 3;

/** One request under way, with its one outstanding kv operation (pooled: reused after it answers). */
class Pending {
  request!: Request;
  client: NodeId = 0;
  arrivedUs = 0;
  step = CACHE_READ;
  code = 0;
  attempt = 0;
  longUrl = 0;
  fillBand = 0;
  cacheMember = -1;
  /** The put went to the store after its cache node failed to confirm it, so the cache may have committed it already. */
  uncertain = false;
  timer: TimerHandle | undefined = undefined;
}

/** Timer tags. */
const KV_TIMEOUT = 1;
const LEASE_TIMEOUT = 2;

/**
 * The shortener's application server (stateless but for its block of ids).
 *
 * A `shorten` takes a code (the next id of its leased block, or a hash of a
 * new long URL and the attempt number) and puts the mapping in the store
 * with `ifAbsent`, so an existing code is never overwritten: `exists` is a
 * hash collision, retried at the next attempt up to `maxAttempts`, or with
 * counter ids a duplicate (counted; it should never happen). The answer goes
 * back once the store has committed; then the link exists and redirects may
 * pick it. With `shortenVia: cache` the put goes through the code's cache
 * node, which writes the store and, with pattern write-through or onWrite
 * update, keeps the new link (the guide's write-through on create).
 *
 * A `redirect` (any other operation) turns the request's popularity rank
 * into a code (link-directory.ts), reads it from the cache node that owns it
 * (cache-tier-routing.ts; the cache fetches from the store on a miss), and
 * answers success when found, `rejected` (a 404) when not. A cache read that
 * fails or times out is read from the store instead (cache-aside's
 * "function, albeit slower, without cache"), and `ejectAfter` timeouts in a
 * row take that cache node out of service.
 */
export class UrlShortener implements InspectableProcess<Request | KvReply | IdLeaseGrant> {
  private readonly pending = new Map<number, Pending>();
  private readonly free: Pending[] = [];
  private readonly waitingForIds = new Deque<Pending>();
  private readonly ids = new IdRange();
  private readonly cacheTier: CacheTierRouter | null;
  private readonly storeIds: NodeId[] = [];
  private readonly cacheIds: NodeId[] = [];
  private readonly urls: RandomStream;
  private allocator: NodeId = -1;
  private nextKvId: number;
  private leaseId = 0;
  private leaseTimer: TimerHandle | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly nodeIndex: number,
    private readonly options: ShortenerOptions,
    private readonly links: LinkDirectory,
    private readonly tally: ShortenerTally,
    private readonly metrics: ComponentMetrics,
  ) {
    this.cacheTier =
      options.cacheNodes.length === 0 ? null : new CacheTierRouter(options.cacheNodes.length, options.cacheRouting);
    this.urls = ctx.random('long-urls');
    // Ids unique across restarts, so a reply to a request of a previous incarnation is not taken for a new one's.
    const disk = ctx.durable as { incarnation?: number };
    disk.incarnation = (disk.incarnation ?? 0) + 1;
    this.nextKvId = disk.incarnation * 2 ** 32 + 1;
  }

  inspect(): InspectedState {
    const now = this.ctx.localTimeUs();
    return {
      pending: this.pending.size,
      waitingForIds: this.waitingForIds.length,
      idsLeft: this.ids.left,
      leaseOutstanding: this.leaseTimer !== undefined,
      cacheNodesEjected: this.cacheTier === null ? 0 : this.cacheTier.ejectedAt(now),
    };
  }

  onStart(): void {
    for (const name of this.options.store.nodes) this.storeIds.push(this.ctx.lookup(name));
    for (const name of this.options.cacheNodes) this.cacheIds.push(this.ctx.lookup(name));
    if (this.options.ids.scheme === 'counter-range') this.allocator = this.ctx.lookup(this.options.ids.allocatorNode);
    this.tally.idsHeld[this.nodeIndex] = 0;
  }

  onMessage(from: NodeId, message: Request | KvReply | IdLeaseGrant): void {
    if (message.kind === 'request') this.accept(from, message);
    else if (message.kind === 'kv-reply') this.answered(message);
    else this.granted(message);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === LEASE_TIMEOUT) {
      // The grant was lost or the allocator is down: ask again (the first grant to arrive is used, a later one wasted).
      this.leaseTimer = undefined;
      this.lease();
      return;
    }
    const kvId = data as number;
    const p = this.pending.get(kvId);
    if (p === undefined) return;
    p.timer = undefined;
    this.pending.delete(kvId);
    this.failedStep(p, 'timeout', true);
  }

  private accept(client: NodeId, request: Request): void {
    const now = this.ctx.nowUs;
    this.metrics.recordArrival(false, now);
    const p = this.free.pop() ?? new Pending();
    p.request = request;
    p.client = client;
    p.arrivedUs = now;
    p.attempt = 0;
    p.cacheMember = -1;
    if (request.operation === this.options.shortenOperation) {
      this.tally.add('shortens');
      p.longUrl = Math.floor(this.urls.next() * 2 ** 52);
      this.shorten(p);
      return;
    }
    this.tally.add('redirects');
    const code = this.links.codeOfRank(request.key ?? 1);
    if (code < 0) {
      this.finish(p, 'rejected');
      return;
    }
    p.code = code;
    this.read(p);
  }

  /** Reads the code from its cache node, or from the store when there is no cache node to ask. */
  private read(p: Pending): void {
    const member = this.cacheTier === null ? -1 : this.cacheTier.memberOf(p.code, this.ctx.localTimeUs());
    if (member < 0) {
      this.send(p, STORE_READ, this.storeIds[this.options.store.nodeFor(p.code, this.ctx.localTimeUs())], false);
      return;
    }
    p.cacheMember = member;
    this.send(p, CACHE_READ, this.cacheIds[member], false);
  }

  private shorten(p: Pending): void {
    const ids = this.options.ids;
    p.uncertain = false;
    if (ids.scheme === 'hash') {
      p.code = hashedCode(p.longUrl, ids.salt, p.attempt, ids.keySpace);
      p.fillBand = this.tally.hashAttempt(this.links.count / ids.keySpace);
    } else {
      if (this.ids.left === 0) {
        this.waitingForIds.push(p);
        this.lease();
        return;
      }
      p.code = this.ids.take();
      this.tally.add('idsUsed');
      this.tally.idsHeld[this.nodeIndex] = this.ids.left;
    }
    const member =
      this.options.shortenViaCache && this.cacheTier !== null
        ? this.cacheTier.memberOf(p.code, this.ctx.localTimeUs())
        : -1;
    if (member < 0) this.putInStore(p);
    else {
      p.cacheMember = member;
      this.send(p, CACHE_PUT, this.cacheIds[member], true);
    }
  }

  private putInStore(p: Pending): void {
    this.send(p, STORE_PUT, this.storeIds[this.options.store.nodeFor(p.code, this.ctx.localTimeUs())], true);
  }

  private lease(): void {
    const ids = this.options.ids;
    if (ids.scheme !== 'counter-range' || this.leaseTimer !== undefined) return;
    this.ctx.send(this.allocator, { kind: 'id-lease', id: ++this.leaseId, count: ids.rangeSize } satisfies IdLease, 16);
    this.leaseTimer = this.ctx.setTimer(ids.leaseTimeoutUs, LEASE_TIMEOUT);
  }

  private granted(grant: IdLeaseGrant): void {
    // A second grant (the answer to a lease retried after a timeout) arriving while ids are left is never used.
    this.tally.add('idsReceived', grant.count);
    if (this.ids.left > 0) {
      this.tally.add('idsWasted', grant.count);
      return;
    }
    if (this.leaseTimer !== undefined) this.ctx.cancelTimer(this.leaseTimer);
    this.leaseTimer = undefined;
    this.ids.grant(grant.firstId, grant.count);
    this.tally.add('leases');
    this.tally.idsHeld[this.nodeIndex] = this.ids.left;
    while (this.waitingForIds.length > 0 && this.ids.left > 0) this.shorten(this.waitingForIds.shift());
    if (this.waitingForIds.length > 0) this.lease();
  }

  private send(p: Pending, step: number, to: NodeId, put: boolean): void {
    const id = this.nextKvId++;
    p.step = step;
    const sentUs = this.ctx.nowUs;
    if (put) {
      const message: KvPut = {
        kind: 'kv-put',
        id,
        key: p.code,
        sizeBytes: this.options.urlSizeBytes,
        sentUs,
        ifAbsent: true,
      };
      this.ctx.send(to, message, this.options.urlSizeBytes);
    } else {
      this.ctx.send(to, { kind: 'kv-get', id, key: p.code, sentUs } satisfies KvGet, 16);
    }
    p.timer = this.ctx.setTimer(
      step === CACHE_READ || step === CACHE_PUT ? this.options.cacheTimeoutUs : this.options.storeTimeoutUs,
      KV_TIMEOUT,
      id,
    );
    this.pending.set(id, p);
  }

  private answered(reply: KvReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (p.timer !== undefined) this.ctx.cancelTimer(p.timer);
    p.timer = undefined;
    if (reply.status === 'failed') {
      this.failedStep(p, 'unavailable', false);
      return;
    }
    if (p.step === CACHE_READ || p.step === CACHE_PUT) this.cacheTier!.succeeded(p.cacheMember);
    switch (p.step) {
      case CACHE_READ:
      case STORE_READ:
        this.redirected(p, reply.status === 'ok');
        return;
      case CACHE_PUT:
      case STORE_PUT:
        if (reply.status === 'exists') this.collided(p);
        else this.created(p);
        return;
    }
  }

  private redirected(p: Pending, found: boolean): void {
    if (!found) this.tally.add('notFound');
    this.finish(p, found ? undefined : 'rejected');
  }

  private created(p: Pending): void {
    this.links.created(p.code);
    this.tally.add('created');
    this.finish(p, undefined);
  }

  /**
   * The store already holds this code: retry a hash at its next attempt; a counter id is a duplicate, so take the
   * next id. After an uncertain put the code may hold this very shorten's mapping, committed by the cache node that
   * did not confirm it (a real app reads it back and compares URLs): a leased id above the preloaded codes is this
   * app's alone, so it is; a hash is retried, not counted as a collision (the first code may stay, unused).
   */
  private collided(p: Pending): void {
    const ids = this.options.ids;
    if (p.uncertain) this.tally.add('uncertainPuts');
    if (ids.scheme === 'counter-range') {
      if (p.uncertain && p.code > this.options.preloadedCodes) {
        this.created(p);
        return;
      }
      this.tally.add('duplicateIds');
      this.shorten(p);
      return;
    }
    if (!p.uncertain) this.tally.hashCollision(p.fillBand);
    if (++p.attempt >= ids.maxAttempts) {
      this.tally.add('attemptsExhausted');
      this.finish(p, 'rejected');
      return;
    }
    this.tally.add('hashRetries');
    this.shorten(p);
  }

  /**
   * A step failed: a cache step is retried at the store itself (only a cache node that did not answer at all counts
   * towards its ejection: a failed reply is the store behind it failing); a store step fails the request. A put the
   * cache node took but did not confirm may have committed: the store then answers `exists`, and the code is retried.
   */
  private failedStep(p: Pending, error: ErrorKind, silent: boolean): void {
    if (p.step !== CACHE_READ && p.step !== CACHE_PUT) {
      this.finish(p, error);
      return;
    }
    this.tally.add('cacheFallbacks');
    if (silent && this.cacheTier!.failed(p.cacheMember, this.ctx.localTimeUs())) this.tally.add('cacheEjections');
    if (p.step === CACHE_PUT) {
      p.uncertain = true;
      this.putInStore(p);
    } else this.send(p, STORE_READ, this.storeIds[this.options.store.nodeFor(p.code, this.ctx.localTimeUs())], false);
  }

  private finish(p: Pending, error: ErrorKind | undefined): void {
    const now = this.ctx.nowUs;
    this.ctx.send(p.client, responseTo(p.request, error) satisfies Response, 0);
    if (error === undefined) this.metrics.recordServed(p.arrivedUs, now);
    else this.metrics.recordRejected(now);
    p.request = undefined!;
    this.free.push(p);
  }
}

const counterRangeIds = z.strictObject({
  scheme: z.literal('counter-range'),
  allocator: z.string().describe('The id-allocator (ticket server) blocks are leased from.'),
  rangeSize: positiveInt
    .default(1000)
    .describe('Ids per block: one call to the allocator per this many shortens; a crash wastes what is left of it.'),
  leaseTimeout: positiveDurationUs
    .default(1_000_000)
    .describe('Ask again when a lease has no answer after this long (default 1s); shortens wait for it meanwhile.'),
});

const hashIds = z.strictObject({
  scheme: z.literal('hash'),
  codeLength: z
    .int()
    .min(1)
    .max(MAX_CODE_LENGTH)
    .default(7)
    .describe('Base62 characters per code: the key space is 62^codeLength (7: about 3.5 trillion codes).'),
  keySpace: positiveInt
    .optional()
    .describe('Codes 1..keySpace instead of 62^codeLength: a small space to watch collisions grow as it fills.'),
  maxAttempts: positiveInt
    .default(5)
    .describe('Hashes tried per shorten (the URL with attempt 0, 1, ...) before it fails (rejected).'),
  salt: z.int().min(0).default(0).describe('Mixed into every hash: another salt gives other codes.'),
});

const urlShortenerParams = z.strictObject({
  store: z
    .string()
    .describe('The kv-store holding code → URL mappings; reads and puts are routed as its sharding places keys.'),
  cache: z
    .string()
    .optional()
    .describe(
      'The cache tier redirects read through (a `cache` component whose backend is the store). Reads go to the store when absent.',
    ),
  cacheRouting: z
    .strictObject({
      scheme: z
        .enum(CACHE_ROUTINGS)
        .default('consistent-hash')
        .describe(
          'consistent-hash: a ring (an ejected node moves only its keys); modulo: hash mod the nodes in service (one leaving moves almost every key).',
        ),
      virtualNodes: positiveInt.default(100).describe('consistent-hash: ring points per cache node.'),
      ejectAfter: positiveInt
        .default(3)
        .describe(
          'Cache requests in a row that got no answer within cacheTimeout after which a cache node is taken out of service (a failed reply is the store behind it failing, and does not count).',
        ),
      ejectFor: positiveDurationUs
        .default(10_000_000)
        .describe('How long an ejected cache node stays out before it is tried again (default 10s).'),
    })
    .prefault({})
    .describe("How each app node picks a key's cache node, and takes failed ones out (as memcached clients do)."),
  cacheTimeout: positiveDurationUs
    .default(50_000)
    .describe('Read from the store instead when a cache read has no answer after this long (default 50ms).'),
  storeTimeout: positiveDurationUs
    .default(1_000_000)
    .describe('Fail the request (timeout) when the store has not answered after this long (default 1s).'),
  ids: z
    .discriminatedUnion('scheme', [counterRangeIds, hashIds])
    .prefault({ scheme: 'hash' })
    .describe(
      'How shortens get codes: counter-range (blocks of ids from an id-allocator) or hash (of the long URL, retried on collision).',
    ),
  shortenOperation: z
    .string()
    .default('shorten')
    .describe("The workload operation that creates a link (default 'shorten'); every other operation is a redirect."),
  redirectPopularity: z
    .enum(REDIRECT_POPULARITY)
    .default('oldest-first')
    .describe(
      "Which codes a redirect's popularity rank (the workload key) names: oldest-first (rank r: the r-th oldest link; new links are in the tail) or newest-first (fresh links are the hot ones). Ranks beyond the links that exist fold back (mod their number).",
    ),
  urlSize: sizeBytes.default(100).describe("Bytes per mapping put in the store (the guide's average URL: 100B)."),
  shortenVia: z
    .enum(['store', 'cache'])
    .default('store')
    .describe(
      "Where a shorten's put-if-absent goes: the store, or the code's cache node, which writes the store and, with pattern write-through or onWrite update, keeps the new link so its first redirect hits (the guide's write-through on create).",
    ),
});

export type UrlShortenerParams = z.output<typeof urlShortenerParams>;

export const urlShortenerModel: ModelDefinition<typeof urlShortenerParams> = {
  type: 'url-shortener',
  role: 'component',
  description:
    'A URL shortener app server: shorten (a code from leased id blocks or a hash with collision retry, put if absent in a kv-store) and redirect (read through a cache tier routed by a consistent-hash ring or modulo, falling back to the store).',
  params: urlShortenerParams,
  references: (params) => [
    {
      path: ['store'],
      component: params.store,
      type: 'kv-store',
      fits: (storeParams) => {
        const ids = params.ids;
        if (ids.scheme !== 'hash') return [];
        const space = ids.keySpace ?? base62KeySpace(ids.codeLength);
        const taken = preloadedKeys(storeParams as Record<string, unknown>);
        return space > taken
          ? []
          : [
              {
                path: ['ids', ids.keySpace === undefined ? 'codeLength' : 'keySpace'],
                message: `a key space of ${space} codes is already full: the store starts with ${taken} keys; make it larger`,
              },
            ];
      },
    },
    ...(params.cache === undefined ? [] : [{ path: ['cache'], component: params.cache, type: 'cache' }]),
    ...(params.ids.scheme === 'counter-range'
      ? [{ path: ['ids', 'allocator'], component: params.ids.allocator, type: 'id-allocator' }]
      : []),
  ],
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(0);
    const tally = new ShortenerTally(ctx.nodeNames.length, metrics);
    const storeParams = ctx.paramsOf(params.store);
    const links = new LinkDirectory(params.redirectPopularity, preloadedKeys(storeParams));
    const ids = params.ids;
    const idScheme: IdScheme =
      ids.scheme === 'counter-range'
        ? {
            scheme: ids.scheme,
            allocatorNode: ctx.nodesOf(ids.allocator)[0],
            rangeSize: ids.rangeSize,
            leaseTimeoutUs: ids.leaseTimeout,
          }
        : {
            scheme: ids.scheme,
            keySpace: ids.keySpace ?? base62KeySpace(ids.codeLength),
            maxAttempts: ids.maxAttempts,
            salt: ids.salt,
          };
    const options: ShortenerOptions = {
      ids: idScheme,
      shortenOperation: params.shortenOperation,
      urlSizeBytes: params.urlSize,
      store: kvRouter(ctx, params.store),
      cacheNodes: params.cache === undefined ? [] : ctx.nodesOf(params.cache),
      cacheRouting: {
        scheme: params.cacheRouting.scheme,
        virtualNodes: params.cacheRouting.virtualNodes,
        ejectAfter: params.cacheRouting.ejectAfter,
        ejectForUs: params.cacheRouting.ejectFor,
      },
      cacheTimeoutUs: params.cacheTimeout,
      storeTimeoutUs: params.storeTimeout,
      shortenViaCache: params.shortenVia === 'cache',
      preloadedCodes: preloadedKeys(storeParams),
    };
    const nodeIndexById = new Map<NodeId, number>();
    ctx.onCrash((node) => {
      const index = nodeIndexById.get(node);
      if (index !== undefined) tally.nodeCrashed(index);
    });
    return (nodeIndex) => (nodeCtx) => {
      nodeIndexById.set(nodeCtx.id, nodeIndex);
      return new UrlShortener(nodeCtx, nodeIndex, options, links, tally, metrics);
    };
  },
};

/** The codes a kv-store holds when the run starts (its keys 1..keys.count). */
function preloadedKeys(storeParams: Readonly<Record<string, unknown>>): number {
  const keys = storeParams.keys as { count?: number } | undefined;
  return keys?.count ?? 0;
}
