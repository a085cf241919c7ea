import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { bundledScenariosDir } from '../scenarios/harness/bundled-scenarios.js';
import { RunBudgetExceeded } from '../scenarios/harness/run-limits.js';
import type { RunRecord, RunSpec } from './campaign-types.js';

/** What a pool thread answers: the record, or why the run went over its budget. */
export type WorkerAnswer = { record: RunRecord } | { overBudget: string };

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

/** Worker threads, one simulation each at a time, running campaigns/run-worker.js. */
export class RunPool {
  private readonly pool: Piscina<RunSpec, WorkerAnswer>;

  constructor(readonly threads: number) {
    this.pool = new Piscina({
      filename: compiledWorkerFile('campaigns/run-worker.js'),
      minThreads: threads,
      maxThreads: threads,
      // A thread stays for the whole campaign: starting one costs more than a short run.
      idleTimeout: 60_000,
    });
  }

  /**
   * Runs one planned run on a free thread. Rejects with RunBudgetExceeded for
   * a run over its event or memory budget, with an AbortError when `signal`
   * cut it short, and with the thread's error otherwise.
   */
  async run(spec: RunSpec, signal?: AbortSignal): Promise<RunRecord> {
    const answer = await this.pool.run(spec, signal === undefined ? undefined : { signal });
    if ('overBudget' in answer) throw new RunBudgetExceeded(answer.overBudget);
    return answer.record;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
