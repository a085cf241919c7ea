import { Zipf } from '../../engine/distribution.js';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/node-context.js';
import type { RandomStream } from '../../engine/random-stream.js';
import type { TimeUs } from '../../engine/time.js';
import type { ErrorKind } from '../../reports/report-types.js';
import type { Request, Response } from '../messages.js';
import type { OperationMetrics, RequestMetrics } from '../metrics/request-metrics.js';
import { backoffUs, type RetryPolicy } from './retry-policy.js';

export interface RequestOptions {
  /** Servers by name; each attempt goes to one picked uniformly at random. */
  targets: readonly string[];
  /** Give up on an attempt after this long. */
  timeoutUs?: number;
  retry?: RetryPolicy;
  /** Operation names and their weights in the mix (default: one operation, `request`). */
  mix?: readonly { operation: string; weight: number }[];
  keys?: { count: number; zipf?: number };
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
  wireId: number;
  timer: TimerHandle | -1;
}

/**
 * Issues client requests for a workload: picks the operation, key and
 * target, times attempts out, retries with backoff and jitter, and records
 * each logical request once (latency from its first attempt) however many
 * attempts it took. `onFinished` lets a closed-loop user go on.
 */
export class Requester {
  private readonly targets: NodeId[];
  private readonly routing: RandomStream;
  private readonly picking: RandomStream;
  private readonly backoffRng: RandomStream;
  private readonly operations: OperationMetrics[];
  private readonly operationNames: string[];
  private readonly priority: number;
  private readonly sessionRng: RandomStream;
  private readonly sessions: number;
  private readonly cumulativeWeights: number[];
  private readonly zipf: Zipf | null;
  private readonly keyCount: number;
  private readonly byWire = new Map<number, Logical>();
  private nextWireId = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: RequestOptions,
    private readonly onFinished: (ok: boolean) => void = () => {},
  ) {
    if (options.targets.length === 0) throw new RangeError('a client needs at least one target');
    this.targets = options.targets.map((name) => ctx.lookup(name));
    this.routing = ctx.random('routing');
    this.picking = ctx.random('keys');
    this.backoffRng = ctx.random('backoff');
    const mix = options.mix ?? [{ operation: 'request', weight: 1 }];
    this.operations = mix.map((m) => options.metrics.operation(m.operation));
    this.operationNames = mix.map((m) => m.operation);
    this.priority = options.priority ?? 0;
    this.sessions = options.sessions ?? 1;
    if (!(Number.isInteger(this.sessions) && this.sessions >= 1 && this.sessions <= SESSIONS_PER_NODE)) {
      throw new RangeError(`sessions must be a whole number from 1 to ${SESSIONS_PER_NODE}, got ${this.sessions}`);
    }
    this.sessionRng = ctx.random('sessions');
    let sum = 0;
    this.cumulativeWeights = mix.map((m) => (sum += m.weight));
    this.zipf = options.keys?.zipf === undefined ? null : new Zipf(options.keys.count, options.keys.zipf);
    this.keyCount = options.keys?.count ?? 0;
  }

  /** Starts one logical request. */
  issue(): void {
    const now = this.ctx.nowUs;
    const op = this.pickOperation();
    this.options.metrics.recordSent(this.operations[op], now);
    const logical: Logical = {
      operation: this.operations[op],
      operationName: this.operationNames[op],
      session: this.ctx.id * SESSIONS_PER_NODE + (this.sessions === 1 ? 0 : this.sessionRng.int(this.sessions)),
      key: this.keyCount === 0 ? undefined : this.zipf === null ? 1 + this.picking.int(this.keyCount) : this.zipf.sample(this.picking),
      firstSentUs: now,
      attempt: 0,
      previousBackoffUs: 0,
      wireId: -1,
      timer: -1,
    };
    this.attempt(logical);
  }

  onResponse(_from: NodeId, response: Response): void {
    const logical = this.byWire.get(response.id);
    if (logical === undefined) return; // an attempt already given up on
    this.byWire.delete(response.id);
    if (logical.timer !== -1) this.ctx.cancelTimer(logical.timer);
    if (response.error === undefined) {
      this.options.metrics.recordSuccess(logical.operation, logical.firstSentUs, this.ctx.nowUs);
      this.onFinished(true);
    } else {
      this.failed(logical, response.error, response.retryAfterUs ?? 0);
    }
  }

  /** Handles the requester's own timers; false for tags that are not its. */
  onTimer(tag: number, data: unknown): boolean {
    if (tag === TIMEOUT) {
      const logical = this.byWire.get(data as number);
      if (logical !== undefined) {
        this.byWire.delete(data as number);
        this.failed(logical, 'timeout', 0);
      }
      return true;
    }
    if (tag === RETRY) {
      this.attempt(data as Logical);
      return true;
    }
    return false;
  }

  private attempt(logical: Logical): void {
    logical.attempt++;
    if (logical.attempt > 1) this.options.metrics.recordRetry();
    const wireId = this.nextWireId++;
    logical.wireId = wireId;
    this.byWire.set(wireId, logical);
    const targets = this.targets;
    const to = targets.length === 1 ? targets[0] : targets[this.routing.int(targets.length)];
    const now = this.ctx.nowUs;
    const timeout = this.options.timeoutUs;
    // Plain literals, not spreads: this runs once per attempt.
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
          ? { kind: 'request', id: wireId, sentUs: now, operation, priority, session, deadlineUs: now + timeout }
          : { kind: 'request', id: wireId, sentUs: now, operation, priority, session, key, deadlineUs: now + timeout };
    this.ctx.send(to, request, this.options.requestSizeBytes ?? 0);
    logical.timer = timeout === undefined ? -1 : this.ctx.setTimer(timeout, TIMEOUT, wireId);
  }

  private failed(logical: Logical, error: ErrorKind, retryAfterUs: number): void {
    const policy = this.options.retry;
    if (policy !== undefined && logical.attempt < policy.maxAttempts && policy.retryOn.includes(error)) {
      let wait = backoffUs(policy, logical.attempt, logical.previousBackoffUs, this.backoffRng);
      if (policy.honorRetryAfter && retryAfterUs > wait) wait = retryAfterUs;
      logical.previousBackoffUs = wait;
      logical.timer = -1;
      this.ctx.setTimer(wait, RETRY, logical);
      return;
    }
    this.options.metrics.recordFailure(logical.operation, error, logical.firstSentUs, this.ctx.nowUs);
    this.onFinished(false);
  }

  private pickOperation(): number {
    const weights = this.cumulativeWeights;
    if (weights.length === 1) return 0;
    const u = this.picking.nextDouble() * weights[weights.length - 1];
    let i = 0;
    while (u >= weights[i] && i < weights.length - 1) i++;
    return i;
  }
}
