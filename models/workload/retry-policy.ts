import type { RandomStream } from '../../engine/index.js';
import type { ErrorKind } from '../measure/outcomes.js';

export const JITTER_KINDS = ['none', 'full', 'equal', 'decorrelated'] as const;
export type Jitter = (typeof JITTER_KINDS)[number];

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseUs: number;
  capUs: number;
  multiplier: number;
  jitter: Jitter;
  /** Which failures are retried. */
  retryOn: readonly ErrorKind[];
  /** Wait at least as long as a response's Retry-After says. */
  honorRetryAfter: boolean;
}

/**
 * The wait before retry number `retry` (1 for the first retry): exponential
 * backoff base·multiplier^(retry−1) capped at `cap`, then jittered as in
 * "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015): none, full
 * U(0, b), equal b/2 + U(0, b/2), or decorrelated min(cap, U(base, 3·previous)).
 */
export function backoffUs(policy: RetryPolicy, retry: number, previousUs: number, rng: RandomStream): number {
  const b = Math.min(policy.capUs, policy.baseUs * policy.multiplier ** (retry - 1));
  switch (policy.jitter) {
    case 'none':
      return b;
    case 'full':
      return rng.nextDouble() * b;
    case 'equal':
      return b / 2 + (rng.nextDouble() * b) / 2;
    case 'decorrelated': {
      const high = Math.max(policy.baseUs, 3 * (previousUs > 0 ? previousUs : policy.baseUs));
      return Math.min(policy.capUs, policy.baseUs + rng.nextDouble() * (high - policy.baseUs));
    }
  }
}
