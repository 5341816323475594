import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSgemmWork,
  sgemmError,
  sgemmReference,
  sgemmShapeError,
  sgemmWorkgroupBytes,
  type SgemmDepth,
  type SgemmThreadTile,
} from '../../src/gpu/sgemm-ceiling.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

describe.skipIf(!gpu)('the WGSL SGEMM of the ceiling probe', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await readyDevice()).device;
  });
  afterAll(() => device?.destroy());

  // Non-square, with every block row and column distinct and k spanning several pairs of tiles, so
  // a wrong block offset, a swapped tile or a missed last tile shows.
  const cases: Array<[SgemmDepth, SgemmThreadTile, SgemmThreadTile]> = [
    [8, 8, 8],
    [16, 8, 8],
    [8, 4, 8],
    [8, 8, 4],
    [8, 4, 4],
    [16, 4, 4],
  ];
  it.each(cases)(
    'matches float64 at depth %i, %i x %i per thread (m = 256, n = 384, k = 96), every element written',
    async (depth, tm, tn) => {
      const shape = { m: 256, n: 384, k: 96, depth, tm, tn };
      if (sgemmShapeError(shape, device.limits)) {
        expect(sgemmWorkgroupBytes(depth, tm, tn)).toBeGreaterThan(
          device.limits.maxComputeWorkgroupStorageSize,
        );
        return;
      }
      const work = createSgemmWork(device, shape);
      try {
        const a = randomArray(shape.k * shape.m);
        const b = randomArray(shape.k * shape.n);
        const c = await work.compute(a, b);
        const rows = Array.from({ length: shape.m }, (_, i) => i);
        const { maxRelError, nonFinite } = sgemmError(
          c,
          sgemmReference(a, b, shape.m, shape.n, shape.k),
          shape.n,
          rows,
        );
        expect(nonFinite).toBe(0);
        // Relative to sum |a| |b|: fp32 accumulation over k = 96 stays far below k eps32.
        expect(maxRelError).toBeLessThan(96 * 2 ** -24);
        expect(work.flops).toBe(2 * 256 * 384 * 96);
      } finally {
        work.destroy();
      }
    },
  );

  it('refuses shapes the kernel cannot tile, with a sentence', () => {
    const limits = device.limits;
    expect(sgemmShapeError({ m: 100, n: 128, k: 16, depth: 8 }, limits)).toMatch(/multiple of 128/);
    expect(sgemmShapeError({ m: 128, n: 128, k: 24, depth: 8 }, limits)).toMatch(/multiple of 16/);
    expect(sgemmShapeError({ m: 128, n: 128, k: 16, depth: 12 as SgemmDepth }, limits)).toMatch(
      /depth/,
    );
    expect(
      sgemmShapeError({ m: 128, n: 128, k: 16, depth: 8, tm: 2 as SgemmThreadTile }, limits),
    ).toMatch(/thread tile/);
    expect(() => createSgemmWork(device, { m: 128, n: 0, k: 16, depth: 8 })).toThrow(/n must be/);
  });
});
