import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { renderCharts } from '../reports/charts/index.js';
import { renderHtmlReport } from '../reports/html-report.js';
import type { Report } from '../reports/report-types.js';
import { emptyReport, sampleReport } from './fixtures/sample-report.js';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';

const SCREENSHOT = fileURLToPath(new URL('../out/screenshots/report.png', import.meta.url));

/** Axis names each chart must show, with their units. */
function expectedAxes(report: Report): Record<string, string[]> {
  const axes: Record<string, string[]> = {
    'latency-cdf': ['latency (ms, log scale)', 'requests at or under latency (%)'],
    'latency-over-time': ['time (s)', 'latency (ms, log scale)'],
    'throughput-over-time': ['time (s)', 'requests/s'],
    'availability-over-time': ['time (s)', 'availability (%)'],
    utilization: ['time (s)', 'utilization (%)'],
  };
  if (report.variants && report.variants.length > 1)
    axes['latency-p50-over-time'] = ['time (s)', 'latency (ms, log scale)'];
  const unit = { us: 'ms', fraction: '%', perSec: 'requests/s', count: 'count' } as const;
  for (const row of report.comparison?.rows ?? []) axes[`comparison-${row.key}`] = [`${row.label} (${unit[row.unit]})`];
  return axes;
}

/** Variants and hostile text: the JSON block and the escaping both get exercised. */
function hostileReport(): Report {
  const report = sampleReport({ variants: true });
  report.scenario.description += ' </script><script>window.injected = true</script> <!-- & "quotes"';
  report.scenario.name = 'two-region <partition> & friends';
  return report;
}

describe('renderHtmlReport', () => {
  it('is deterministic', () => {
    const render = () => {
      const report = sampleReport({ variants: true });
      return renderHtmlReport(report, renderCharts(report));
    };
    expect(render()).toBe(render());
  });

  it('stars every variant tied for the best value, not only the first', () => {
    const report = sampleReport({ variants: true });
    const row = report.comparison!.rows.find((r) => r.key === 'availability')!;
    row.values = [0.9, 0.99, 0.99];
    const html = renderHtmlReport(report, []);
    const availabilityRow = html.split('\n').find((line) => line.startsWith('<tr><td>availability'))!;
    expect(availabilityRow.match(/★/g)).toHaveLength(2);
    expect(availabilityRow).not.toContain('90.00%&nbsp;★');
  });

  it('counts values that print the same as tied: the star follows what the reader sees', () => {
    const report = sampleReport({ variants: true });
    const row = report.comparison!.rows.find((r) => r.key === 'availability')!;
    row.values = [0.9, 0.99999, 0.999991];
    const html = renderHtmlReport(report, []);
    const availabilityRow = html.split('\n').find((line) => line.startsWith('<tr><td>availability'))!;
    expect(availabilityRow.match(/99\.999%&nbsp;★/g)).toHaveLength(2);
  });

  it('shows no green badge when no SLO is declared: nothing was passed', () => {
    const report = sampleReport({ variants: true });
    for (const run of [report, ...report.variants!]) run.slo = { passed: true, verdict: 'pass', verdicts: [] };
    const html = renderHtmlReport(report, []);
    expect(html).not.toContain('badge pass');
    expect(html).toContain('SLOs: <span class="badge none">none declared</span>');
  });

  it('keeps the description’s paragraphs and lists', () => {
    const report = sampleReport();
    report.scenario.description =
      'A partition cuts the leader off.\nCompare the variants:\n- no-fencing: two leaders\n  at once.\n- fencing: one.\n\nA second paragraph.\n';
    const html = renderHtmlReport(report, []);
    expect(html).toContain(
      '<div class="lede"><p>A partition cuts the leader off. Compare the variants:</p>\n<ul><li>no-fencing: two leaders at once.</li><li>fencing: one.</li></ul>\n<p>A second paragraph.</p></div>',
    );
  });

  it('renders a run without data, saying so instead of drawing charts', () => {
    const report = emptyReport();
    const html = renderHtmlReport(report, renderCharts(report));
    expect(html).toContain('No chart: the run has no data to plot.');
    expect(html).not.toContain('<svg');
  });
});

describe('HTML report in headless Chromium', () => {
  if (!chromiumAvailable()) return;

  const report = hostileReport();
  const charts = renderCharts(report);
  let dir: string;
  let fileUrl: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtmlReport(report, charts));
    fileUrl = pathToFileURL(file).href;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(fileUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads without console or page errors, fetching nothing but itself', async () => {
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
    // Nothing executable: the only script is the JSON data block, which the hostile description did not escape.
    expect(await page.locator('script').evaluateAll((scripts) => scripts.map((s) => s.getAttribute('type')))).toEqual([
      'application/json',
    ]);
    expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined();
  });

  it('shows the scenario text as text, not markup', async () => {
    await expect(page.locator('h1').textContent()).resolves.toBe(report.scenario.name);
    await expect(page.locator('.lede p').textContent()).resolves.toBe(report.scenario.description);
  });

  it('renders every chart as a visible SVG with its axis names', async () => {
    const axes = expectedAxes(report);
    expect(charts.map((c) => c.id).sort()).toEqual(Object.keys(axes).sort());
    for (const chart of charts) {
      const svg = page.locator(`#chart-${chart.id} > svg`);
      const box = await svg.boundingBox();
      expect(box?.width, chart.id).toBeGreaterThan(100);
      expect(box?.height, chart.id).toBeGreaterThan(100);
      // The text as laid out by the browser, with its rendered size.
      const texts = await svg.locator('text').evaluateAll((nodes) =>
        nodes.map((node) => {
          const rect = node.getBoundingClientRect();
          return { text: node.textContent ?? '', visible: rect.width > 0 && rect.height > 0 };
        }),
      );
      for (const name of [chart.title, ...axes[chart.id]]) {
        expect(
          texts.filter((t) => t.visible).map((t) => t.text),
          `${chart.id}: ${name}`,
        ).toContain(name);
      }
    }
  });

  it('embeds the report as JSON equal to the report', async () => {
    const embedded: unknown = JSON.parse((await page.locator('#report-data').textContent()) ?? '');
    expect(embedded).toEqual(report);
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const narrow = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await narrow.goto(fileUrl);
    expect(await narrow.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    await narrow.close();
  });

  it('renders a real run (server-sizing, three variants) the same way: every chart with its axes, no errors, no requests', async () => {
    const loaded = loadScenario(resolveScenarioArgument('server-sizing'), { overrides: ['duration=4s', 'warmup=1s'] });
    const runs = [];
    for (const v of loaded.variants)
      runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
    const real = buildReport({ faultlineVersion: 'test', file: null, scenario: loaded.scenario, runs, wallSeconds: 1 });
    const realCharts = renderCharts(real);
    const file = join(dir, 'real.html');
    await writeFile(file, renderHtmlReport(real, realCharts));
    const realPage = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const fetched: string[] = [];
    realPage.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    realPage.on('pageerror', (e) => errors.push(e.message));
    realPage.on('request', (r) => fetched.push(r.url()));
    await realPage.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    expect(fetched).toEqual([pathToFileURL(file).href]);
    const axes = expectedAxes(real);
    expect(realCharts.map((c) => c.id).sort()).toEqual(Object.keys(axes).sort());
    for (const chart of realCharts) {
      const svg = realPage.locator(`#chart-${chart.id} > svg`);
      expect((await svg.boundingBox())?.height, chart.id).toBeGreaterThan(100);
      const texts = await svg.locator('text').allTextContents();
      for (const name of [chart.title, ...axes[chart.id]]) expect(texts, `${chart.id}: ${name}`).toContain(name);
    }
    await realPage.close();
  });

  it('keeps every chart legible with 12 variants: no text box overlaps another, each variant its own colour', async () => {
    const many = sampleReport({ variants: 12 });
    const file = join(dir, 'many.html');
    await writeFile(file, renderHtmlReport(many, renderCharts(many)));
    const manyPage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await manyPage.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const figures = await manyPage.locator('figure.chart > svg').evaluateAll((svgs) =>
      svgs.map((svg) => ({
        id: svg.parentElement!.id,
        boxes: [...svg.querySelectorAll('text')]
          .filter((t) => (t.textContent ?? '').trim() !== '')
          .map((t) => {
            const r = t.getBoundingClientRect();
            return { text: t.textContent!, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
          })
          .filter((b) => b.right > b.left && b.bottom > b.top),
        lineColors: [...svg.querySelectorAll('path[fill="none"][stroke-width="2"][stroke-linejoin="bevel"]')].map((p) =>
          p.getAttribute('stroke'),
        ),
        barColors: [...svg.querySelectorAll('path[ecmeta_data_index]:not([fill="none"])')].map((p) =>
          p.getAttribute('fill'),
        ),
      })),
    );
    expect(figures.length).toBeGreaterThan(10);
    const overlaps: string[] = [];
    const TOLERANCE_PX = 1;
    for (const { id, boxes } of figures)
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (x > TOLERANCE_PX && y > TOLERANCE_PX) overlaps.push(`${id}: "${a.text}" over "${b.text}"`);
        }
    expect(overlaps).toEqual([]);
    const byId = new Map(figures.map((f) => [f.id, f]));
    for (const id of ['chart-availability-over-time', 'chart-latency-over-time', 'chart-latency-cdf'])
      // Hex colours only: the fault kinds' empty series carry their shading's rgb().
      expect(new Set(byId.get(id)!.lineColors.filter((c) => c?.startsWith('#'))).size, id).toBe(12);
    for (const row of many.comparison!.rows)
      expect(new Set(byId.get(`chart-comparison-${row.key}`)!.barColors).size, row.key).toBe(12);
    await manyPage.close();
  });

  it('fits the tables of 10 variants in 1,400 px without sideways scrolling', async () => {
    const ten = sampleReport({ variants: 10 });
    const file = join(dir, 'ten.html');
    await writeFile(file, renderHtmlReport(ten, []));
    const tenPage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await tenPage.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const wide = await tenPage
      .locator('.table-wrap')
      .evaluateAll((wraps) =>
        wraps.filter((w) => w.scrollWidth > w.clientWidth).map((w) => w.closest('section')?.id ?? '?'),
      );
    expect(wide).toEqual([]);
    expect(await tenPage.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(1400);
    await tenPage.close();
  });

  it('saves a full-page screenshot', async () => {
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
