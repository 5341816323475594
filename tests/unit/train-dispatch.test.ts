import { describe, expect, it } from 'vitest';
import { columnSumStages, matmulWorkgroups } from '../../src/gpu/train/block.ts';
import { MATMUL_DEPTH, matmulSplits } from '../../src/gpu/train/kernels.ts';

describe("the trainer's matrix-product dispatch", () => {
  it('splits a weight gradient over 65,536 rows into enough workgroups, each split a multiple of the depth', () => {
    for (const [m, n] of [
      [768, 768],
      [768, 3072],
      [3072, 768],
      [768, 12],
    ] as const) {
      const { splits, kSplit } = matmulSplits(m, 65_536, n);
      expect(kSplit % MATMUL_DEPTH).toBe(0);
      expect(splits * kSplit).toBeGreaterThanOrEqual(65_536);
      expect((splits - 1) * kSplit).toBeLessThan(65_536);
      expect(matmulWorkgroups(m, n, splits)).toBeGreaterThanOrEqual(4096);
    }
  });

  it('keeps a short product whole and splits 72 rows of a 16 x 24 gradient in two', () => {
    expect(matmulSplits(768, 40, 768)).toEqual({ splits: 1, kSplit: 48 });
    expect(matmulSplits(16, 72, 24)).toEqual({ splits: 2, kSplit: 48 });
  });

  it('sums long columns in two passes of power-of-two partial sums that divide the rows', () => {
    expect(columnSumStages(65_536)).toBe(256);
    expect(columnSumStages(1024)).toBe(64);
    expect(columnSumStages(72)).toBe(4);
    expect(columnSumStages(70)).toBe(2);
    expect(columnSumStages(9)).toBe(1);
    for (const rows of [70, 72, 96, 1000, 4096]) expect(rows % columnSumStages(rows)).toBe(0);
  });
});
