/**
 * Shared by the GPU tests: one Dawn device per test file, or a printed reason to skip.
 * CI has Chromium (hence SwiftShader), so there the tests always run.
 */
import { acquireGpu, type GpuReady } from '../../src/gpu/device.ts';
import { getNodeGpu } from '../../src/node/dawn.ts';
import type { AttentionProblem } from '../../src/gpu/types.ts';

const nodeGpu = await getNodeGpu();
if (nodeGpu.kind === 'unavailable') {
  console.warn(`GPU tests skipped: ${nodeGpu.reason}`);
  if (process.env.CI) throw new Error(`GPU tests cannot be skipped in CI: ${nodeGpu.reason}`);
}

/** The Dawn GPU entry point, or null when this machine has none (tests then skip). */
export const gpu: GPU | null = nodeGpu.kind === 'ready' ? nodeGpu.gpu : null;

/** Acquires a fresh device through the engine's own device.ts. */
export async function readyDevice(): Promise<GpuReady> {
  if (!gpu) throw new Error('no GPU');
  const outcome = await acquireGpu({ gpu });
  if (outcome.kind !== 'ready') throw new Error(outcome.reason);
  return outcome;
}

/** Uniform random numbers in [-1, 1), never all zeros. */
export function randomArray(n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.random() * 2 - 1) * scale;
  return out;
}

/** q, k, v of random values in [-1, 1), q scaled by `qScale` (larger logits), never all zeros. */
export function randomProblem(
  heads: number,
  tokens: number,
  dim: number,
  qScale = 1,
): AttentionProblem {
  const n = heads * tokens * dim;
  return { heads, tokens, dim, q: randomArray(n, qScale), k: randomArray(n), v: randomArray(n) };
}

/**
 * ||actual - expected||_F / ||expected||_F; a length mismatch or a non-finite value anywhere (an
 * unwritten output, poisoned with NaN) gives Infinity.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    if (!Number.isFinite(a)) return Number.POSITIVE_INFINITY;
    diff += (a - expected[i]!) ** 2;
    norm += expected[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}
