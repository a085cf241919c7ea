import { threadId } from 'node:worker_threads';
import { RunBudgetExceeded } from '../scenarios/harness/run-limits.js';
import type { RunSpec } from './campaign-types.js';
import { runOne } from './run-one.js';
import type { WorkerAnswer } from './run-pool.js';

/** A pool thread: one planned run per task. A run over its budget is answered, not thrown: its class would not cross the thread. */
export default async function runInWorker(spec: RunSpec): Promise<WorkerAnswer> {
  try {
    return { record: await runOne(spec, `local-${threadId}`) };
  } catch (error) {
    if (error instanceof RunBudgetExceeded) return { overBudget: error.message };
    throw error;
  }
}
