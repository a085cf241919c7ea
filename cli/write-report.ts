import { join } from 'node:path';
import { renderCharts } from '../reports/charts/index.js';
import { renderHtmlReport } from '../reports/html-report.js';
import type { Report } from '../reports/report-types.js';

export interface OutputFile {
  path: string;
  content: string;
}

/** report.json, one SVG per chart and report.html, as the scenario's `outputs` ask. */
export function reportFiles(
  report: Report,
  dir: string,
  outputs: { charts: boolean; html: boolean } = { charts: true, html: true },
): OutputFile[] {
  const files: OutputFile[] = [{ path: join(dir, 'report.json'), content: `${JSON.stringify(report, null, 2)}\n` }];
  if (!outputs.charts && !outputs.html) return files;
  const charts = renderCharts(report);
  if (outputs.charts)
    for (const chart of charts) files.push({ path: join(dir, `${chart.id}.svg`), content: chart.svg });
  if (outputs.html) files.push({ path: join(dir, 'report.html'), content: renderHtmlReport(report, charts) });
  return files;
}
