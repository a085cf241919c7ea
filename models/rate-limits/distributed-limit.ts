import { z } from 'zod';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { InspectedState } from '../kit/inspect-contract.js';
import type { CounterCommand, CounterOp, CounterReply } from './counter-store.js';
import { hash32 } from '../parts/hash.js';
import type { LimiterTally } from './limiter-tally.js';
import {
  FixedWindow,
  SlidingWindowCounter,
  fixedWindowRetryAfterUs,
  slidingCounterRetryAfterUs,
  type Admission,
} from './limiter-algorithms.js';
import { positiveDurationUs } from '../kit/units.js';

/**
 * How gateways sharing one limit coordinate through a counter store:
 * `central-atomic` asks it to count-if-below (one round trip, exact);
 * `central-racy` reads the count, decides, then writes count + 1 (two round
 * trips, and gateways that read the same count all admit); `sync` decides
 * locally against its last view of the global count and exchanges counts
 * with the store every sync interval.
 */
export type CoordinationMode = DistributedLimitSettings['mode'];

/** While the store does not answer: admit everything, refuse everything, or enforce this gateway's share alone. */
export type FailMode = DistributedLimitSettings['failMode'];

/** The counting algorithms a store can run: one counter per window, or two with the last one weighted. */
export interface CountedLimit {
  type: 'fixed-window' | 'sliding-counter';
  requests: number;
  windowUs: number;
}

/** The settings of a limit shared through a store, durations in microseconds (`local` mode needs no DistributedLimit). */
export type DistributedLimitSettings = Exclude<z.output<typeof distributedLimitParams>, { mode: 'local' }>;

/** What a gateway needs besides the settings, found when the scenario is built. */
export interface DistributedLimitRuntime {
  /** The limit all gateways share. */
  limit: CountedLimit;
  /** This gateway's part of it, enforced alone when failing `local`. */
  share: CountedLimit;
  /** Store nodes; a limit key lives on one of them, picked by hash. */
  storeNodes: readonly string[];
  /** Where decisions taken without the store are counted. */
  tally: LimiterTally | null;
}

/** What the gateway does with a decided request. */
export interface LimitOutcome<P> {
  admit(payload: P): void;
  refuse(payload: P, error: 'rejected' | 'unavailable', retryAfterUs: number | undefined): void;
}

interface Decision<P> {
  payload: P;
  key: number;
  window: number;
  previousWeight: number;
  /** When it arrived, on this gateway's clock. */
  localUs: number;
  /** `central-racy`: the count read, once the read is answered (−1 before). */
  read: number;
  timer: TimerHandle;
}

/** `sync`: what a gateway knows of one key's global count in its current window. */
interface SyncedCounts {
  window: number;
  /** The global count as the store last reported it (this gateway's reported admissions included). */
  synced: number;
  /** Admitted here, sent to the store, not yet answered. */
  unacked: number;
  /** Admitted here since the last sync. */
  unsent: number;
  /** The global count of the window before, for a sliding counter. */
  previous: number;
}

interface SyncMessage {
  key: number;
  window: number;
  delta: number;
}

const STORE_TIMEOUT = 2;
const SYNC = 3;
const SYNC_TIMEOUT = 4;

/**
 * One gateway's side of a limit shared through a counter store. Windows are
 * read on the gateway's own clock, as a real gateway would compute a key
 * like `rate:<user>:<minute>`, so clock skew between gateways shows.
 */
export class DistributedLimit<P> {
  private readonly storeIds: NodeId[];
  private readonly sliding: boolean;
  private readonly decisions = new Map<number, Decision<P>>();
  private readonly syncs = new Map<number, SyncMessage>();
  private readonly views = new Map<number, SyncedCounts>();
  private readonly fallback = new Map<number, Admission>();
  private nextId = 0;
  /** `sync`: a sync went unanswered for the store timeout, and no answer came since. */
  private storeDown = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: DistributedLimitSettings,
    private readonly runtime: DistributedLimitRuntime,
    private readonly outcome: LimitOutcome<P>,
  ) {
    if (runtime.storeNodes.length === 0) throw new RangeError('a distributed limit needs a store node');
    this.storeIds = runtime.storeNodes.map((n) => ctx.lookup(n));
    this.sliding = runtime.limit.type === 'sliding-counter';
  }

  /** For inspection: decisions waiting for the store, syncs in flight, keys with a synced view or deciding locally, and (sync) whether the store is counted down. */
  inspect(): InspectedState {
    return {
      mode: this.settings.mode,
      decisionsAwaitingStore: this.decisions.size,
      syncsInFlight: this.syncs.size,
      keysSynced: this.views.size,
      keysOnFallback: this.fallback.size,
      storeDown: this.settings.mode === 'sync' ? this.storeDown : null,
    };
  }

  start(): void {
    if (this.settings.mode === 'sync') this.scheduleSync();
  }

  decide(key: number, payload: P): void {
    const localUs = this.ctx.localTimeUs();
    const windowUs = this.runtime.limit.windowUs;
    const window = Math.floor(localUs / windowUs);
    const previousWeight = this.sliding ? 1 - (localUs - window * windowUs) / windowUs : 0;
    if (this.settings.mode === 'sync') {
      this.decideOnView(key, window, previousWeight, localUs, payload);
      return;
    }
    const id = this.nextId++;
    const timer = this.ctx.setTimer(this.settings.storeTimeout, STORE_TIMEOUT, id);
    this.decisions.set(id, { payload, key, window, previousWeight, localUs, read: -1, timer });
    if (this.settings.mode === 'central-atomic')
      this.command('increment-below', id, key, window, this.runtime.limit.requests, previousWeight);
    else this.command('get', id, key, window, 0, 0);
  }

  onReply(reply: CounterReply): void {
    if (this.settings.mode === 'sync') {
      this.onSyncReply(reply);
      return;
    }
    const d = this.decisions.get(reply.id);
    if (d === undefined) return; // already decided without the store
    this.ctx.cancelTimer(d.timer);
    if (this.settings.mode === 'central-atomic') {
      this.decisions.delete(reply.id);
      if (reply.allowed) this.outcome.admit(d.payload);
      else this.outcome.refuse(d.payload, 'rejected', this.retryAfterUs(reply.current, reply.previous));
      return;
    }
    if (d.read >= 0) {
      this.decisions.delete(reply.id);
      this.outcome.admit(d.payload);
      return;
    }
    if (reply.current + reply.previous * d.previousWeight + 1 > this.runtime.limit.requests) {
      this.decisions.delete(reply.id);
      this.outcome.refuse(d.payload, 'rejected', this.retryAfterUs(reply.current, reply.previous));
      return;
    }
    // The read-then-write of the guide's Redis example: whoever read the same count writes the same count + 1.
    d.read = reply.current;
    d.timer = this.ctx.setTimer(this.settings.storeTimeout, STORE_TIMEOUT, reply.id);
    this.command('set', reply.id, d.key, d.window, d.read + 1, 0);
  }

  /** Its own timers: the gateway passes on every tag but its own. */
  onTimer(tag: number, data: unknown): void {
    if (tag === STORE_TIMEOUT) {
      const d = this.decisions.get(data as number);
      if (d === undefined) return;
      this.decisions.delete(data as number);
      this.withoutStore(d.key, d.localUs, d.payload);
    } else if (tag === SYNC) {
      this.sync();
    } else if (tag === SYNC_TIMEOUT) {
      this.expireSyncs(data as number);
    }
  }

  /** `sync`: admit while this gateway's view of the global count (its own unsynced admissions included) is under the limit. */
  private decideOnView(key: number, window: number, previousWeight: number, localUs: number, payload: P): void {
    if (this.storeDown) {
      this.withoutStore(key, localUs, payload);
      return;
    }
    let view = this.views.get(key);
    if (view === undefined) this.views.set(key, (view = { window, synced: 0, unacked: 0, unsent: 0, previous: 0 }));
    if (window !== view.window) this.roll(key, view, window);
    const current = view.synced + view.unacked + view.unsent;
    if (current + view.previous * previousWeight + 1 > this.runtime.limit.requests) {
      this.outcome.refuse(payload, 'rejected', this.retryAfterUs(current, view.previous));
      return;
    }
    view.unsent++;
    this.outcome.admit(payload);
  }

  /** A new window on this gateway's clock: report what is left of the old one, and start counting afresh. */
  private roll(key: number, view: SyncedCounts, window: number): void {
    if (view.unsent > 0) this.sendSync(key, view.window, view.unsent);
    view.previous = window === view.window + 1 ? view.synced + view.unacked + view.unsent : 0;
    view.window = window;
    view.synced = 0;
    view.unacked = 0;
    view.unsent = 0;
  }

  private sync(): void {
    const localUs = this.ctx.localTimeUs();
    const window = Math.floor(localUs / this.runtime.limit.windowUs);
    let sent = false;
    for (const [key, view] of this.views) {
      if (window !== view.window) this.roll(key, view, window);
      if (view.synced + view.unacked + view.unsent + view.previous === 0) {
        this.views.delete(key);
        continue;
      }
      this.sendSync(key, view.window, view.unsent);
      view.unacked += view.unsent;
      view.unsent = 0;
      sent = true;
    }
    if (sent) this.ctx.setTimer(this.settings.storeTimeout, SYNC_TIMEOUT, this.nextId);
    this.scheduleSync();
  }

  /** Syncs fall on multiples of the interval on the gateway's clock, so gateways with agreeing clocks sync together. */
  private scheduleSync(): void {
    if (this.settings.mode !== 'sync') return; // only sync mode has an interval
    const interval = this.settings.syncInterval;
    this.ctx.setTimer(interval - (this.ctx.localTimeUs() % interval), SYNC);
  }

  private sendSync(key: number, window: number, delta: number): void {
    const id = this.nextId++;
    this.syncs.set(id, { key, window, delta });
    this.command('add', id, key, window, delta, 0);
  }

  private onSyncReply(reply: CounterReply): void {
    const message = this.syncs.get(reply.id);
    if (message === undefined) return;
    this.syncs.delete(reply.id);
    this.storeDown = false;
    const view = this.views.get(message.key);
    if (view === undefined) return;
    if (message.window === view.window) {
      view.unacked -= message.delta;
      view.synced = reply.current;
      view.previous = reply.previous;
    } else if (message.window === view.window - 1) {
      view.previous = reply.current;
    }
  }

  /** Sync messages older than `beforeId` still unanswered are given up on (their counts stay unacknowledged), and the store counts as down. */
  private expireSyncs(beforeId: number): void {
    for (const id of this.syncs.keys()) {
      if (id >= beforeId) break;
      this.syncs.delete(id);
      this.storeDown = true;
    }
  }

  /** Decides as of the request's arrival (`localUs`), so it is charged to the window it arrived in. */
  private withoutStore(key: number, localUs: number, payload: P): void {
    const tally = this.runtime.tally;
    switch (this.settings.failMode) {
      case 'open':
        tally?.count('failedOpen', this.ctx.nowUs);
        this.outcome.admit(payload);
        return;
      case 'closed':
        tally?.count('failedClosed', this.ctx.nowUs);
        this.outcome.refuse(payload, 'unavailable', undefined);
        return;
      case 'local': {
        tally?.count('failedToLocal', this.ctx.nowUs);
        let admission = this.fallback.get(key);
        if (admission === undefined) this.fallback.set(key, (admission = shareAdmission(this.runtime.share)));
        if (admission.admit(localUs)) this.outcome.admit(payload);
        else
          this.outcome.refuse(
            payload,
            'rejected',
            Math.max(0, admission.retryAfterUs(localUs) - (this.ctx.localTimeUs() - localUs)),
          );
      }
    }
  }

  /** From now on this gateway's clock, given the counts the refusal was based on. */
  private retryAfterUs(current: number, previous: number): number {
    const limit = this.runtime.limit;
    const localUs = this.ctx.localTimeUs();
    return this.sliding
      ? slidingCounterRetryAfterUs(limit.requests, limit.windowUs, current, previous, localUs)
      : fixedWindowRetryAfterUs(limit.windowUs, localUs);
  }

  private command(op: CounterOp, id: number, key: number, window: number, value: number, previousWeight: number): void {
    const stores = this.storeIds;
    const to = stores.length === 1 ? stores[0] : stores[hash32(key) % stores.length];
    this.ctx.send(to, { kind: 'counter', op, id, key, window, value, previousWeight } satisfies CounterCommand, 0);
  }
}

function shareAdmission(share: CountedLimit): Admission {
  return share.type === 'fixed-window'
    ? new FixedWindow(share.requests, share.windowUs)
    : new SlidingWindowCounter(share.requests, share.windowUs);
}

// ---- scenario schema -------------------------------------------------------------------

const storeParams = {
  store: z.string().describe('The counter-store component holding the shared counts.'),
  storeTimeout: positiveDurationUs
    .default(50_000)
    .describe('A store call unanswered for this long fails, and failMode decides (default 50ms).'),
  failMode: z
    .enum(['open', 'closed', 'local'])
    .default('open')
    .describe(
      "While the store fails: open admits everything, closed refuses everything (unavailable), local enforces this gateway's share (limit / gateways) alone.",
    ),
};

/** How gateways share one limit, as the scenario writes it under `distributed`. */
export const distributedLimitParams = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z
      .literal('local')
      .describe(
        'Each gateway enforces limit / gateways on its own: no coordination, and unfair when traffic is uneven across gateways.',
      ),
  }),
  z.strictObject({
    mode: z
      .literal('central-atomic')
      .describe(
        'Every decision is an atomic increment-if-below at the store (a Redis Lua script): exact, one round trip per request.',
      ),
    ...storeParams,
  }),
  z.strictObject({
    mode: z
      .literal('central-racy')
      .describe(
        'Read the count, decide, write count + 1: two round trips, and gateways reading the same count all admit.',
      ),
    ...storeParams,
  }),
  z.strictObject({
    mode: z
      .literal('sync')
      .describe(
        "Decide locally against the last synced global count plus this gateway's own since; overshoots by what others admitted since.",
      ),
    ...storeParams,
    syncInterval: positiveDurationUs
      .default(100_000)
      .describe('How often each gateway exchanges counts with the store (default 100ms).'),
  }),
]);
