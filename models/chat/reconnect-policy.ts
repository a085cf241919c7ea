import { z } from 'zod';
import type { RandomStream } from '../../engine/index.js';
import { durationUs, positiveDurationUs } from '../kit/units.js';

export const RECONNECT_POLICIES = ['immediate', 'backoff', 'jittered-backoff'] as const;
export type ReconnectPolicyName = (typeof RECONNECT_POLICIES)[number];

/**
 * How a device waits before connection attempt n after losing its connection
 * or failing to connect (n = 1 for the first attempt after the loss):
 * immediate tries again at once; backoff waits b(n) = min(max, base ·
 * multiplier^(n−1)); jittered-backoff waits a uniform share of it, U(0, b(n))
 * ("full jitter", AWS Architecture Blog, 2015), which spreads a crowd of
 * devices that lost their server at the same moment over the whole window
 * instead of sending them back together. A refusal's retry-after is a floor
 * under any of these. The count starts again after a successful connect.
 */
export interface ReconnectPolicy {
  policy: ReconnectPolicyName;
  baseUs: number;
  maxUs: number;
  multiplier: number;
}

/** The wait before attempt `attempt` (≥ 1) after a loss, never below `retryAfterUs`. */
export function reconnectDelayUs(
  policy: ReconnectPolicy,
  attempt: number,
  rng: RandomStream,
  retryAfterUs = 0,
): number {
  let waitUs: number;
  if (policy.policy === 'immediate') waitUs = 0;
  else {
    const backoffUs = Math.min(policy.maxUs, policy.baseUs * policy.multiplier ** (attempt - 1));
    waitUs = policy.policy === 'backoff' ? backoffUs : rng.nextDouble() * backoffUs;
  }
  return waitUs < retryAfterUs ? retryAfterUs : waitUs;
}

export const reconnectParams = z
  .strictObject({
    policy: z
      .enum(RECONNECT_POLICIES)
      .default('jittered-backoff')
      .describe(
        'immediate: try again at once; backoff: wait base, then base·multiplier, … up to max; jittered-backoff: wait a uniform time in [0, that backoff] ("full jitter").',
      ),
    base: durationUs.default(1_000_000).describe('The backoff before the first attempt after a loss (default 1s).'),
    max: positiveDurationUs.default(30_000_000).describe('The longest backoff (default 30s).'),
    multiplier: z.number().min(1).default(2).describe('Backoff growth per failed attempt (default 2: doubling).'),
  })
  .describe(
    "How a device reconnects after losing its server or being refused: at once, with exponential backoff, or with full-jitter backoff; a refusal's retry-after is a floor.",
  );

export type ReconnectParams = z.output<typeof reconnectParams>;

export function reconnectPolicyOf(params: ReconnectParams): ReconnectPolicy {
  return { policy: params.policy, baseUs: params.base, maxUs: params.max, multiplier: params.multiplier };
}
