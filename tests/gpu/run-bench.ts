/** The bench CLI run from source in a child process, for the GPU tests of its command lines. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Runs `npm run bench -- args` (as scripts/bench.mjs) on SwiftShader; resolves with its output. */
export function runBench(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'scripts/bench.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, LA_GPU: 'swiftshader' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
