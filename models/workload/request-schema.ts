import { z } from 'zod';
import { ERROR_KINDS } from '../measure/request-metrics.js';
import type { InstanceContext } from '../kit/model-contract.js';
import { durationUs, nonNegativeInt, positiveDurationUs, positiveInt, sizeBytes } from '../kit/units.js';
import type { RequestOptions } from './requester.js';
import { JITTER_KINDS } from './retry-policy.js';

const keyShift = z
  .strictObject({
    at: durationUs.describe('When the hot set first moves.'),
    by: positiveInt.describe(
      'Ranks move by this many keys: rank r then names key ((r - 1 + by) mod count) + 1, so the hottest keys become others.',
    ),
    every: positiveDurationUs
      .optional()
      .describe('Move again by `by` after every such interval (a hot set that keeps drifting); once when absent.'),
  })
  .describe('Move key popularity at a given time: the same skew lands on other keys, as when an item starts trending.');

const hedge = z
  .strictObject({
    after: durationUs
      .optional()
      .describe(
        'Send another copy when an attempt has not answered after this long. With afterPercentile: the delay used until minSamples latencies are seen (no hedging until then when absent).',
      ),
    afterPercentile: z
      .number()
      .gt(0)
      .lt(100)
      .optional()
      .describe(
        'Hedge after this percentile of the latencies this client has observed (successful attempts, from their first copy), e.g. 95.',
      ),
    minSamples: positiveInt.default(100).describe('Latencies to observe before afterPercentile is used.'),
    window: positiveInt.default(1000).describe('How many of the most recent latencies the percentile is taken over.'),
    maxHedges: positiveInt
      .default(1)
      .describe('Extra copies per attempt at most; each waits one more delay after the previous.'),
  })
  .refine((h) => h.after !== undefined || h.afterPercentile !== undefined, {
    error: 'hedge needs `after` (a fixed delay), `afterPercentile`, or both',
  });

/** The parameters every client workload shares: where requests go and how they are timed out, hedged and retried. */
export const requestParams = {
  target: z
    .string()
    .describe(
      'The component every request goes to; each attempt picks one of its nodes uniformly. With `dns`: the name looked up, and each attempt picks one of the addresses of the answer.',
    ),
  dns: z
    .string()
    .optional()
    .describe(
      'A `dns` component to resolve `target` through: the client looks the name up, keeps the answer for its TTL, and sends to the addresses it names; requests wait while a lookup is out. The first answer is kept for a random share of its TTL, as if the client had started at a random time before the run, so clients do not re-resolve in lockstep.',
    ),
  dnsTimeout: positiveDurationUs
    .default(1_000_000)
    .describe(
      'Ask the next DNS server when a lookup has no answer after this long (default 1s). Requests waiting for it fail (unavailable) at their attempt timeout, or at this one when they have none.',
    ),
  timeout: durationUs
    .optional()
    .describe(
      'Give up on an attempt after this long (a timeout error, or a retry); it covers all of its hedged copies and any wait for DNS. No timeout when absent.',
    ),
  retry: z
    .strictObject({
      attempts: positiveInt.default(3).describe('Attempts in all, the first included.'),
      base: durationUs.default(10_000).describe('Backoff before the first retry (default 10ms).'),
      multiplier: z.number().min(1).default(2).describe('Backoff growth per retry.'),
      cap: durationUs.default(1_000_000).describe('Longest backoff (default 1s).'),
      jitter: z.enum(JITTER_KINDS).default('full').describe('none, full U(0,b), equal b/2+U(0,b/2), or decorrelated.'),
      on: z
        .array(z.enum(ERROR_KINDS))
        .default(['timeout', 'rejected', 'unavailable'])
        .describe('Failures that are retried.'),
      honorRetryAfter: z.boolean().default(true).describe("Wait at least a response's Retry-After."),
    })
    .optional()
    .describe(
      'Client retries with exponential backoff; none when absent. An attempt is retried only once all of its hedged copies have failed or it has timed out.',
    ),
  hedge: hedge
    .optional()
    .describe(
      'Hedged requests: when an attempt has not answered after a delay, send another copy (to another node when there are several); the first success wins and the rest are ignored. None when absent.',
    ),
  requestSize: sizeBytes.default(0).describe('Bytes per request, for links with a bandwidth.'),
  operations: z
    .union([z.string(), z.record(z.string(), z.number().positive())], {
      error: 'expected an operation name, or a map of names to weights like { read: 9, write: 1 }',
    })
    .refine(
      (ops) => typeof ops === 'string' || Object.keys(ops).length > 0,
      'name at least one operation, like { read: 1 }',
    )
    .default('request')
    .describe('The operation latencies are reported under, or a mix: { read: 0.9, write: 0.1 }.'),
  keys: z
    .strictObject({
      count: positiveInt.describe('Distinct keys, 1..count.'),
      zipf: z
        .number()
        .min(0)
        .optional()
        .describe('Zipf exponent s: the key of rank r is picked with weight 1/r^s. Uniform when absent.'),
      shift: keyShift.optional(),
    })
    .refine((k) => k.shift === undefined || k.shift.by < 1 || k.shift.by % k.count !== 0, {
      path: ['shift', 'by'],
      error: 'a shift by a multiple of count moves no key; use a number between 1 and count - 1',
    })
    .optional()
    .describe(
      'Give each request a key (a record, a URL), for key-based routing. Rank 1 is key 1 until a shift moves it.',
    ),
  sessions: positiveInt
    .max(65_536)
    .default(1)
    .describe(
      'User sessions (cookies) on each client node; each request belongs to one, picked uniformly. One by default: the node is one user.',
    ),
  priority: nonNegativeInt
    .default(0)
    .describe('Priority of every request (higher is more important), for servers that order or shed by priority.'),
};

type RequestParams = z.output<z.ZodObject<typeof requestParams>>;

/** The components a workload names: its target, or with DNS the DNS server (the target is then a name the server answers). */
export function requestReferences(
  params: RequestParams,
): { path: (string | number)[]; component: string; type?: string; name?: string }[] {
  return params.dns === undefined
    ? [{ path: ['target'], component: params.target }]
    : [
        { path: ['dns'], component: params.dns, type: 'dns' },
        { path: ['target'], component: params.dns, name: params.target },
      ];
}

/** The scenario's parameters as a Requester's options. */
export function requestOptions(params: RequestParams, ctx: InstanceContext): RequestOptions {
  const ops = params.operations;
  const r = params.retry;
  const h = params.hedge;
  const k = params.keys;
  return {
    targets: params.dns === undefined ? ctx.nodesOf(params.target) : [],
    dns:
      params.dns === undefined
        ? undefined
        : { servers: ctx.nodesOf(params.dns), name: params.target, lookupTimeoutUs: params.dnsTimeout },
    timeoutUs: params.timeout,
    retry:
      r === undefined
        ? undefined
        : {
            maxAttempts: r.attempts,
            baseUs: r.base,
            capUs: r.cap,
            multiplier: r.multiplier,
            jitter: r.jitter,
            retryOn: r.on,
            honorRetryAfter: r.honorRetryAfter,
          },
    hedge:
      h === undefined
        ? undefined
        : {
            afterUs: h.after,
            afterPercentile: h.afterPercentile,
            minSamples: h.minSamples,
            window: h.window,
            maxHedges: h.maxHedges,
          },
    mix:
      typeof ops === 'string'
        ? [{ operation: ops, weight: 1 }]
        : Object.entries(ops).map(([operation, weight]) => ({ operation, weight })),
    keys:
      k === undefined
        ? undefined
        : {
            count: k.count,
            zipf: k.zipf,
            shift: k.shift === undefined ? undefined : { atUs: k.shift.at, by: k.shift.by, everyUs: k.shift.every },
          },
    priority: params.priority,
    sessions: params.sessions,
    requestSizeBytes: params.requestSize,
    metrics: ctx.requests,
  };
}
