import type { NodeContext, NodeId, RandomStream, TimerHandle, TimeUs } from '../../engine/index.js';
import type { ErrorKind } from '../measure/outcomes.js';
import type { DnsAnswer } from '../dns/dns-messages.js';
import type { Request, Response } from '../kit/request-messages.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import { DnsResolver, type DnsResolution } from '../dns/dns-resolver.js';
import { HedgeDelay, type HedgePolicy } from './hedging.js';
import { KeyPopularity, type KeyPopularitySpec } from './key-popularity.js';
import { WeightedChoice } from '../parts/weighted-choice.js';
import { IntMap } from '../parts/int-map.js';
import { backoffUs, type RetryPolicy } from './retry-policy.js';

export interface RequestOptions {
  /** Servers by name; each attempt goes to one picked uniformly at random. Unused with `dns`. */
  targets: readonly string[];
  /** Find the servers through DNS instead, keeping each answer for its TTL. */
  dns?: DnsResolution;
  /** Give up on an attempt (all its copies) after this long. */
  timeoutUs?: number;
  retry?: RetryPolicy;
  /** Send another copy of an attempt that is slow to answer; the first success wins. */
  hedge?: HedgePolicy;
  /** Operation names and their weights in the mix (default: one operation, `request`). */
  mix?: readonly { operation: string; weight: number }[];
  keys?: KeyPopularitySpec;
  /** Every request's priority (higher is more important; default 0). */
  priority?: number;
  /** User sessions on each client node (default 1); each request belongs to one, picked uniformly. */
  sessions?: number;
  requestSizeBytes?: number;
  metrics: RequestMetrics;
}

/** Timer tags the requester owns; clients use 1 for their own timer. */
const TIMEOUT = 2;
const RETRY = 3;
const HEDGE = 4;
const LOOKUP_TIMEOUT = 5;

/** Where a logical request is: between attempts (or done), waiting for a DNS answer, or with copies out. */
const IDLE = 0;
const RESOLVING = 1;
const IN_FLIGHT = 2;

/** Session ids are node id × this + index, so they are unique across the run. */
const SESSIONS_PER_NODE = 65_536;

interface Logical {
  operation: OperationMetrics;
  operationName: string;
  session: number;
  key: number | undefined;
  firstSentUs: TimeUs;
  attempt: number;
  previousBackoffUs: number;
  state: number;
  /** Wire id of the attempt's first copy; copy k goes out as wireBase + k. */
  wireBase: number;
  /** Copies of this attempt sent, and those not answered yet. */
  copies: number;
  inFlight: number;
  attemptStartUs: TimeUs;
  firstCopyUs: TimeUs;
  /** The target (an index into the options' targets) its first copies go to; -1: one picked per attempt. */
  target: number;
  firstTo: NodeId;
  timer: TimerHandle | -1;
  hedgeTimer: TimerHandle | -1;
}

/**
 * Issues client requests for a workload: picks the operation, key and
 * target, times attempts out, retries with backoff and jitter, hedges slow
 * attempts, resolves targets through DNS when asked, and records each
 * logical request once (latency from its first attempt) however many
 * attempts and copies it took. `onFinished` lets a closed-loop user go on.
 *
 * An attempt is one or more copies (hedges) of the request, each with its
 * own wire id mapped to the logical request. The attempt succeeds with the
 * first copy that does; it fails when every copy sent has failed, or when
 * its timeout (which covers all copies and any wait for DNS) runs out; only
 * then may it be retried. Answers to copies of a finished attempt are ignored.
 */
export class Requester {
  private readonly targets: NodeId[];
  private readonly resolver: DnsResolver | null;
  /** Requests whose attempt waits for a DNS answer, in arrival order; entries no longer RESOLVING are skipped. */
  private readonly waiting: Logical[] = [];
  private readonly routing: RandomStream;
  private readonly picking: RandomStream;
  private readonly backoffRng: RandomStream;
  private readonly hedging: RandomStream | null;
  private readonly hedge: HedgeDelay | null;
  /** Wire ids reserved per attempt: one per copy it may send. */
  private readonly idsPerAttempt: number;
  private readonly operations: OperationMetrics[];
  private readonly operationNames: string[];
  private readonly priority: number;
  private readonly sessionRng: RandomStream;
  private readonly sessions: number;
  private readonly mix: WeightedChoice;
  private readonly keys: KeyPopularity | null;
  private readonly byWire = new IntMap<Logical>();
  private nextWireId = 0;
  /** Logical requests issued and not yet finished, and those of them waiting out a retry backoff. */
  private active = 0;
  private backingOff = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: RequestOptions,
    private readonly onFinished: (ok: boolean) => void = () => {},
  ) {
    if (options.targets.length === 0 && options.dns === undefined)
      throw new RangeError('a client needs at least one target');
    this.targets = options.targets.map((name) => ctx.lookup(name));
    this.resolver =
      options.dns === undefined ? null : new DnsResolver(ctx, options.dns, ctx.random('dns'), LOOKUP_TIMEOUT);
    this.routing = ctx.random('routing');
    this.picking = ctx.random('keys');
    this.backoffRng = ctx.random('backoff');
    this.hedge = options.hedge === undefined ? null : new HedgeDelay(options.hedge);
    this.hedging = options.hedge === undefined ? null : ctx.random('hedging');
    this.idsPerAttempt = 1 + (options.hedge?.maxHedges ?? 0);
    const mix = options.mix ?? [{ operation: 'request', weight: 1 }];
    this.operations = mix.map((m) => options.metrics.operation(m.operation));
    this.operationNames = mix.map((m) => m.operation);
    this.priority = options.priority ?? 0;
    this.sessions = options.sessions ?? 1;
    if (!(Number.isInteger(this.sessions) && this.sessions >= 1 && this.sessions <= SESSIONS_PER_NODE)) {
      throw new RangeError(`sessions must be a whole number from 1 to ${SESSIONS_PER_NODE}, got ${this.sessions}`);
    }
    this.sessionRng = ctx.random('sessions');
    this.mix = new WeightedChoice(mix.map((m) => m.weight));
    this.keys = options.keys === undefined ? null : new KeyPopularity(options.keys, this.picking);
  }

  /** Starts one logical request. */
  /** For inspection: requests under way (attempt copies out, waiting for DNS, backing off before a retry). */
  inspect(): {
    requestsActive: number;
    copiesInFlight: number;
    awaitingDns: number;
    retriesPending: number;
    dnsAddresses: number | null;
  } {
    let resolving = 0;
    for (const logical of this.waiting) if (logical.state === RESOLVING) resolving++;
    return {
      requestsActive: this.active,
      copiesInFlight: this.byWire.size,
      awaitingDns: resolving,
      retriesPending: this.backingOff,
      dnsAddresses: this.resolver === null ? null : this.resolver.addresses.length,
    };
  }

  issue(): void {
    const op = this.mix.pick(this.picking);
    this.start(op, this.keys === null ? undefined : this.keys.pick(this.ctx.nowUs), -1);
  }

  /**
   * Starts one logical request of a given operation (an index into the mix),
   * about `key`, sent to targets[target]: for workloads that decide these
   * themselves (a user's request goes to the node holding the user).
   */
  issueTo(operation: number, key: number, target: number): void {
    if (!(target >= 0 && target < this.targets.length))
      throw new RangeError(`target ${target} is not one of the ${this.targets.length} targets`);
    this.start(operation, key, target);
  }

  private start(op: number, key: number | undefined, target: number): void {
    this.active++;
    const now = this.ctx.nowUs;
    this.options.metrics.recordSent(this.operations[op], now);
    const logical: Logical = {
      operation: this.operations[op],
      operationName: this.operationNames[op],
      session: this.ctx.id * SESSIONS_PER_NODE + (this.sessions === 1 ? 0 : this.sessionRng.int(this.sessions)),
      key,
      firstSentUs: now,
      attempt: 0,
      previousBackoffUs: 0,
      state: IDLE,
      wireBase: -1,
      copies: 0,
      inFlight: 0,
      attemptStartUs: now,
      firstCopyUs: now,
      target,
      firstTo: -1,
      timer: -1,
      hedgeTimer: -1,
    };
    this.attempt(logical);
  }

  /** A server's answer or a DNS answer. */
  onMessage(_from: NodeId, message: Response | DnsAnswer): void {
    if (message.kind === 'dns-answer') this.onDnsAnswer(message);
    else this.onResponse(message);
  }

  /** Handles the requester's own timers; false for tags that are not its. */
  onTimer(tag: number, data: unknown): boolean {
    switch (tag) {
      case TIMEOUT: {
        const logical = data as Logical;
        logical.timer = -1;
        if (logical.state === RESOLVING) {
          logical.state = IDLE;
          this.failed(logical, 'unavailable', 0);
        } else {
          this.endAttempt(logical);
          this.failed(logical, 'timeout', 0);
        }
        return true;
      }
      case RETRY:
        this.backingOff--;
        this.attempt(data as Logical);
        return true;
      case HEDGE: {
        const logical = data as Logical;
        logical.hedgeTimer = -1;
        this.sendCopy(logical);
        this.options.metrics.recordHedge();
        this.scheduleHedge(logical);
        return true;
      }
      case LOOKUP_TIMEOUT:
        if (this.resolver!.lookupTimedOut(data as number)) this.lookupFailed();
        return true;
      default:
        return false;
    }
  }

  private attempt(logical: Logical): void {
    logical.attempt++;
    if (logical.attempt > 1) this.options.metrics.recordRetry();
    logical.wireBase = this.nextWireId;
    this.nextWireId += this.idsPerAttempt;
    logical.copies = 0;
    logical.inFlight = 0;
    logical.attemptStartUs = this.ctx.nowUs;
    const timeout = this.options.timeoutUs;
    const resolver = this.resolver;
    if (resolver !== null) {
      if (!resolver.fresh()) {
        logical.state = RESOLVING;
        this.waiting.push(logical);
        if (timeout !== undefined) logical.timer = this.ctx.setTimer(timeout, TIMEOUT, logical);
        return;
      }
      if (resolver.addresses.length === 0) {
        this.failed(logical, 'unavailable', 0);
        return;
      }
    }
    logical.state = IN_FLIGHT;
    this.sendCopy(logical);
    logical.timer = timeout === undefined ? -1 : this.ctx.setTimer(timeout, TIMEOUT, logical);
    this.scheduleHedge(logical);
  }

  /** Sends the attempt's next copy: the first to a target picked uniformly, hedges to another one when there is one. */
  private sendCopy(logical: Logical): void {
    const copy = logical.copies++;
    logical.inFlight++;
    const wireId = logical.wireBase + copy;
    this.byWire.set(wireId, logical);
    const targets = this.resolver === null ? this.targets : this.resolver.addresses;
    const now = this.ctx.nowUs;
    let to: NodeId;
    if (copy === 0) {
      to =
        logical.target >= 0
          ? this.targets[logical.target]
          : targets.length === 1
            ? targets[0]
            : targets[this.routing.int(targets.length)];
      logical.firstTo = to;
      logical.firstCopyUs = now;
    } else {
      to = this.otherTarget(targets, logical.firstTo);
    }
    const timeout = this.options.timeoutUs;
    // Plain literals, not spreads: this runs once per copy.
    const key = logical.key;
    const operation = logical.operationName;
    const priority = this.priority;
    const session = logical.session;
    const request: Request =
      timeout === undefined
        ? key === undefined
          ? { kind: 'request', id: wireId, sentUs: now, operation, priority, session }
          : { kind: 'request', id: wireId, sentUs: now, operation, priority, session, key }
        : key === undefined
          ? {
              kind: 'request',
              id: wireId,
              sentUs: now,
              operation,
              priority,
              session,
              deadlineUs: logical.attemptStartUs + timeout,
            }
          : {
              kind: 'request',
              id: wireId,
              sentUs: now,
              operation,
              priority,
              session,
              key,
              deadlineUs: logical.attemptStartUs + timeout,
            };
    this.ctx.send(to, request, this.options.requestSizeBytes ?? 0);
  }

  /** A target other than `first`, uniformly, when there is another (the DNS answer may have changed since the first copy). */
  private otherTarget(targets: readonly NodeId[], first: NodeId): NodeId {
    const n = targets.length;
    if (n <= 1) return n === 1 ? targets[0] : first;
    const at = targets.indexOf(first);
    return at < 0 ? targets[this.hedging!.int(n)] : targets[(at + 1 + this.hedging!.int(n - 1)) % n];
  }

  private scheduleHedge(logical: Logical): void {
    const hedge = this.hedge;
    if (hedge === null || logical.copies > hedge.policy.maxHedges) return;
    const delay = hedge.delayUs;
    if (delay < 0) return;
    // A copy sent after the attempt has timed out could not win.
    const timeout = this.options.timeoutUs;
    if (timeout !== undefined && this.ctx.nowUs + delay >= logical.attemptStartUs + timeout) return;
    logical.hedgeTimer = this.ctx.setTimer(delay, HEDGE, logical);
  }

  private onResponse(response: Response): void {
    const logical = this.byWire.get(response.id);
    if (logical === undefined) return; // a copy of an attempt already over
    this.byWire.delete(response.id);
    logical.inFlight--;
    if (response.error === undefined) {
      this.endAttempt(logical);
      this.hedge?.record(this.ctx.nowUs - logical.firstCopyUs);
      this.options.metrics.recordSuccess(logical.operation, logical.firstSentUs, this.ctx.nowUs);
      this.active--;
      this.onFinished(true);
    } else if (logical.inFlight === 0) {
      this.endAttempt(logical);
      this.failed(logical, response.error, response.retryAfterUs ?? 0);
    }
    // Otherwise another copy is still out and may succeed.
  }

  /** Stops the attempt's timers and forgets its copies still out, so their answers are ignored. */
  private endAttempt(logical: Logical): void {
    logical.state = IDLE;
    if (logical.timer !== -1) this.ctx.cancelTimer(logical.timer);
    logical.timer = -1;
    if (logical.hedgeTimer !== -1) {
      this.ctx.cancelTimer(logical.hedgeTimer);
      logical.hedgeTimer = -1;
    }
    if (logical.inFlight > 0) {
      for (let copy = 0; copy < logical.copies; copy++) this.byWire.delete(logical.wireBase + copy);
      logical.inFlight = 0;
    }
  }

  /** The awaited answer sends the requests waiting for it; with no address, their attempts fail. */
  private onDnsAnswer(answer: DnsAnswer): void {
    if (!this.resolver!.onAnswer(answer)) return;
    const waiting = this.waiting;
    const count = waiting.length;
    const reachable = answer.addresses.length > 0;
    for (let i = 0; i < count; i++) {
      const logical = waiting[i];
      if (logical.state !== RESOLVING) continue;
      if (reachable) {
        logical.state = IN_FLIGHT;
        this.sendCopy(logical);
        this.scheduleHedge(logical);
      } else {
        this.endAttempt(logical);
        this.failed(logical, 'unavailable', 0);
      }
    }
    waiting.copyWithin(0, count);
    waiting.length -= count;
  }

  /**
   * A lookup went unanswered. Requests with an attempt timeout go on waiting
   * for the next lookup (their timeout bounds the wait); without one, nothing
   * else would, so they fail now.
   */
  private lookupFailed(): void {
    const waiting = this.waiting;
    const bounded = this.options.timeoutUs !== undefined;
    let kept = 0;
    const count = waiting.length;
    for (let i = 0; i < count; i++) {
      const logical = waiting[i];
      if (logical.state !== RESOLVING) continue;
      if (bounded) waiting[kept++] = logical;
      else {
        logical.state = IDLE;
        this.failed(logical, 'unavailable', 0);
      }
    }
    // Failures above only set timers, so nothing joined the list meanwhile.
    waiting.length = kept;
    if (kept > 0) this.resolver!.fresh();
  }

  private failed(logical: Logical, error: ErrorKind, retryAfterUs: number): void {
    const policy = this.options.retry;
    if (policy !== undefined && logical.attempt < policy.maxAttempts && policy.retryOn.includes(error)) {
      let wait = backoffUs(policy, logical.attempt, logical.previousBackoffUs, this.backoffRng);
      if (policy.honorRetryAfter && retryAfterUs > wait) wait = retryAfterUs;
      logical.previousBackoffUs = wait;
      logical.timer = -1;
      this.backingOff++;
      this.ctx.setTimer(wait, RETRY, logical);
      return;
    }
    this.options.metrics.recordFailure(logical.operation, error, logical.firstSentUs, this.ctx.nowUs);
    this.active--;
    this.onFinished(false);
  }
}
