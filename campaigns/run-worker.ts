import { threadId } from 'node:worker_threads';
import { runOne } from './run-one.js';
import { answerInWorker, type PoolAnswer } from './run-pool.js';
import type { RunRecord, RunSpec } from './campaign-types.js';

/** A pool thread of a campaign: one planned run per task. */
export default async function runInWorker(spec: RunSpec): Promise<PoolAnswer<RunRecord>> {
  return answerInWorker(() => runOne(spec, `local-${threadId}`));
}
