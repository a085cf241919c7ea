import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportRenderer } from '../cli/report-renderer.js';
import { reportFiles } from '../cli/write-report.js';
import { buildReport } from '../reports/build-report.js';
import type { Report } from '../reports/report-types.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { sampleReport } from './fixtures/sample-report.js';

/** A bundled scenario's report, its variants run for `duration`. */
async function bundledReport(name: string, duration: string): Promise<Report> {
  const { scenario, variants } = loadScenario(resolveScenarioArgument(name), { overrides: [`duration=${duration}`] });
  const planned = variants.length > 0 ? variants : [{ name: 'base', overrides: {}, scenario }];
  const runs = [];
  for (const v of planned) runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
  return buildReport({ faultlineVersion: 'test', file: null, scenario, runs, wallSeconds: 1 });
}

const ALL = { charts: true, html: true };

describe('rendering a report in a worker thread (faultline run --out)', () => {
  it('gives the files reportFiles gives in-process, byte for byte', async () => {
    const reports = [
      sampleReport(),
      sampleReport({ variants: true }),
      await bundledReport('regional-partition', '30s'),
      await bundledReport('chat-protocols', '15s'),
    ];
    const cases = [
      ...[ALL, { charts: true, html: false }, { charts: false, html: true }].map((outputs) => ({
        report: reports[0],
        outputs,
      })),
      ...reports.slice(1).map((report) => ({ report, outputs: ALL })),
    ];
    for (const { report, outputs } of cases) {
      const renderer = ReportRenderer.start();
      const files = await renderer.render({ report, dir: 'out', outputs });
      expect(renderer.renderedInWorker).toBe(true);
      expect(files).toEqual(reportFiles(report, 'out', outputs));
    }
  }, 60_000);

  it('renders in-process when the worker fails, so a broken report throws the error it throws in-process', async () => {
    const broken = { ...sampleReport(), metrics: undefined } as unknown as Report;
    let thrown: unknown;
    try {
      reportFiles(broken, 'out', ALL);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const renderer = ReportRenderer.start();
    await expect(renderer.render({ report: broken, dir: 'out', outputs: ALL })).rejects.toThrow(
      (thrown as Error).message,
    );
    expect(renderer.renderedInWorker).toBe(false);
  });

  it('renders in-process when the worker failed to load or ended before the report was ready', async () => {
    const report = sampleReport();
    for (const name of ['fails-to-load.mjs', 'ends-at-once.mjs']) {
      const renderer = ReportRenderer.start(join(import.meta.dirname, 'fixtures', 'render-workers', name));
      // The worker is gone by the time the simulation would have ended.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await renderer.render({ report, dir: 'out', outputs: ALL }), name).toEqual(
        reportFiles(report, 'out', ALL),
      );
      expect(renderer.renderedInWorker, name).toBe(false);
    }
  });
});
