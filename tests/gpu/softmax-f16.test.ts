/**
 * softmax-flash-f16-mma's tiling, run with the plain-WGSL version of its matrix operations
 * (SwiftShader offers neither shader-f16 nor subgroup matrices): every tile shape the planner can
 * pick, ragged lengths, chunked rows, against the float64 reference and the derived f16 bound
 * (src/gpu/forms/f16/accuracy.ts), on f16-exact inputs and on raw float32 inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { FORM_FACTORIES } from '../../src/gpu/forms/index.ts';
import {
  createF16MmaKernel,
  f16MmaSource,
  f16MmaUnsupported,
  f16MmaWorkgroupBytes,
  planF16MmaTiles,
  type F16MmaOverrides,
  type F16MmaTiles,
} from '../../src/gpu/forms/f16/flash-f16.ts';
import { checkF16Softmax, roundArrayToF16, roundToF16 } from '../../src/gpu/forms/f16/accuracy.ts';
import type { AttentionProblem } from '../../src/gpu/types.ts';
import { gpu, randomProblem, readyDevice } from './setup.ts';

async function runEmulated(
  device: GPUDevice,
  problem: AttentionProblem,
  tiles?: F16MmaTiles,
  chunkTiles?: number,
): Promise<Float32Array> {
  return runWith(device, problem, { mode: 'emulated', tiles, chunkTiles });
}

async function runWith(
  device: GPUDevice,
  problem: AttentionProblem,
  overrides: F16MmaOverrides,
): Promise<Float32Array> {
  const factory = FORM_FACTORIES['softmax-flash'];
  FORM_FACTORIES['softmax-flash'] = (ctx) => createF16MmaKernel(ctx, overrides);
  try {
    return await runAttention(device, problem, { form: 'softmax-flash' });
  } finally {
    FORM_FACTORIES['softmax-flash'] = factory;
  }
}

function exactProblem(heads: number, tokens: number, dim: number, qScale = 4): AttentionProblem {
  const p = randomProblem(heads, tokens, dim, qScale);
  return { ...p, q: roundArrayToF16(p.q), k: roundArrayToF16(p.k), v: roundArrayToF16(p.v) };
}

describe('f16 rounding', () => {
  it('rounds to the nearest f16, ties to even, with subnormals and overflow', () => {
    expect(roundToF16(1)).toBe(1);
    expect(roundToF16(1 + 2 ** -11)).toBe(1); // a tie: to even
    expect(roundToF16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToF16(0.1)).toBeCloseTo(0.0999755859375, 12);
    expect(roundToF16(2 ** -25)).toBe(0); // half the smallest subnormal: tie to 0
    expect(roundToF16(3 * 2 ** -26)).toBe(2 ** -24);
    expect(roundToF16(65504)).toBe(65504);
    expect(roundToF16(70000)).toBe(Number.POSITIVE_INFINITY);
    expect(roundToF16(-0.3)).toBe(-roundToF16(0.3));
  });
});

describe('softmax-flash-f16-mma tiles', () => {
  it('plans the H200 tile (4 subgroups, 64 keys) in 48 KiB with f16 storage', () => {
    const tiles = planF16MmaTiles(64, 49152, 1024, 32, 2)!;
    expect(tiles).toMatchObject({ NS: 4, BC: 64, SGS: 32 });
    expect(tiles.workgroupBytes).toBe(f16MmaWorkgroupBytes(64, 4, 64, 32, 2));
    expect(planF16MmaTiles(128, 49152, 1024, 32, 2)).toMatchObject({ NS: 2, BC: 32 });
    expect(planF16MmaTiles(48 + 8, 49152, 1024, 32, 2)).toBeNull();
  });
  it('writes the subgroup-matrix header only for the native mode', () => {
    const tiles = planF16MmaTiles(64, 49152, 1024, 32, 2)!;
    expect(f16MmaSource(64, tiles, 'native')).toContain(
      'enable chromium_experimental_subgroup_matrix;',
    );
    expect(f16MmaSource(64, tiles, 'emulated')).not.toContain('enable');
  });
});

describe.skipIf(!gpu)('softmax-flash-f16-mma on the GPU, matrix builtins in plain WGSL', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await readyDevice()).device;
  });
  afterAll(() => device?.destroy());

  it('says in a sentence why the native kernel cannot run where the features are absent', () => {
    const why = f16MmaUnsupported(device);
    if (device.features.has('shader-f16' as GPUFeatureName)) return;
    expect(why).toMatch(/needs the WebGPU features? shader-f16/);
  });

  const cases: [number, number, number, number][] = [
    // [dim, NS, BC, tokens]
    [16, 1, 16, 1],
    [16, 2, 32, 33],
    [32, 2, 16, 100],
    [32, 1, 64, 65],
    [64, 2, 16, 130],
    [64, 1, 32, 47],
  ];
  for (const [dim, NS, BC, tokens] of cases) {
    it(`d=${dim}, ${NS} subgroups, ${BC}-key tiles, T=${tokens}: within the f16 bound`, async () => {
      const tiles: F16MmaTiles = {
        NS,
        BC,
        SGS: 32,
        workgroupBytes: f16MmaWorkgroupBytes(dim, NS, BC, 32, 4),
      };
      expect(tiles.workgroupBytes).toBeLessThanOrEqual(
        device.limits.maxComputeWorkgroupStorageSize,
      );
      const problem = exactProblem(2, tokens, dim);
      const out = await runEmulated(device, problem, tiles);
      const check = checkF16Softmax(problem, out, 'exact-inputs');
      expect(check.nonFinite).toBe(0);
      expect(check.worstRatio).toBeLessThanOrEqual(1);
      // Not vacuous: past one token (whose output is v_0 exactly) the error is f16's, not f32's.
      if (tokens > 1) expect(check.maxError).toBeGreaterThan(1e-6);
    });
  }

  it('walks long rows in chunks (one key tile per dispatch) with the same result', async () => {
    const problem = exactProblem(2, 150, 32);
    const tiles = planF16MmaTiles(32, device.limits.maxComputeWorkgroupStorageSize, 256, 32, 4)!;
    const whole = await runEmulated(device, problem, tiles);
    const chunked = await runEmulated(device, problem, tiles, 1);
    expect(checkF16Softmax(problem, chunked, 'exact-inputs').worstRatio).toBeLessThanOrEqual(1);
    let diff = 0;
    for (let i = 0; i < whole.length; i++) diff = Math.max(diff, Math.abs(whole[i]! - chunked[i]!));
    expect(diff).toBeLessThan(1e-3);
  });

  // The plain variant (softmax-flash-f16: products shared out among invocations), f32 storage
  // rounded to f16 where shader-f16 is absent: the same arithmetic.
  for (const [dim, tokens] of [
    [32, 77],
    [64, 130],
  ] as const) {
    it(`plain variant (lanes), d=${dim}, T=${tokens}: within the f16 bound, chunked too`, async () => {
      const problem = exactProblem(2, tokens, dim);
      for (const chunkTiles of [undefined, 1]) {
        const out = await runWith(device, problem, {
          mode: 'lanes',
          storage: device.features.has('shader-f16' as GPUFeatureName) ? 'f16' : 'f32',
          chunkTiles,
        });
        const check = checkF16Softmax(problem, out, 'exact-inputs');
        expect(check.nonFinite).toBe(0);
        expect(check.worstRatio).toBeLessThanOrEqual(1);
        expect(check.maxError).toBeGreaterThan(1e-6);
      }
    });
  }

  it('stays within the bound where f16 subnormals are flushed to zero (as on the H200)', async () => {
    const problem = exactProblem(2, 70, 32);
    // Subnormal f16 values in v (row 0's output is v_0 itself), q and k.
    for (const [array, at] of [
      [problem.v, 0],
      [problem.v, 5],
      [problem.v, 32 * 9 + 3],
      [problem.q, 32 * 4 + 1],
      [problem.k, 32 * 2 + 7],
    ] as const) {
      (array as Float32Array)[at] = roundToF16(3e-5 * (at % 2 ? -1 : 1));
    }
    const out = await runWith(device, problem, { mode: 'emulated', flushSubnormals: true });
    const check = checkF16Softmax(problem, out, 'exact-inputs');
    expect(check.worstRatio).toBeLessThanOrEqual(1);
    // The flush is visible: row 0, column 0 is v_0 = 3e-5 on the CPU and 0 on the GPU.
    expect(out[0]).toBe(0);
  });

  it('rounds raw float32 inputs itself: within the raw-input bound of the unrounded reference', async () => {
    const problem = randomProblem(2, 120, 64, 4);
    const out = await runEmulated(device, problem);
    const raw = checkF16Softmax(problem, out, 'raw-inputs');
    expect(raw.nonFinite).toBe(0);
    expect(raw.worstRatio).toBeLessThanOrEqual(1);
  });
});
