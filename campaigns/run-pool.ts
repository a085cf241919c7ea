import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { bundledScenariosDir } from '../scenarios/harness/bundled-scenarios.js';
import { RunBudgetExceeded } from '../scenarios/harness/run-limits.js';
import type { RunRecord, RunSpec } from './campaign-types.js';

/** What a pool thread answers: its result, or why the run went over its budget (the error's class would not cross the thread). */
export type PoolAnswer<R> = { result: R } | { overBudget: string };

/**
 * A worker thread's module, compiled: `path` is from the package root, like
 * `campaigns/run-worker.js`. Beside this file when it runs from dist/; run
 * from source (the tests), the project's dist/ copy, which `npm test` builds first.
 */
export function compiledWorkerFile(path: string): string {
  const beside = fileURLToPath(new URL(`../${path}`, import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(dirname(bundledScenariosDir()), 'dist', path);
  if (existsSync(built)) return built;
  throw new Error(`the worker ${path} is not built (looked for ${beside} and ${built}); run npm run build`);
}

/** Runs `task` in a worker and answers as a pool thread does: a run over its budget is answered, not thrown. */
export async function answerInWorker<R>(task: () => Promise<R>): Promise<PoolAnswer<R>> {
  try {
    return { result: await task() };
  } catch (error) {
    if (error instanceof RunBudgetExceeded) return { overBudget: error.message };
    throw error;
  }
}

/** Worker threads, one simulation each at a time, running the compiled worker module `workerPath` (see compiledWorkerFile). */
export class ThreadPool<T, R> {
  private readonly pool: Piscina<T, PoolAnswer<R>>;

  constructor(
    readonly threads: number,
    workerPath: string,
  ) {
    this.pool = new Piscina({
      filename: compiledWorkerFile(workerPath),
      minThreads: threads,
      maxThreads: threads,
      // A thread stays for the whole campaign: starting one costs more than a short run.
      idleTimeout: 60_000,
    });
  }

  /**
   * Runs one task on a free thread. Rejects with RunBudgetExceeded for a run
   * over its event or memory budget, with an AbortError when `signal` cut it
   * short, and with the thread's error otherwise.
   */
  async run(task: T, signal?: AbortSignal): Promise<R> {
    const answer = await this.pool.run(task, signal === undefined ? undefined : { signal });
    if ('overBudget' in answer) throw new RunBudgetExceeded(answer.overBudget);
    return answer.result;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The campaign's pool: one planned run per task (campaigns/run-worker.js). */
export class RunPool extends ThreadPool<RunSpec, RunRecord> {
  constructor(threads: number) {
    super(threads, 'campaigns/run-worker.js');
  }
}
