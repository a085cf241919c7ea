/**
 * The worker thread behind ReportRenderer: while the main thread simulates, it loads the chart and HTML code and,
 * if the report has not arrived by then, renders throwaway charts (see warmUpCharts); then it renders the one
 * report it is sent and answers with its files.
 */
import { parentPort } from 'node:worker_threads';
import type { RenderRequest } from './report-renderer.js';

let asked = false;
const writer = Promise.all([import('./write-report.js'), import('../reports/charts/warm-up.js')]).then(
  ([module, { warmUpCharts }]) => {
    // A report already waiting is rendered at once: warming up would only delay it.
    if (!asked) warmUpCharts();
    return module;
  },
);

// An error here ends the thread; ReportRenderer then renders in-process, where the error shows with its stack.
parentPort!.once('message', async ({ report, dir, outputs }: RenderRequest) => {
  asked = true;
  parentPort!.postMessage((await writer).reportFiles(report, dir, outputs));
});
