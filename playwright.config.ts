import { defineConfig } from '@playwright/test';
import { resolve } from 'node:path';
import { findChromium } from './scripts/chromium.mjs';

// End-to-end tests run against the production build (`vite preview`) on 127.0.0.1, a secure
// context, in two Chromium projects: with WebGPU on SwiftShader, and without WebGPU at all.
const executablePath = (await findChromium()) ?? undefined;
const port = Number(process.env.E2E_PORT ?? 4173);
const distDir = resolve(process.env.DIST_DIR ?? 'dist');
const baseArgs = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'off',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort --outDir ${distDir}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
  projects: [
    {
      name: 'webgpu',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath, args: [...baseArgs, '--enable-unsafe-webgpu'] },
      },
    },
    {
      name: 'no-webgpu',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath, args: baseArgs },
      },
    },
  ],
});
