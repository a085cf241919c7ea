import { Redis } from 'ioredis';
import { RedisUnreachable } from './fleet-errors.js';
import { redisUrlForPeople, redisUrlProblem } from './redis-url.js';

/**
 * Opening the Redis connection a fleet shares. The first connection either
 * works or fails at once with a sentence; once it has worked, a lost
 * connection is retried for as long as it takes (a fleet outlives a Redis
 * restart). ioredis alone would retry the first connection for ever.
 */

/** How long the first connection may take before Redis counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;
const RECONNECT_MAX_DELAY_MS = 5000;

function why(error: (Error & { code?: string }) | undefined): string {
  switch (error?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'no such host';
    case 'ETIMEDOUT':
      return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
  }
  if (error === undefined) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  if (/Unknown RESP type/.test(error.message)) return 'what answers there does not speak the Redis protocol';
  return error.message;
}

function refusal(url: string, error: Error): string {
  const where = redisUrlForPeople(url);
  if (/^NOAUTH/.test(error.message))
    return `Redis at ${where} wants a password; give it in --redis, like redis://:password@host:port`;
  if (/^WRONGPASS/.test(error.message)) return `Redis at ${where} refused the user or password given in --redis`;
  return `cannot reach Redis at ${where}: ${why(error)}; start redis-server or check --redis`;
}

/**
 * A connected client for BullMQ (whose blocking connections need
 * `maxRetriesPerRequest: null`); rejects with RedisUnreachable within about
 * CONNECT_TIMEOUT_MS. BullMQ duplicates it for its blocking connections,
 * which inherit the same retry rule. The caller disconnects it.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const problem = redisUrlProblem(url);
  if (problem !== null) throw new RedisUnreachable(problem);
  let connected = false;
  let lastError: Error | undefined;
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => (connected ? Math.min(attempt * 200, RECONNECT_MAX_DELAY_MS) : null),
  });
  // Without a listener ioredis prints every failed attempt; BullMQ reports errors through its own objects.
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    // A server that wants a password answers the first command, not the connection.
    await client.ping();
  } catch (error) {
    // Disconnecting a connection that never opened would hold the process for ioredis's disconnectTimeout.
    if (client.status !== 'end') client.disconnect();
    throw new RedisUnreachable(refusal(url, lastError ?? (error as Error)));
  }
  connected = true;
  return client;
}
