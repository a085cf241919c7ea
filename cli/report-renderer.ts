import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compiledWorkerFile } from '../campaigns/run-pool.js';
import type { Report } from '../reports/report-types.js';
import type { OutputFile } from './write-report.js';

export interface RenderRequest {
  report: Report;
  dir: string;
  outputs: { charts: boolean; html: boolean };
}

/**
 * Renders a run's report files (report.json, the charts and report.html) in a worker thread that is started before
 * the simulation: loading echarts and the report code takes about 80 ms, which the worker spends while the main
 * thread simulates. The files are the same as `reportFiles` gives in-process (a test compares them); if the worker
 * cannot be used, the report is rendered in-process.
 */
export class ReportRenderer {
  /** After `render`: whether the worker rendered the files (false: they were rendered in-process). */
  renderedInWorker = false;

  private constructor(
    private readonly worker: Worker | undefined,
    /** Settles when the worker's thread has ended, whenever that was (it may fail while loading, long before `render`). */
    private readonly ended: Promise<undefined>,
  ) {}

  /** Starts the worker; `file` is its module (tests give others). */
  static start(file = workerFile()): ReportRenderer {
    try {
      const worker = new Worker(file);
      // An error before `render` is asked for (the worker could not load) is met there, by its end.
      worker.on('error', () => {});
      worker.unref();
      return new ReportRenderer(worker, new Promise((resolve) => worker.once('exit', () => resolve(undefined))));
    } catch {
      return new ReportRenderer(undefined, Promise.resolve(undefined));
    }
  }

  /** The report's files; the worker is done after this. */
  async render(request: RenderRequest): Promise<OutputFile[]> {
    const files = await this.ask(request);
    this.renderedInWorker = files !== undefined;
    if (files !== undefined) return files;
    // A worker that failed or ended: render here, where an error in the report code throws with its own stack.
    const { reportFiles } = await import('./write-report.js');
    return reportFiles(request.report, request.dir, request.outputs);
  }

  /** Stops the worker without rendering (the run failed or was stopped). */
  close(): void {
    void this.worker?.terminate();
  }

  private ask(request: RenderRequest): Promise<OutputFile[] | undefined> {
    const worker = this.worker;
    if (worker === undefined) return this.ended;
    const answered = new Promise<OutputFile[]>((resolve) => worker.once('message', resolve));
    try {
      worker.ref();
      worker.postMessage(request);
    } catch {
      void worker.terminate();
    }
    return Promise.race([answered, this.ended]).finally(() => void worker.terminate());
  }
}

/** The worker's module: beside this one in the bundled binary and in dist/cli/; from source, the built copy. */
function workerFile(): string {
  const beside = fileURLToPath(new URL('./render-worker.js', import.meta.url));
  return existsSync(beside) ? beside : compiledWorkerFile('cli/render-worker.js');
}
