import { Worker, WaitingError, UnrecoverableError, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RunSpec } from './campaign-types.js';
import { describeRun, MAX_STALLS, QUEUE_NAME, type FleetResult } from './job-queue.js';
import { connectRedis } from './redis-connection.js';
import { redisUrlForPeople } from './redis-url.js';
import { RunPool } from './run-pool.js';

export interface FleetWorkerOptions {
  redisUrl: string;
  /** Runs at once, each on its own thread. */
  threads: number;
  /**
   * How long a run stays locked to this worker without word from it; after
   * that (the process died) another worker takes it up. The lock is renewed
   * every half of it, so it only has to outlast a stall of the event loop.
   */
  lockMs: number;
  /** Aborting it stops the worker: it takes no more runs and gives those in flight back to the queue. */
  signal: AbortSignal;
  /** The faultline version of this worker: it refuses runs planned by another, whose results could differ. */
  faultlineVersion: string;
  /** A line per run taken, finished, failed or given back. */
  log(line: string): void;
  /** Errors, and Redis lost and back; `log` when not given. */
  warn?(line: string): void;
}

/** `host:pid`: who ran a run, in RunRecord.worker and in BullMQ's processedBy. */
export function fleetWorkerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * A fleet worker: takes runs from the shared queue, `threads` at a time, runs
 * each on a worker thread (so the event loop stays free to renew the runs'
 * locks), and returns their records. Resolves once `signal` aborts and the
 * worker has closed; rejects with RedisUnreachable when Redis cannot be
 * reached at the start.
 */
export async function serveFleet(options: FleetWorkerOptions): Promise<void> {
  if (options.signal.aborted) return;
  const id = fleetWorkerId();
  const client = await connectRedis(options.redisUrl);
  const pool = new RunPool(options.threads);
  try {
    await takeRuns(client, pool, id, options);
  } finally {
    await pool.close();
    client.disconnect();
  }
}

/** Serves runs on `pool` until the signal; the caller owns the connection and the pool. */
async function takeRuns(client: Redis, pool: RunPool, id: string, options: FleetWorkerOptions): Promise<void> {
  const { signal, log } = options;
  const warn = options.warn ?? log;
  let stopping = false;

  const processRun = async (job: Job<RunSpec, FleetResult>, token?: string, cancelled?: AbortSignal) => {
    const spec = job.data;
    if (spec.faultlineVersion !== options.faultlineVersion) {
      const why = `this worker runs faultline ${options.faultlineVersion} but the run was planned by faultline ${spec.faultlineVersion}, whose results could differ`;
      warn(`refused ${describeRun(spec)}: ${why}`);
      throw new UnrecoverableError(`${why}; run workers of the sweep's version`);
    }
    log(`took ${describeRun(spec)} (run ${spec.key.slice(0, 12)})`);
    try {
      const record = await pool.run(spec, cancelled);
      log(`finished ${describeRun(spec)} in ${record.wallMs} ms`);
      return { record: { ...record, worker: id }, delivery: randomUUID() };
    } catch (error) {
      // Stopping: the run goes back to the queue at once rather than waiting for its lock to expire.
      if (stopping && cancelled?.aborted && token !== undefined) {
        await job.moveToWait(token);
        log(`gave ${describeRun(spec)} back to the queue`);
        throw new WaitingError();
      }
      warn(`failed ${describeRun(spec)}: ${(error as Error).message}`);
      throw error;
    }
  };

  const worker = new Worker<RunSpec, FleetResult>(QUEUE_NAME, processRun, {
    connection: client,
    name: id,
    concurrency: options.threads,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: MAX_STALLS,
    autorun: false,
  });
  // One line per outage, not one per reconnection attempt.
  let connectionLost = false;
  worker.on('error', (error) => {
    if (client.status === 'ready') warn(`error: ${error.message}`);
    else if (!connectionLost) {
      connectionLost = true;
      warn(`lost Redis at ${redisUrlForPeople(options.redisUrl)} (${error.message}); retrying until it is back`);
    }
  });
  client.on('ready', () => {
    if (connectionLost) warn(`Redis at ${redisUrlForPeople(options.redisUrl)} is back`);
    connectionLost = false;
  });

  const running = worker.run().catch((error: Error) => warn(`error: the worker stopped taking runs: ${error.message}`));
  log(
    `worker ${id} takes runs from ${redisUrlForPeople(options.redisUrl)} (queue ${QUEUE_NAME}), ${options.threads} at a time`,
  );
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  stopping = true;
  const closing = worker.close();
  worker.cancelAllJobs('the worker is stopping');
  await closing;
  await running;
}
