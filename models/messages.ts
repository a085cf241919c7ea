import type { ErrorKind } from '../reports/report-types.js';
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
  /** Why the server failed the request; absent on success. */
  readonly error?: ErrorKind;
}
