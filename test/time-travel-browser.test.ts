import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeTravelPage } from '../explore/time-travel-page.js';
import { recordWindow, statesAt, type TimeTravelRecording } from '../explore/time-travel-recording.js';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { SHORT_WINDOW, shortFailover } from './support/short-failover.js';

describe('the time-travel page in Chromium', () => {
  if (!chromiumAvailable()) return;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let recording: TimeTravelRecording;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    recording = recordWindow(buildScenario(shortFailover()), SHORT_WINDOW);
    const html = timeTravelPage(recording, {
      scenario: 'failover',
      variant: 'async',
      seed: 1,
      version: '9.9.9',
      traceHash: 'feedfacecafebeef',
    });
    dir = await mkdtemp(join(tmpdir(), 'faultline-time-travel-'));
    const file = join(dir, 'view.html');
    await writeFile(file, html);
    url = pathToFileURL(file).href;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) errors.push(`fetched ${r.url()}`);
    });
    await page.goto(url, { waitUntil: 'load' });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const position = async () => Number(await page.locator('#tt-slider').inputValue());
  const statusOf = (node: string) => page.locator(`#tt-nodes tr[data-node="${node}"]`).getAttribute('data-status');
  const stepOf = (fault: string) => recording.steps.findIndex((s) => s.faults.some((f) => f.fault === fault)) + 1;

  /** What the page shows at its current step agrees with the recording: the position, the event, every node's status. */
  async function expectShown(k: number): Promise<void> {
    expect(await position()).toBe(k);
    expect(await page.locator('#tt-position').textContent()).toContain(`Step ${k} of ${recording.steps.length}`);
    if (k > 0) {
      const event = recording.steps[k - 1].event;
      expect(await page.locator('#tt-event').textContent()).toContain(`Event ${event.index} of the run`);
      expect(await page.locator('#tt-position').textContent()).toContain((event.timeUs / 1e6).toFixed(6));
    }
    for (const node of statesAt(recording, k))
      expect(await statusOf(node.name), `${node.name} at ${k}`).toBe(node.status);
  }

  it('starts at the window start and steps forward and back with the buttons', async () => {
    await expectShown(0);
    expect(await page.locator('#tt-back').isDisabled()).toBe(true);
    await page.click('#tt-forward');
    await expectShown(1);
    await page.click('#tt-forward');
    await page.click('#tt-forward');
    await expectShown(3);
    await page.click('#tt-back');
    await expectShown(2);
  });

  it('jumps to the crash with "next fault": db-1 is down there and up one step back, with the fault in force', async () => {
    await page.click('#tt-first');
    await page.click('#tt-next-fault');
    const crash = stepOf('crash');
    await expectShown(crash);
    expect(await statusOf('db-1')).toBe('down');
    expect(await page.locator('#tt-event').textContent()).toContain('crash db-1');
    expect(await page.locator('#tt-faults [data-interval="0"]').getAttribute('data-in-force')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    await expectShown(crash - 1);
    expect(await statusOf('db-1')).toBe('up');
    expect(await page.locator('#tt-faults [data-interval="0"]').getAttribute('data-in-force')).toBe('false');
    await page.keyboard.press('ArrowRight');
    await expectShown(crash);
  });

  it('follows the keys and the slider to the pause and the resume, and to the ends', async () => {
    await page.keyboard.press(']');
    const pause = stepOf('pause');
    await expectShown(pause);
    expect(await statusOf('db-2')).toBe('paused');
    await page.keyboard.press(']');
    await expectShown(stepOf('resume'));
    expect(await statusOf('db-2')).toBe('up');
    await page.keyboard.press('[');
    await expectShown(pause);
    await page.locator('#tt-slider').fill(String(pause - 1));
    await expectShown(pause - 1);
    await page.keyboard.press('End');
    await expectShown(recording.steps.length);
    expect(await page.locator('#tt-forward').isDisabled()).toBe(true);
    await page.keyboard.press('Home');
    await expectShown(0);
  });

  it("marks the event's node and draws the cursor and the delivered message in the diagram", async () => {
    const k = recording.steps.findIndex((s) => s.sendIndex !== undefined) + 1;
    await page.locator('#tt-slider').fill(String(k));
    await expectShown(k);
    const row = page.locator(`#tt-nodes tr[data-node="${recording.steps[k - 1].event.node}"]`);
    expect(await row.getAttribute('class')).toContain('current');
    const figure = page.locator('.tt-part:not([hidden])');
    expect(await figure.count()).toBe(1);
    expect(await figure.locator('.tt-cursor-line').count()).toBe(1);
    expect(await figure.locator('.tt-message').count()).toBeGreaterThanOrEqual(1);
  });

  it("highlights what a step changed: the crashed node's status, and the state fields an event set", async () => {
    await page.locator('#tt-slider').fill(String(stepOf('crash')));
    expect(await page.locator('#tt-nodes tr[data-node="db-1"] td.changed-cell').count()).toBeGreaterThan(0);
    expect(await page.locator('#tt-nodes tr[data-node="db-2"] td.changed-cell').count()).toBe(0);
    // Fields come from the models' inspect(); a build whose models report none has no field to highlight.
    const k = recording.steps.findIndex((s) => s.changes.some((c) => Object.keys(c.set ?? {}).length > 0)) + 1;
    if (k === 0) return;
    await page.locator('#tt-slider').fill(String(k));
    for (const change of recording.steps[k - 1].changes)
      for (const field of Object.keys(change.set ?? {}))
        expect(
          await page
            .locator(`#tt-nodes tr[data-node="${change.node}"] .field[data-field="${field}"]`)
            .getAttribute('class'),
        ).toContain('changed');
  });

  it('opens at the step its address names, and loads nothing from the network', async () => {
    const other = await browser.newPage({ viewport: { width: 900, height: 800 } });
    await other.goto(`${url}#step=5`, { waitUntil: 'load' });
    expect(await other.locator('#tt-slider').inputValue()).toBe('5');
    // Usable at 900 px: the controls and the node table fit the width.
    const width = await other.locator('html').evaluate((html) => html.scrollWidth);
    expect(width).toBeLessThanOrEqual(900);
    await other.close();
    expect(errors).toEqual([]);
  });
});
