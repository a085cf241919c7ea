import { z } from 'zod';
import { ERROR_KINDS } from '../metrics/request-metrics.js';
import { durationUs, nonNegativeInt, positiveInt, sizeBytes } from '../schema/units.js';
import type { RequestOptions } from './requester.js';
import { JITTER_KINDS } from './retry-policy.js';

/** The parameters every client workload shares: where requests go and how they are timed out and retried. */
export const requestParams = {
  target: z.string().describe('The component every request goes to; each attempt picks one of its nodes uniformly.'),
  timeout: durationUs.optional().describe('Give up on an attempt after this long (a timeout error, or a retry). No timeout when absent.'),
  retry: z
    .strictObject({
      attempts: positiveInt.default(3).describe('Attempts in all, the first included.'),
      base: durationUs.default(10_000).describe('Backoff before the first retry (default 10ms).'),
      multiplier: z.number().min(1).default(2).describe('Backoff growth per retry.'),
      cap: durationUs.default(1_000_000).describe('Longest backoff (default 1s).'),
      jitter: z.enum(JITTER_KINDS).default('full').describe('none, full U(0,b), equal b/2+U(0,b/2), or decorrelated.'),
      on: z.array(z.enum(ERROR_KINDS)).default(['timeout', 'rejected', 'unavailable']).describe('Failures that are retried.'),
      honorRetryAfter: z.boolean().default(true).describe("Wait at least a response's Retry-After."),
    })
    .optional()
    .describe('Client retries with exponential backoff; none when absent.'),
  requestSize: sizeBytes.default(0).describe('Bytes per request, for links with a bandwidth.'),
  operations: z
    .union([z.string(), z.record(z.string(), z.number().positive())], { error: 'expected an operation name, or a map of names to weights like { read: 9, write: 1 }' })
    .default('request')
    .describe('The operation latencies are reported under, or a mix: { read: 0.9, write: 0.1 }.'),
  keys: z
    .strictObject({
      count: positiveInt.describe('Distinct keys, 1..count.'),
      zipf: z.number().min(0).optional().describe('Zipf exponent s: key k is picked with weight 1/k^s. Uniform when absent.'),
    })
    .optional()
    .describe('Give each request a key (a record, a URL), for key-based routing.'),
  sessions: positiveInt.max(65_536).default(1).describe('User sessions (cookies) on each client node; each request belongs to one, picked uniformly. One by default: the node is one user.'),
  priority: nonNegativeInt.default(0).describe('Priority of every request (higher is more important), for servers that order or shed by priority.'),
};

type RequestParams = z.output<z.ZodObject<typeof requestParams>>;

/** The scenario's parameters as a Requester's options. */
export function requestOptions(params: RequestParams, targets: readonly string[], metrics: RequestOptions['metrics']): RequestOptions {
  const ops = params.operations;
  const r = params.retry;
  return {
    targets,
    timeoutUs: params.timeout,
    retry:
      r === undefined
        ? undefined
        : { maxAttempts: r.attempts, baseUs: r.base, capUs: r.cap, multiplier: r.multiplier, jitter: r.jitter, retryOn: r.on, honorRetryAfter: r.honorRetryAfter },
    mix: typeof ops === 'string' ? [{ operation: ops, weight: 1 }] : Object.entries(ops).map(([operation, weight]) => ({ operation, weight })),
    keys: params.keys,
    priority: params.priority,
    sessions: params.sessions,
    requestSizeBytes: params.requestSize,
    metrics,
  };
}
