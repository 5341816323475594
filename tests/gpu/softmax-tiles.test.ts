/**
 * softmax-flash's tile paths, each against the float64 reference: the wide kernel (subgroups) with
 * P beside K and over K, the register-tiled and row kernels it falls back to, odd lengths,
 * lengths that are not a multiple of a tile, chunked rows, and a NaN in a later value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { FORM_FACTORIES } from '../../src/gpu/forms/index.ts';
import {
  createSoftmaxFlashKernel,
  flashSubgroupSize,
  planFlashTiles,
  planWideTiles,
  planSlicedTiles,
  type FlashTiles,
} from '../../src/gpu/forms/softmax/flash.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import type { AttentionProblem } from '../../src/gpu/types.ts';
import { gpu, randomProblem as drawProblem, readyDevice, relativeError } from './setup.ts';

/** This file's problems scale q by 4 unless told otherwise (logits of a few units). */
const randomProblem = (heads: number, tokens: number, dim: number, qScale = 4) =>
  drawProblem(heads, tokens, dim, qScale);

const TOLERANCE = 1e-4;

/** Runs softmax-flash with these tiles (and chunk length), restoring the factory after. */
async function runWith(
  device: GPUDevice,
  problem: AttentionProblem,
  tiles: FlashTiles,
  chunkTiles?: number,
): Promise<Float32Array> {
  const factory = FORM_FACTORIES['softmax-flash'];
  FORM_FACTORIES['softmax-flash'] = (ctx) => createSoftmaxFlashKernel(ctx, chunkTiles, tiles);
  try {
    return await runAttention(device, problem, { form: 'softmax-flash' });
  } finally {
    FORM_FACTORIES['softmax-flash'] = factory;
  }
}

describe.skipIf(!gpu)('softmax-flash tile paths on the GPU', () => {
  let device: GPUDevice;
  let memory = 0;
  let invocations = 0;
  let subgroup = 0;
  beforeAll(async () => {
    device = (await readyDevice()).device;
    memory = device.limits.maxComputeWorkgroupStorageSize;
    invocations = device.limits.maxComputeInvocationsPerWorkgroup;
    subgroup = flashSubgroupSize(device);
  });
  afterAll(() => device?.destroy());

  it('the device offers subgroups, so the outer kernel is planned where D / 8 fits a subgroup', () => {
    expect(subgroup).toBeGreaterThanOrEqual(2);
    expect(planFlashTiles(16, memory, invocations, subgroup).kernel).toBe('outer');
  });

  // [dim, threads along the rows TY]: P beside K (BR = 4 TY > BC = dim) and over K.
  const wideCases: [number, number][] = [
    [16, 16],
    [16, 4],
    [32, 16],
    [32, 8],
  ];
  checkKernelTiles('wide', wideCases, wideTiles, [1, 31, 65, 257], { tiles: 2, tokens: 300 });

  // The outer kernel (the wide kernel's tiles, both products as outer products, P over K): the
  // H200 runs it at d = 64 with 64 rows; SwiftShader's 32 KiB holds d = 16 and 32, with rows from
  // fewer than the keys to more.
  const outerCases: [number, number][] = [
    [16, 16],
    [16, 4],
    [32, 16],
    [32, 8],
    [32, 4],
  ];
  checkKernelTiles('outer', outerCases, outerTiles, [1, 31, 65, 257], { tiles: 2, tokens: 300 });

  it("plans the outer kernel at d = 64 with the wide kernel's tiles in 48 KiB", () => {
    const tiles = planWideTiles(64, 48 * 1024, 256, 32, 'outer');
    expect(tiles).toMatchObject({ kernel: 'outer', BR: 64, BC: 64, TX: 8, WG: 128 });
    expect(tiles!.workgroupBytes).toBe(48 * 1024);
    expect(planWideTiles(64, 16_384, 256, 32, 'outer')).toBeNull();
  });

  // The quad kernel (4 keys and 4 output quads per thread) runs d = 128 where subgroups of 8
  // exist; SwiftShader's 32 KiB cannot hold its d = 128 tiles, so its code is checked at d = 32
  // and 64, where only the constants differ.
  const quadCases: [number, number][] = [
    [32, 16],
    [32, 2],
    [64, 8],
    [64, 4],
  ];
  checkKernelTiles('quad', quadCases, quadTiles, [1, 33, 200], { tiles: 3, tokens: 150 });

  // The sliced kernels (Q and K staged in two halves of the dimensions; narrow: 4 keys and 2
  // output quads per thread) are planned for d = 128 on 48 KiB; SwiftShader's 32 KiB holds their
  // d = 32 and 64 tiles, the same code with other constants.
  // (narrow at d = 64 needs subgroups of 8: SwiftShader's are 4, so narrow runs d = 16 and 32).
  for (const kernel of ['sliced', 'narrow'] as const) {
    for (const dim of kernel === 'sliced' ? [32, 64] : [16, 32]) {
      const tiles = () => planSlicedTiles(dim, memory, invocations, subgroup, kernel);
      for (const tokens of [1, 17, 33, 200]) {
        it(`${kernel} kernel, d=${dim}: matches the float64 reference within 1e-4 at T=${tokens}`, async () => {
          expect(tiles()).not.toBeNull();
          const problem = randomProblem(3, tokens, dim);
          const out = await runWith(device, problem, tiles()!);
          const expected = referenceAttention(problem, { form: 'softmax-flash' });
          expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
        });
      }
      it(`${kernel} kernel, d=${dim}: chunks of 3 key tiles match the reference at T=150`, async () => {
        expect(tiles()).not.toBeNull();
        const problem = randomProblem(2, 150, dim, 10);
        const out = await runWith(device, problem, tiles()!, 3);
        const expected = referenceAttention(problem, { form: 'softmax-flash' });
        expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  }

  it('a NaN in a later value reaches no earlier row (sliced and narrow kernels)', async () => {
    for (const kernel of ['sliced', 'narrow'] as const) {
      const dim = 32;
      const problem = randomProblem(1, 50, dim);
      problem.v[20 * dim + 3] = Number.NaN;
      const tiles = planSlicedTiles(dim, memory, invocations, subgroup, kernel);
      expect(tiles?.kernel).toBe(kernel);
      const out = await runWith(device, problem, tiles!);
      expect(out.subarray(0, 20 * dim).every(Number.isFinite)).toBe(true);
      expect(Number.isNaN(out[20 * dim + 3]!)).toBe(true);
    }
  });

  it('a NaN in a later value reaches no earlier row (quad kernel, P over K and beside it)', async () => {
    for (const TY of [16, 2]) {
      const dim = 32;
      const problem = randomProblem(1, 50, dim);
      problem.v[20 * dim + 3] = Number.NaN;
      const out = await runWith(device, problem, quadTiles(dim, TY));
      expect(out.subarray(0, 20 * dim).every(Number.isFinite)).toBe(true);
      expect(Number.isNaN(out[20 * dim + 3]!)).toBe(true);
    }
  });

  it('a NaN in a later value reaches no earlier row (outer kernel)', async () => {
    for (const TY of [16, 4]) {
      const dim = 32;
      const tokens = 50;
      const problem = randomProblem(1, tokens, dim);
      problem.v[20 * dim + 3] = Number.NaN;
      const out = await runWith(device, problem, outerTiles(dim, TY));
      expect(out.subarray(0, 20 * dim).every(Number.isFinite)).toBe(true);
      expect(Number.isNaN(out[20 * dim + 3]!)).toBe(true);
    }
  });

  it('a NaN in a later value reaches no earlier row (wide kernel, P over K and beside it)', async () => {
    for (const TY of [16, 8]) {
      const dim = 32;
      const tokens = 50;
      const problem = randomProblem(1, tokens, dim);
      problem.v[20 * dim + 3] = Number.NaN;
      const out = await runWith(device, problem, wideTiles(dim, TY));
      expect(out.subarray(0, 20 * dim).every(Number.isFinite)).toBe(true);
      expect(Number.isNaN(out[20 * dim + 3]!)).toBe(true);
    }
  });

  it('the kernels without subgroups still match the reference (d=32 and 64, T=129)', async () => {
    for (const dim of [32, 64]) {
      const tiles = planFlashTiles(dim, memory, invocations, 0);
      expect(tiles.kernel).not.toBe('wide');
      expect(tiles.kernel).not.toBe('outer');
      const problem = randomProblem(2, 129, dim);
      const out = await runWith(device, problem, tiles);
      const expected = referenceAttention(problem, { form: 'softmax-flash' });
      expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("on a device with WebGPU's default limits, softmax-flash plans its own tiles and matches the reference", async () => {
    const adapter = await gpu!.requestAdapter();
    const features: GPUFeatureName[] = adapter!.features.has('subgroups') ? ['subgroups'] : [];
    const small = await adapter!.requestDevice({ requiredFeatures: features });
    try {
      expect(small.limits.maxComputeWorkgroupStorageSize).toBe(16_384);
      expect(small.limits.maxComputeInvocationsPerWorkgroup).toBe(256);
      for (const dim of [16, 32, 64, 128]) {
        const tiles = planFlashTiles(dim, 16_384, 256, flashSubgroupSize(small));
        expect(tiles.workgroupBytes).toBeLessThanOrEqual(16_384);
        const problem = randomProblem(2, 130, dim);
        const out = await runAttention(small, problem, { form: 'softmax-flash' });
        const expected = referenceAttention(problem, { form: 'softmax-flash' });
        expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
      }
    } finally {
      small.destroy();
    }
  });

  it("with WebGPU's default limits (16 KiB, 256 invocations) every dim gets tiles that run", async () => {
    for (const dim of [16, 32, 64, 128]) {
      const tiles = planFlashTiles(dim, 16_384, 256, subgroup);
      expect(tiles.workgroupBytes).toBeLessThanOrEqual(16_384);
      const problem = randomProblem(1, 70, dim);
      const out = await runWith(device, problem, tiles);
      const expected = referenceAttention(problem, { form: 'softmax-flash' });
      expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  /**
   * A kernel's forced tiles against the float64 reference: for each [dim, TY], every length in
   * `lengths`, then long rows walked in chunks of `chunk.tiles` key tiles at T = chunk.tokens.
   */
  function checkKernelTiles(
    kernel: string,
    cases: readonly [number, number][],
    tilesFor: (dim: number, TY: number) => FlashTiles,
    lengths: readonly number[],
    chunk: { tiles: number; tokens: number },
  ): void {
    for (const [dim, TY] of cases) {
      for (const tokens of lengths) {
        it(`${kernel} kernel, d=${dim}, BR=${4 * TY}: matches the float64 reference within 1e-4 at T=${tokens}`, async () => {
          const tiles = tilesFor(dim, TY);
          expect(tiles.workgroupBytes).toBeLessThanOrEqual(memory);
          const problem = randomProblem(3, tokens, dim);
          const out = await runWith(device, problem, tiles);
          const expected = referenceAttention(problem, { form: 'softmax-flash' });
          expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
        });
      }
      it(`${kernel} kernel, d=${dim}, BR=${4 * TY}: chunks of ${chunk.tiles} key tiles match the reference at T=${chunk.tokens}`, async () => {
        const problem = randomProblem(2, chunk.tokens, dim, 10);
        const out = await runWith(device, problem, tilesFor(dim, TY), chunk.tiles);
        const expected = referenceAttention(problem, { form: 'softmax-flash' });
        expect(relativeError(out, expected)).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  }

  /** The quad kernel's tiles for this dim and TY, P over K when BR <= BC. */
  function quadTiles(dim: number, TY: number): FlashTiles {
    const BR = 4 * TY;
    const TX = dim / 16;
    const BC = 4 * TX;
    const POFF = BR <= BC ? 0 : BC;
    const KW = POFF + (POFF === 0 ? BC : BR);
    return {
      kernel: 'quad',
      BR,
      BC,
      TX,
      WG: TX * TY,
      workgroupBytes: 16 * (dim / 4) * (BR + KW + BC),
      POFF,
      KW,
    };
  }

  /** The outer kernel's tiles for this dim and TY (P always over K). */
  function outerTiles(dim: number, TY: number): FlashTiles {
    const TX = dim / 8;
    const BC = dim;
    return {
      kernel: 'outer',
      BR: 4 * TY,
      BC,
      TX,
      WG: TX * TY,
      workgroupBytes: 16 * BC * (TY + Math.max(2 * TX, TY) + dim / 4),
      POFF: 0,
      KW: BC,
    };
  }

  /** The wide kernel's tiles for this dim and TY, P over K when BR <= BC. */
  function wideTiles(dim: number, TY: number): FlashTiles {
    const BR = 4 * TY;
    const BC = dim;
    const TX = dim / 8;
    const POFF = BR <= BC ? 0 : BC;
    const KW = POFF + (POFF === 0 ? BC : BR);
    return {
      kernel: 'wide',
      BR,
      BC,
      TX,
      WG: TX * TY,
      workgroupBytes: 16 * (dim / 4) * (BR + KW + BC),
      POFF,
      KW,
    };
  }
});
