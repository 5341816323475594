import { test as base, expect } from '@playwright/test';

/**
 * Shared fixtures: `webgpu` says whether this project launched Chromium with WebGPU, and every
 * test fails if the page logged a console error or threw an uncaught exception.
 */
export const test = base.extend<{ webgpu: boolean; consoleErrors: string[] }>({
  // Playwright requires the empty pattern for a fixture that uses no other fixture.
  // eslint-disable-next-line no-empty-pattern
  webgpu: async ({}, use, testInfo) => {
    await use(testInfo.project.name === 'webgpu');
  },
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      await use(errors);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
