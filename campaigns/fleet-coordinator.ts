import { Queue, QueueEvents } from 'bullmq';
import type { RunRecord, RunSpec } from './campaign-types.js';
import {
  JOB_NAME,
  jobIdProblem,
  KEEP_UNCOLLECTED_SECONDS,
  MAX_STALLS,
  QUEUE_NAME,
  type FleetResult,
} from './job-queue.js';
import { FleetRunFailed } from './fleet-errors.js';
import { connectRedis } from './redis-connection.js';

export interface FleetProgress {
  /** Runs of this campaign with a record. */
  recorded: number;
  total: number;
  /** Records passed on for runs that had one already (a run enqueued again after it was collected, and run twice). */
  duplicates: number;
}

export interface FleetSummary extends FleetProgress {
  /** Runs found finished when the coordinator started: run by the fleet for an earlier coordinator that stopped. */
  collectedEarlier: number;
  /** Runs found failed when the coordinator started (an earlier campaign's failure) and put back in the queue. */
  retried: number;
  /** The signal aborted before every run had a record; the queue was left as it was, for a later sweep. */
  stopped: boolean;
}

export interface FleetOptions {
  redisUrl: string;
  /** Called once per delivery of a run's record, as it arrives; may be called again for a run delivered twice. */
  onRecord(record: RunRecord): void;
  /** Stops waiting: runOnFleet resolves with `stopped`, leaving queued and running jobs for a later sweep. */
  signal?: AbortSignal;
  onProgress?(progress: FleetProgress): void;
}

/**
 * After this long without an event, look up the runs still without a record:
 * the event stream is capped and was not read while Redis was unreachable,
 * so a completion can be missing from it.
 */
const POLL_MS = 5000;
/** Jobs added or looked up per round trip. */
const BATCH = 500;

/**
 * Runs a campaign's runs on the fleet: enqueues each spec as a job whose id is
 * its key (enqueuing a run already queued, running or finished adds nothing),
 * then passes each record on as fleet workers (`faultline worker`) return
 * them, removing the jobs it has consumed. Resolves once every spec has a
 * record, or when `signal` aborts. Rejects with RedisUnreachable when Redis
 * cannot be reached, and with FleetRunFailed when a run fails on a worker;
 * either way, and when stopped, the rest of the campaign's jobs stay queued:
 * workers go on with them, and a later sweep collects their records.
 */
export async function runOnFleet(specs: readonly RunSpec[], options: FleetOptions): Promise<FleetSummary> {
  const byKey = new Map(specs.map((spec) => [spec.key, spec]));
  for (const key of byKey.keys()) {
    const problem = jobIdProblem(key);
    if (problem !== null) throw new Error(problem);
  }
  const summary: FleetSummary = {
    recorded: 0,
    total: byKey.size,
    duplicates: 0,
    collectedEarlier: 0,
    retried: 0,
    stopped: false,
  };
  if (byKey.size === 0) return summary;
  if (options.signal?.aborted) return { ...summary, stopped: true };

  const client = await connectRedis(options.redisUrl);
  const queue = new Queue<RunSpec, FleetResult>(QUEUE_NAME, { connection: client });
  let events: QueueEvents | undefined;
  let poller: NodeJS.Timeout | undefined;
  const recorded = new Set<string>();
  const deliveries = new Set<string>();
  let settle!: { resolve(): void; reject(error: unknown): void };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const onAbort = () => settle.resolve();

  let lastHeardMs = Date.now();
  const deliver = (key: string, result: FleetResult | null) => {
    if (!byKey.has(key) || typeof result?.delivery !== 'string' || deliveries.has(result.delivery)) return;
    deliveries.add(result.delivery);
    if (recorded.has(key)) summary.duplicates++;
    recorded.add(key);
    summary.recorded = recorded.size;
    try {
      options.onRecord(result.record);
      options.onProgress?.({ recorded: summary.recorded, total: summary.total, duplicates: summary.duplicates });
    } catch (error) {
      settle.reject(error);
      return;
    }
    void removeConsumed(key, result.delivery);
    if (recorded.size === byKey.size) settle.resolve();
  };

  /** Drops the finished job, unless it is no longer the one delivered (collected and enqueued again meanwhile). */
  const removeConsumed = async (key: string, delivery: string) => {
    try {
      const job = await queue.getJob(key);
      if (job?.finishedOn && job.returnvalue?.delivery === delivery) await queue.remove(key);
    } catch {
      // Best effort: a job left behind is dropped after KEEP_UNCOLLECTED_SECONDS.
    }
  };

  const fail = async (key: string, reason: string) => {
    const spec = byKey.get(key);
    if (spec === undefined || recorded.has(key)) return;
    const job = await queue.getJob(key).catch(() => undefined);
    const why = job?.failedReason ?? reason;
    settle.reject(
      new FleetRunFailed(
        spec,
        job?.processedBy ?? null,
        /stalled more than allowable limit/.test(why)
          ? `the workers running it died or stalled ${MAX_STALLS + 1} times (out of memory?); see their logs`
          : why,
      ),
    );
  };

  /** Looks up every run still without a record: collects the finished, fails on the failed, enqueues again the vanished. */
  const reconcile = async (starting: boolean) => {
    const pending = [...byKey.keys()].filter((key) => !recorded.has(key));
    for (let i = 0; i < pending.length; i += BATCH) {
      const keys = pending.slice(i, i + BATCH);
      const states = await Promise.all(keys.map((key) => queue.getJobState(key)));
      await Promise.all(
        keys.map(async (key, k) => {
          if (states[k] === 'completed') {
            const job = await queue.getJob(key);
            if (job?.returnvalue) {
              if (starting && !recorded.has(key)) summary.collectedEarlier++;
              deliver(key, job.returnvalue);
            }
          } else if (states[k] === 'failed') {
            const job = await queue.getJob(key);
            if (starting && job !== undefined) {
              await job.retry('failed');
              summary.retried++;
            } else await fail(key, job?.failedReason ?? 'it failed');
          } else if (states[k] === 'unknown') {
            await enqueue([key]);
          }
        }),
      );
    }
  };

  const enqueue = async (keys: readonly string[]) => {
    for (let i = 0; i < keys.length; i += BATCH) {
      await queue.addBulk(
        keys.slice(i, i + BATCH).map((key) => ({
          name: JOB_NAME,
          data: byKey.get(key)!,
          opts: {
            jobId: key,
            attempts: 1,
            removeOnComplete: { age: KEEP_UNCOLLECTED_SECONDS },
            removeOnFail: { age: KEEP_UNCOLLECTED_SECONDS },
          },
        })),
      );
    }
  };

  let done = false;
  const start = async () => {
    queue.on('error', () => {});
    await queue.waitUntilReady();
    // Listen from the stream's current end, read before enqueueing: no completion from now on is missed.
    const [last] = await client.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1);
    events = new QueueEvents(QUEUE_NAME, { connection: client, lastEventId: last?.[0] ?? '0-0' });
    events.on('error', () => {});
    events.on('completed', ({ jobId, returnvalue }) => {
      lastHeardMs = Date.now();
      deliver(jobId, returnvalue as unknown as FleetResult);
    });
    events.on('failed', ({ jobId, failedReason }) => void fail(jobId, failedReason));
    await enqueue([...byKey.keys()]);
    await reconcile(true);
    let polling = false;
    if (!done)
      poller = setInterval(() => {
        if (polling || Date.now() - lastHeardMs < POLL_MS) return;
        polling = true;
        reconcile(false)
          .catch(settle.reject)
          .finally(() => (polling = false));
      }, POLL_MS);
  };

  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // An abort ends the wait at once, even while the runs are still being enqueued.
    start().catch(settle.reject);
    await finished;
    summary.stopped = recorded.size < byKey.size;
    return summary;
  } finally {
    done = true;
    options.signal?.removeEventListener('abort', onAbort);
    clearInterval(poller);
    await events?.close().catch(() => {});
    await queue.close().catch(() => {});
    client.disconnect();
  }
}
