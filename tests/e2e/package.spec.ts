import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from './fixtures.ts';
import { serveFolder, servePage, type StaticServer } from './static-server.ts';

// The npm package as a user gets it: `npm pack` (which builds lib/ first), the tarball installed
// offline into an empty Vite project that imports both exports, built with Vite and loaded; and the
// unpacked tarball served as a CDN would serve it, loaded from a plain HTML page on another origin.

const REPO = resolve(import.meta.dirname, '../..');
const NODE_MODULES = join(REPO, 'node_modules');
const SHAPE = { heads: 1, tokens: 64, dim: 16 };

/** The consumer's code: both exports, typed. Writes what it found into #gpu-result. */
const CONSUMER_MAIN = `
import 'linear-attention-live/widgets';
import {
  acquireGpu,
  estimateCost,
  referenceAttention,
  runAttention,
  type AttentionProblem,
} from 'linear-attention-live/gpu';

const out = document.getElementById('gpu-result')!;
const shape = ${JSON.stringify(SHAPE)};
const size = shape.heads * shape.tokens * shape.dim;
const random = () => Float32Array.from({ length: size }, () => Math.random() * 2 - 1);
const problem: AttentionProblem = { ...shape, q: random(), k: random(), v: random() };

async function main(): Promise<void> {
  out.dataset.flops = String(estimateCost('linear-chunked', shape, { chunkSize: 16 }).flops);
  const reference = referenceAttention(problem, { form: 'linear-chunked', chunkSize: 16 });
  const gpu = await acquireGpu();
  if (gpu.kind !== 'ready') {
    out.dataset.state = 'unsupported';
    out.textContent = gpu.reason;
    return;
  }
  const result = await runAttention(gpu.device, problem, { form: 'linear-chunked', chunkSize: 16 });
  let maxError = 0;
  for (let i = 0; i < size; i++) maxError = Math.max(maxError, Math.abs(result[i]! - reference[i]!));
  out.dataset.maxError = String(maxError);
  out.dataset.state = 'ran';
  out.textContent = 'Chunked linear attention on this GPU, max error ' + maxError.toExponential(1);
}
main().catch((error: unknown) => {
  out.dataset.state = 'failed';
  out.textContent = String(error);
});
`;

const CONSUMER_HTML = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><link rel="icon" href="data:," /><title>A course built with Vite</title></head>
  <body>
    <h1>Week 3</h1>
    <la-costs tokens="2048"></la-costs>
    <la-recurrence seed="4"></la-recurrence>
    <p id="gpu-result" data-state="pending"></p>
    <script type="module" src="./main.ts"></script>
  </body>
</html>
`;

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, stdio: 'pipe', encoding: 'utf8', timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`,
      { cause: error },
    );
  }
}

interface Built {
  scratch: string;
  /** The Vite project's build output. */
  dist: string;
  /** FLOPs of chunked linear attention at SHAPE, from the packed engine imported in Node. */
  flops: number;
  /** An unpkg-like folder: <cdn>/linear-attention-live@<version>/lib/... */
  cdn: string;
  version: string;
}

let built: Built | null = null;

/** Whether a process is alive (folders of finished runs are removed). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Packs, installs offline, type-checks and builds once per Playwright run: both browser projects
 * share the folder, named after the runner process (the workers' parent).
 */
function packAndBuild(): Built {
  if (built) return built;
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^la-package-(\d+)$/.exec(name)?.[1]);
    if (pid && pid !== process.ppid && !alive(pid)) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
  const scratch = join(tmpdir(), `la-package-${process.ppid}`);
  const record = join(scratch, 'built.json');
  if (existsSync(record)) {
    built = JSON.parse(readFileSync(record, 'utf8')) as Built;
    return built;
  }
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  // `npm pack` runs `prepack`, which builds lib/; --json names the tarball.
  const output = run('npm', ['pack', '--json', '--pack-destination', scratch], REPO);
  const [packed] = JSON.parse(output.slice(output.indexOf('[')));
  const tarball = join(scratch, packed.filename as string);
  const files = (packed.files as { path: string }[]).map((f) => f.path);

  expect(files).toContain('lib/widgets.js');
  expect(files).toContain('lib/gpu/index.js');
  expect(files).toContain('lib/gpu/index.d.ts');
  expect(files).toContain('LICENSE');
  // Only what a user needs: no sources, tests or configuration.
  expect(files.filter((f) => !/^(lib\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);

  const app = join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'scratch-course',
      private: true,
      type: 'module',
      dependencies: { 'linear-attention-live': `file:${tarball}` },
    }),
  );
  // Offline: the package has no dependencies, so nothing is fetched.
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  // The consumer's tools (Vite, TypeScript) come from this repository.
  writeFileSync(join(app, 'index.html'), CONSUMER_HTML);
  writeFileSync(join(app, 'main.ts'), CONSUMER_MAIN);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2023', 'DOM'],
        // TypeScript 6's DOM library declares WebGPU; with TypeScript 5, add @webgpu/types.
        types: [],
        strict: true,
        noEmit: true,
        // The package's declarations are checked too.
        skipLibCheck: false,
      },
      include: ['main.ts'],
    }),
  );
  run('node', [join(NODE_MODULES, 'typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  run('node', [join(NODE_MODULES, 'vite/bin/vite.js'), 'build', '--logLevel', 'error'], app);

  // The engine export also runs in Node (no Svelte, no DOM, the WGSL inlined).
  const printed = run(
    'node',
    [
      '--input-type=module',
      '-e',
      `import { estimateCost } from 'linear-attention-live/gpu';
       console.log('flops=' + estimateCost('linear-chunked', ${JSON.stringify(SHAPE)}, { chunkSize: 16 }).flops);`,
    ],
    app,
  );
  const flops = Number(/flops=(\d+)/.exec(printed)?.[1]);
  expect(flops, printed).toBeGreaterThan(0);

  // The same tarball unpacked where a CDN would put it.
  const cdn = join(scratch, 'cdn');
  const version = packed.version as string;
  const folder = join(cdn, `linear-attention-live@${version}`);
  mkdirSync(folder, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', folder, '--strip-components=1'], scratch);
  built = { scratch, dist: join(app, 'dist'), flops, cdn, version };
  writeFileSync(record, JSON.stringify(built));
  return built;
}

test.describe('the npm package', () => {
  test.describe.configure({ mode: 'serial', timeout: 240_000 });

  test('installs offline into an empty Vite project, type-checks, builds and runs both exports', async ({
    page,
    webgpu,
  }) => {
    const { dist, flops } = packAndBuild();
    // KaTeX's fonts travelled as files, not data: URLs.
    expect(
      readdirSync(join(dist, 'assets')).some((f) => /^KaTeX_Main-Regular.*\.woff2$/.test(f)),
    ).toBe(true);
    const server = await serveFolder(dist, { cors: false });
    try {
      await page.goto(`${server.origin}/`);
      await expect(page.locator('la-costs [data-testid="costs-chart"]')).toBeVisible();
      await expect(page.locator('la-costs [data-testid="costs-tokens"]')).toHaveText('2,048');
      const recurrence = page.locator('la-recurrence');
      await expect(recurrence.getByTestId('rec-state-eq').locator('.katex')).toBeVisible();
      await expect(recurrence.getByTestId('rec-check')).toHaveAttribute('data-equal', 'true');
      const result = page.locator('#gpu-result');
      await expect(result).toHaveAttribute('data-state', webgpu ? 'ran' : 'unsupported');
      expect(Number(await result.getAttribute('data-flops'))).toBe(flops);
      if (webgpu) {
        expect(Number(await result.getAttribute('data-max-error'))).toBeLessThan(1e-4);
      }
    } finally {
      await server.close();
    }
  });

  test('works from a CDN-style folder in a plain HTML page on another origin', async ({ page }) => {
    const { cdn, version, flops } = packAndBuild();
    const servers: StaticServer[] = [];
    try {
      const cdnServer = await serveFolder(cdn, { cors: true });
      servers.push(cdnServer);
      const base = `${cdnServer.origin}/linear-attention-live@${version}/lib`;
      const host = await servePage(`<!doctype html><html lang="en"><head><meta charset="utf-8" />
        <title>A plain course page</title>
        <script type="module" src="${base}/widgets.js"></script></head>
        <body><h1>Week 3</h1><la-mask></la-mask><la-recurrence seed="2"></la-recurrence>
        <p id="engine"></p>
        <script type="module">
          import { estimateCost } from '${base}/gpu/index.js';
          document.getElementById('engine').dataset.flops =
            estimateCost('linear-chunked', ${JSON.stringify(SHAPE)}, { chunkSize: 16 }).flops;
        </script></body></html>`);
      servers.push(host);
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      await page.goto(`${host.origin}/`);
      await expect(page.locator('la-mask [data-testid="mask-grid"]')).toBeVisible();
      const recurrence = page.locator('la-recurrence');
      await expect(recurrence.getByTestId('rec-state-eq').locator('.katex')).toBeVisible();
      await expect(page.locator('#engine')).toHaveAttribute('data-flops', String(flops));
      // KaTeX's fonts came from the CDN folder.
      const fonts = await page.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts]
          .filter((f) => f.family.includes('KaTeX') && f.status === 'loaded')
          .map((f) => f.family);
      });
      expect(fonts).toContain('KaTeX_Main');
      expect(failed).toEqual([]);
    } finally {
      for (const server of servers) await server.close();
    }
  });
});
