import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { sweepCharts } from '../../campaigns/charts/sweep-charts.js';
import { PALETTE } from '../../reports/charts/common.js';
import { renderSweepHtml } from '../../campaigns/sweep-html.js';
import { sweepCampaigns } from '../support/sweep-campaigns.js';

const SCREENSHOTS = fileURLToPath(new URL('../../out/screenshots/', import.meta.url));

interface TextBox {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

interface FigureFacts {
  id: string;
  width: number;
  height: number;
  texts: TextBox[];
  /** Stroke colours of the lines of means. */
  lineColors: string[];
  /** Fill colours of the confidence bands. */
  bandColors: string[];
}

/** What each chart of the page shows, as the browser laid it out. */
async function figureFacts(page: Page): Promise<FigureFacts[]> {
  return page.locator('figure.chart > svg').evaluateAll((svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      return {
        id: svg.parentElement!.id,
        width: box.width,
        height: box.height,
        texts: [...svg.querySelectorAll('text')]
          .filter((t) => (t.textContent ?? '').trim() !== '')
          .map((t) => {
            const r = t.getBoundingClientRect();
            return { text: t.textContent!, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
          })
          .filter((b) => b.right > b.left && b.bottom > b.top),
        // Data lines are 2 px or wider (lines drawn under others are wider); axes and grid lines are thinner.
        lineColors: [...svg.querySelectorAll('path[fill="none"][stroke-width]')]
          .filter((p) => Number(p.getAttribute('stroke-width')) >= 2)
          .map((p) => p.getAttribute('stroke') ?? ''),
        bandColors: [...svg.querySelectorAll('polygon[fill-opacity]')].map((p) => p.getAttribute('fill') ?? ''),
      };
    }),
  );
}

function overlaps(figures: FigureFacts[]): string[] {
  const found: string[] = [];
  const TOLERANCE_PX = 1;
  for (const { id, texts } of figures)
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++) {
        const [a, b] = [texts[i], texts[j]];
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > TOLERANCE_PX && y > TOLERANCE_PX) found.push(`${id}: "${a.text}" over "${b.text}"`);
      }
  return found;
}

/** `#1f63d6` as zrender writes a translucent fill (its opacity apart): `rgb(31,99,214)`. */
const rgb = (hex: string) => {
  const v = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255})`;
};

describe('sweep.html in headless Chromium', () => {
  if (!chromiumAvailable()) return;

  const campaigns = sweepCampaigns();
  let dir: string;
  let browser: Browser;
  const pages = new Map<string, { page: Page; url: string; errors: string[]; requests: string[] }>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-sweep-'));
    browser = await launchChromium();
    for (const [name, { report }] of Object.entries(campaigns)) {
      const file = join(dir, `${name}.html`);
      await writeFile(file, renderSweepHtml(report, sweepCharts(report)));
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      pages.set(name, { page, url, errors, requests });
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads every shape of campaign without errors, fetching nothing but itself, with no sideways scrolling', async () => {
    for (const [name, { page, url, errors, requests }] of pages) {
      expect(errors, name).toEqual([]);
      expect(requests, name).toEqual([url]);
      expect(await page.locator('html').evaluate((html) => html.scrollWidth), name).toBeLessThanOrEqual(1400);
    }
  });

  it('shows every chart as a visible SVG with its title, and no text over other text', async () => {
    for (const [name, { page }] of pages) {
      const charts = sweepCharts(campaigns[name as keyof typeof campaigns].report);
      const figures = await figureFacts(page);
      expect(
        figures.map((f) => f.id),
        name,
      ).toEqual(charts.map((c) => `chart-${c.id}`));
      for (const [i, f] of figures.entries()) {
        expect(f.height, f.id).toBeGreaterThan(100);
        expect(
          f.texts.map((t) => t.text),
          f.id,
        ).toContain(charts[i].title);
      }
      expect(overlaps(figures), name).toEqual([]);
    }
  });

  it('draws each of three variants as a line with a visible band, named in the legend', async () => {
    const { page } = pages.get('oneParameter')!;
    const variants = campaigns.oneParameter.report.variants;
    const colors = variants.map((_, i) => PALETTE[i]);
    const lineCharts = (await figureFacts(page)).filter((f) => f.id.startsWith('chart-metric-'));
    expect(lineCharts).toHaveLength(6);
    for (const chart of lineCharts) {
      for (const variant of variants) expect(chart.texts.map((t) => t.text)).toContain(variant);
      expect(new Set(chart.lineColors.filter((c) => colors.includes(c))).size, chart.id).toBe(3);
    }
    // p99 latency varies from seed to seed, so each variant has a band.
    const p99 = lineCharts.find((f) => f.id === 'chart-metric-latency-p99us')!;
    expect(new Set(p99.bandColors)).toEqual(new Set(colors.map(rgb)));
  });

  it('draws no band where there is no interval (one seed)', async () => {
    const figures = await figureFacts(pages.get('categoricalOneSeed')!.page);
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.flatMap((f) => f.bandColors)).toEqual([]);
  });

  it('shows the two-parameter grid as a heat map with a value in every cell', async () => {
    const { page } = pages.get('twoParameters')!;
    const heat = (await figureFacts(page)).find((f) => f.id.startsWith('chart-heat-map-'))!;
    const { parameters } = campaigns.twoParameters.report;
    const cells = heat.texts.filter((t) => /^\d[\d.,]*(µs|ms|s)$/.test(t.text));
    // 3 × 4 cells, plus the two ends of the colour scale.
    expect(cells.length).toBe(parameters[0].values.length * parameters[1].values.length + 2);
  });

  it('saves screenshots of a one-parameter grid with three variants and of a two-parameter grid', async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    for (const [name, file] of [
      ['oneParameter', 'sweep-one-parameter.png'],
      ['twoParameters', 'sweep-two-parameters.png'],
      ['twoParametersVariants', 'sweep-two-parameters-variants.png'],
    ] as const) {
      await pages.get(name)!.page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
      expect(existsSync(join(SCREENSHOTS, file))).toBe(true);
    }
  });
});
