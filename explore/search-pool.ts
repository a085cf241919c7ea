import { Piscina } from 'piscina';
import { compiledWorkerFile } from '../campaigns/run-pool.js';
import { RunBudgetExceeded } from '../scenarios/harness/run-limits.js';
import type { JudgedRun, JudgeTask } from './judge-run.js';
import type { JudgeAnswer } from './search-worker.js';

/** Worker threads judging schedules, one run each at a time (explore/search-worker.js from dist/). */
export class SearchPool {
  private readonly pool: Piscina<JudgeTask, JudgeAnswer>;

  constructor(readonly threads: number) {
    this.pool = new Piscina({
      filename: compiledWorkerFile('explore/search-worker.js'),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
  }

  /** Rejects with RunBudgetExceeded for a run over its budget, with an AbortError when `signal` cut it short. */
  async judge(task: JudgeTask, signal?: AbortSignal): Promise<JudgedRun> {
    const answer = await this.pool.run(task, signal === undefined ? undefined : { signal });
    if ('overBudget' in answer) throw new RunBudgetExceeded(answer.overBudget);
    return answer.judged;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
