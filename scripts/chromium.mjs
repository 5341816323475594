// Finds a Chromium for the browser tests: CHROMIUM_PATH, then Debian's /usr/bin/chromium, then a
// browser that `npx playwright install chromium` downloaded. Returns null when there is none.
import { existsSync } from 'node:fs';

/** @returns {Promise<string | null>} */
export async function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  for (const path of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(path)) return path;
  }
  try {
    const { chromium } = await import('@playwright/test');
    const path = chromium.executablePath();
    if (path && existsSync(path)) return path;
  } catch {
    // Playwright knows no browser of its own here.
  }
  return null;
}

export const NO_CHROMIUM =
  'No Chromium found for the browser tests. Install one (Debian/Ubuntu: apt-get install chromium; ' +
  'elsewhere: npx playwright install chromium) or set CHROMIUM_PATH to its executable.';
