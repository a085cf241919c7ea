import type { ErrorKind } from '../measure/outcomes.js';
import type { TimeUs } from '../../engine/index.js';

/** A client's call to a server. `sentUs` is true time, carried for measurement only. */
export interface Request {
  readonly kind: 'request';
  readonly id: number;
  readonly sentUs: TimeUs;
  /** The operation's name (`read`, `checkout`), for per-operation service times. */
  readonly operation: string;
  /** Higher is more important; servers that order or shed by priority use it (0 by default). */
  readonly priority: number;
  /** The user session it belongs to (what a cookie identifies), unique across the run. */
  readonly session: number;
  /** What the request is about (a record, a URL), for key-based routing; absent when the workload has no keys. */
  readonly key?: number;
  /** True time after which the caller no longer waits for the answer; absent without a timeout. */
  readonly deadlineUs?: TimeUs;
}

export interface Response {
  readonly kind: 'response';
  readonly id: number;
  readonly sentUs: TimeUs;
  /** Why the server failed the request; absent on success. */
  readonly error?: ErrorKind;
  /** With an error: how long the server asks the client to wait before trying again (HTTP Retry-After). */
  readonly retryAfterUs?: number;
}

/** The answer to `request`: success when `error` is absent; Retry-After only with an error. */
export function responseTo(request: Request, error?: ErrorKind, retryAfterUs?: number): Response {
  if (error === undefined) return { kind: 'response', id: request.id, sentUs: request.sentUs };
  return retryAfterUs === undefined
    ? { kind: 'response', id: request.id, sentUs: request.sentUs, error }
    : { kind: 'response', id: request.id, sentUs: request.sentUs, error, retryAfterUs };
}

/** A liveness probe: any running node answers it at once, whatever its queue (what a ping-level health check sees). */
export interface Ping {
  readonly kind: 'ping';
  readonly id: number;
}

export interface Pong {
  readonly kind: 'pong';
  readonly id: number;
  /** The node's load when it answered: busy workers over workers, plus waiting requests over workers (1 = all busy, none waiting); absent when it does not measure load. */
  readonly load?: number;
}
