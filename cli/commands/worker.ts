import { availableParallelism } from 'node:os';
import { RedisUnreachable } from '../../campaigns/fleet-errors.js';
import { redisUrlProblem } from '../../campaigns/redis-url.js';
import { serveFleet } from '../../campaigns/fleet-worker.js';
import { parseDurationUs } from '../../models/kit/unit-text.js';
import { UsageError, type Outcome } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { exitCodeForSignal, type StopSignal } from '../signals.js';

export interface WorkerOptions {
  redis: string;
  jobs?: number;
  lockTimeout: string;
  quiet?: boolean;
}

/** The shortest --lock-timeout: the lock is renewed every half of it, over the network. */
const MIN_LOCK_MS = 1000;

function lockMs(text: string): number {
  const us = parseDurationUs(text);
  if (us === null)
    throw new UsageError(`--lock-timeout: "${text}" is not a duration; write a number and a unit, like 30s or 2m`);
  if (us < MIN_LOCK_MS * 1000)
    throw new UsageError(
      `--lock-timeout: ${text} is too short; write at least ${MIN_LOCK_MS / 1000}s (the lock is renewed every half of it)`,
    );
  return Math.round(us / 1000);
}

/**
 * `faultline worker`: takes runs from the fleet's queue on Redis until
 * Ctrl-C (or SIGTERM), which gives the runs in flight back to the queue and
 * exits with the signal's code.
 */
export async function workerCommand(options: WorkerOptions, version: string, io: CliIo): Promise<Outcome> {
  const problem = redisUrlProblem(options.redis);
  if (problem !== null) throw new UsageError(`--redis: ${problem}`);
  const signal = io.signal ?? new AbortController().signal;
  try {
    await serveFleet({
      redisUrl: options.redis,
      threads: options.jobs ?? availableParallelism(),
      lockMs: lockMs(options.lockTimeout),
      signal,
      faultlineVersion: version,
      log: (line) => void (options.quiet ? undefined : io.stdout.write(`${line}\n`)),
      warn: (line) => void io.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof RedisUnreachable) throw new UsageError(error.message);
    throw error;
  }
  const stoppedBy = (signal.reason as StopSignal | undefined) ?? 'SIGINT';
  return {
    code: exitCodeForSignal(stoppedBy),
    reason: `stopped by ${stoppedBy}; runs in flight went back to the queue`,
  };
}
