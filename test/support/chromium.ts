import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { it } from 'vitest';

/** Debian's chromium, which .ci/run installs; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether Chromium is here. When it is not, registers the one test that says
 * so: skipped locally, where the browser is optional, and failing under CI,
 * where its absence is a broken set-up.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  it.skipIf(!process.env.CI)(
    `needs chromium at ${CHROMIUM_PATH} (install Debian's chromium, or set CHROMIUM_PATH)`,
    () => {
      throw new Error(`chromium is not installed (looked for ${CHROMIUM_PATH}); .ci/run installs it with apt-get`);
    },
  );
  return false;
}

/** Headless Chromium as root in a sandbox with no network: the flags it needs not to reach out or stall. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
