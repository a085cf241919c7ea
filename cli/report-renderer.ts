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

  private constructor(private readonly worker: Worker | undefined) {}

  static start(): ReportRenderer {
    try {
      const worker = new Worker(workerFile());
      // An error before `render` is asked for (the worker could not load) is met again there, by its exit.
      worker.on('error', () => {});
      worker.unref();
      return new ReportRenderer(worker);
    } catch {
      return new ReportRenderer(undefined);
    }
  }

  /** The report's files; the worker is done after this. */
  async render(request: RenderRequest): Promise<OutputFile[]> {
    const files = await this.ask(request);
    this.renderedInWorker = files !== undefined;
    if (files !== undefined) return files;
    // A worker that failed or exited: render here, where an error in the report code throws with its own stack.
    const { reportFiles } = await import('./write-report.js');
    return reportFiles(request.report, request.dir, request.outputs);
  }

  /** Stops the worker without rendering (the run failed or was stopped). */
  close(): void {
    void this.worker?.terminate();
  }

  private ask(request: RenderRequest): Promise<OutputFile[] | undefined> {
    const worker = this.worker;
    if (worker === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      worker.once('message', (files: OutputFile[]) => {
        void worker.terminate();
        resolve(files);
      });
      worker.once('exit', () => resolve(undefined));
      try {
        worker.ref();
        worker.postMessage(request);
      } catch {
        void worker.terminate();
        resolve(undefined);
      }
    });
  }
}

/** The worker's module: beside this one in the bundled binary and in dist/cli/; from source, the built copy. */
function workerFile(): string {
  const beside = fileURLToPath(new URL('./render-worker.js', import.meta.url));
  return existsSync(beside) ? beside : compiledWorkerFile('cli/render-worker.js');
}
