import { z } from 'zod';
import { positiveInt } from '../kit/units.js';
import type { ConsistencyLevel } from './store-messages.js';

/** A read or write level as scenario files write it: a named level, or how many replicas must answer. */
export const consistencyLevel = z.union(
  [
    z.enum(['one', 'quorum', 'all', 'local-quorum']),
    z.strictObject({ replicas: positiveInt.describe('Replicas that must answer.') }),
  ],
  { error: 'expected one, quorum, all, local-quorum, or { replicas: n }' },
);

/**
 * A client's levels that ask for more replicas than the store it names keeps
 * of each key (its `replicationFactor`): no request at them could succeed. A
 * store without a replication factor (a leader with followers) is not judged.
 */
export function levelsBeyondReplicas(
  levels: { readConsistency?: ConsistencyLevel; writeConsistency?: ConsistencyLevel },
  storeParams: unknown,
): { path: (string | number)[]; message: string }[] {
  const n = (storeParams as { replicationFactor?: unknown }).replicationFactor;
  if (typeof n !== 'number') return [];
  return (['readConsistency', 'writeConsistency'] as const).flatMap((field) => {
    const level = levels[field];
    return typeof level === 'object' && level.replicas > n
      ? [{ path: [field, 'replicas'], message: `at most the store's replicationFactor (${n}) replicas can answer` }]
      : [];
  });
}
