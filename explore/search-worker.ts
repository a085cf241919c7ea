import { answerInWorker, type PoolAnswer } from '../campaigns/run-pool.js';
import { judgeRun, type JudgedRun, type JudgeTask } from './judge-run.js';

/** A pool thread of `faultline search`: one schedule per task. */
export default async function judgeInWorker(task: JudgeTask): Promise<PoolAnswer<JudgedRun>> {
  return answerInWorker(() => judgeRun(task));
}
