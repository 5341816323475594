/**
 * A page that is not ours, for the embedding tests: another origin (a second port on 127.0.0.1),
 * the hostile stylesheet course authors' platforms ship, a strict Content-Security-Policy without
 * 'unsafe-inline' or 'unsafe-eval', and a dark theme on the host's root element.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';

const DIST = resolve(process.env.DIST_DIR ?? 'dist');

export const HOSTILE_CSS = `* { font: 20px serif !important }
svg { max-width: 10px }
div { padding: 30px }
button { display: none }
.host-panel { background: rgb(10, 20, 30); color: rgb(250, 240, 230); border: 2px solid rgb(200, 0, 0) }`;

export interface HostServer {
  origin: string;
  close: () => Promise<void>;
}

/** Serves host pages on a second port, each with the strict policy naming our origin. */
export async function startHost(
  widgetsOrigin: string,
  pages: Record<string, string>,
): Promise<HostServer> {
  const csp = `script-src 'self' ${widgetsOrigin}; style-src 'self' ${widgetsOrigin}`;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path.startsWith('/copy/')) {
      // A second copy of the built bundle at other URLs, as another version on another host would be.
      const file = resolve(DIST, path.slice('/copy/'.length));
      if (!file.startsWith(DIST) || !existsSync(file)) {
        response.writeHead(404).end();
        return;
      }
      const type = file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
      response.writeHead(200, { 'content-type': type });
      response.end(readFileSync(file));
      return;
    }
    if (path === '/host.css') {
      response.writeHead(200, { 'content-type': 'text/css' });
      response.end(HOSTILE_CSS);
      return;
    }
    const body = pages[path];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
    });
    response.end(`<!doctype html><html lang="en" data-theme="dark"><head><meta charset="utf-8" />
      <title>A course page</title><link rel="icon" href="data:," /><link rel="stylesheet" href="/host.css" />${body}`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    // close() alone waits for every open connection to end, and the page under test may still
    // hold one (a request in flight, a keep-alive socket): a CI run hung here until the test's
    // 120 s timeout. Drop them all; the test is over.
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Records every CSP violation from the first script on, before any page script runs. */
export async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { laViolations: string[] }).laViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`),
    );
  });
  return () => page.evaluate(() => (window as unknown as { laViolations: string[] }).laViolations);
}
