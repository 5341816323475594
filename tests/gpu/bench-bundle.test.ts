import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpu } from './setup.ts';

const root = resolve(import.meta.dirname, '../..');

// The bundle for the bare GPU machine: one .mjs that needs only Node and `webgpu` beside it.
describe.skipIf(!gpu)('npm run build:bench', () => {
  it('bundles the CLI into one module that runs from another directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
    const app = join(dir, 'app');
    const build = spawnSync(
      process.execPath,
      [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.bench.config.ts'],
      { cwd: root, env: { ...process.env, BENCH_OUT_DIR: app }, encoding: 'utf8' },
    );
    expect(build.status, build.stderr).toBe(0);
    const bundle = join(app, 'bench.mjs');
    expect(existsSync(bundle)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    // Only Node built-ins and Dawn are imported; the WGSL is inlined.
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.every((s) => s?.startsWith('node:'))).toBe(true);
    expect(code).toMatch(/import\("webgpu"\)/);
    expect(code).toContain('fma(x, 0.9999999, 1e-7)');

    // Laid out as on the GPU machine: app/bench.mjs with node_modules/webgpu beside it.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(root, 'node_modules/webgpu'), join(dir, 'node_modules/webgpu'));
    const help = spawnSync(process.execPath, [bundle, '--help'], {
      cwd: tmpdir(),
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run bench/);
    const bad = spawnSync(process.execPath, [bundle, '--dim', '7'], {
      cwd: tmpdir(),
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^bench: --dim must be one of/);
    const run = spawnSync(
      process.execPath,
      [
        bundle,
        '--forms',
        'linear-recurrent',
        '--tokens',
        '64',
        '--heads',
        '1',
        '--dim',
        '16',
        '--samples',
        '3',
      ],
      { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, LA_GPU: 'swiftshader' } },
    );
    expect(run.stderr).toMatch(/CPU fallback adapter/);
    expect(run.stdout).toMatch(/linear-recurrent\s+64 /);
    expect(run.status, run.stderr).toBe(0);
  });
});
