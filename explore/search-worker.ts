import { RunBudgetExceeded } from '../scenarios/harness/run-limits.js';
import { judgeRun, type JudgedRun, type JudgeTask } from './judge-run.js';

/** What a search thread answers: the judged run, or why it went over its budget (its class would not cross the thread). */
export type JudgeAnswer = { judged: JudgedRun } | { overBudget: string };

/** A pool thread of `faultline search`: one schedule per task. */
export default async function judgeInWorker(task: JudgeTask): Promise<JudgeAnswer> {
  try {
    return { judged: await judgeRun(task) };
  } catch (error) {
    if (error instanceof RunBudgetExceeded) return { overBudget: error.message };
    throw error;
  }
}
