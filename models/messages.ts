import type { TimeUs } from '../engine/time.js';

/** A client's call to a server. `sentUs` is true time, carried for measurement only. */
export interface Request {
  readonly kind: 'request';
  readonly id: number;
  readonly sentUs: TimeUs;
}

export interface Response {
  readonly kind: 'response';
  readonly id: number;
  readonly sentUs: TimeUs;
  /** False when the server shed the request (its queue was full). */
  readonly ok: boolean;
}
