import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<StaticServer> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    // close() alone waits for every open connection, and a page still showing this server's
    // frame may hold one open (keep-alive, a pending request) until the test times out: the test
    // is done with the server, so its connections end with it.
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/**
 * Serves a folder on a port of its own (another origin than the site under test). `cors` adds
 * `Access-Control-Allow-Origin: *`, as a CDN such as unpkg or jsDelivr sends; without it the server
 * behaves like a static host that sends no CORS headers.
 */
export function serveFolder(dir: string, { cors }: { cors: boolean }): Promise<StaticServer> {
  return listen(
    createServer((request, response) => {
      const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
      const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
      const headers: Record<string, string> = {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      };
      if (cors) headers['access-control-allow-origin'] = '*';
      readFile(file).then(
        (body) => {
          response.writeHead(200, headers);
          response.end(body);
        },
        () => {
          response.writeHead(404);
          response.end();
        },
      );
    }),
  );
}

/** Serves one HTML page at every path, on a port of its own. */
export function servePage(html: string): Promise<StaticServer> {
  return listen(
    createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
    }),
  );
}
