import type { TimeUs } from '../../engine/index.js';

/**
 * How a notification worker hands one notification to a third-party provider
 * (APNs or FCM, an SMS gateway, an email service): one HTTP call per attempt.
 * The provider answers with the kit's `Response` (models/kit/request-messages.ts):
 * success when it delivered the notification to the user, `rejected` with a
 * Retry-After when the call was over the account's rate limit (HTTP 429), or
 * `unavailable` for a transient failure (HTTP 5xx); a provider that is down
 * or cut off does not answer, and the worker's timeout decides.
 */
export interface NotifyRequest {
  readonly kind: 'notify';
  /** Wire id, echoed by the response; every attempt gets a new one. */
  readonly id: number;
  /** True time the attempt left, carried for measurement only. */
  readonly sentUs: TimeUs;
  /** The notification's message id in the delivery log: the same on every attempt and redelivery. */
  readonly notification: number;
  /** The user it is for (the message key). */
  readonly user: number;
  /**
   * Where the delivery log keeps the notification: the topic (the broker
   * component) and the stream (the queue's name or the pub-sub subscription)
   * the worker read it from, so the provider records the delivery to the
   * user as the message's effect.
   */
  readonly topic: string;
  readonly subscription: string;
}
