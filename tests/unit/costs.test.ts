import { describe, expect, it } from 'vitest';
import { causalPairs, estimateCost, theoreticalCrossover } from '../../src/gpu/costs.ts';
import {
  flashItemFlops,
  flashRowsWorkgroupBytes,
  flashWorkgroupBytes,
  FLASH_CHUNK_KEYS,
  flashChunkTiles,
  planFlashSlices,
  planFlashTiles,
} from '../../src/gpu/forms/softmax/flash.ts';
import { gridFor, planSlices, DISPATCH_FLOP_BUDGET } from '../../src/gpu/dispatch.ts';
import { naiveScoreHeads } from '../../src/gpu/forms/softmax/naive.ts';
import { kvSplits } from '../../src/gpu/generation/kv-cache.ts';

describe('cost models', () => {
  it('counts causal pairs including the diagonal', () => {
    expect(causalPairs(1)).toBe(1);
    expect(causalPairs(4)).toBe(10);
  });

  it('gives softmax 4 d FLOPs per causal pair and per head (about 2 T^2 d)', () => {
    const shape = { heads: 3, tokens: 1000, dim: 64 };
    const flash = estimateCost('softmax-flash', shape);
    expect(flash.flops).toBe(3 * 4 * 64 * causalPairs(1000));
    expect(estimateCost('softmax-naive', shape).flops).toBe(flash.flops);
  });

  it('charges softmax-naive the T x T scores and softmax-flash none', () => {
    const shape = { heads: 12, tokens: 65_536, dim: 64 };
    expect(estimateCost('softmax-naive', shape).largestPerHeadBytes).toBe(2 ** 34);
    expect(estimateCost('softmax-flash', shape).largestPerHeadBytes).toBe(65_536 * 64 * 4);
    const naive = estimateCost('softmax-naive', shape);
    const flash = estimateCost('softmax-flash', shape);
    // Flash keeps only a (max, sum) pair per row instead of the T x T scores.
    expect(naive.workingBytes - flash.workingBytes).toBe(12 * (2 ** 34 - 65_536 * 8));
    expect(naive.bytesMoved - flash.bytesMoved).toBe(12 * 2 * 2 ** 34);
  });

  it('puts the state form below the attention form from T = 2d + 1', () => {
    const d = 64;
    const at = (form: 'linear-recurrent' | 'softmax-flash', tokens: number) =>
      estimateCost(form, { heads: 1, tokens, dim: d }).flops;
    const t = theoreticalCrossover(d);
    expect(at('linear-recurrent', t)).toBe(at('softmax-flash', t));
    expect(at('linear-recurrent', t + 10)).toBeLessThan(at('softmax-flash', t + 10));
    expect(at('linear-recurrent', t - 10)).toBeGreaterThan(at('softmax-flash', t - 10));
  });
});

describe('softmax-flash tiles', () => {
  it('fits 16 KiB of workgroup memory by default and uses 48 KiB where offered', () => {
    expect(planFlashTiles(64, 16_384, 256)).toMatchObject({ kernel: 'rows', BR: 16, BC: 16 });
    expect(planFlashTiles(64, 32_768, 256)).toMatchObject({ kernel: 'tiled', BR: 32, BC: 32 });
    expect(planFlashTiles(64, 49_152, 1024)).toMatchObject({ kernel: 'tiled', BR: 64, WG: 128 });
    expect(planFlashTiles(32, 49_152, 1024)).toMatchObject({ kernel: 'tiled', BC: 16, TX: 4 });
    expect(planFlashTiles(128, 49_152, 1024)).toMatchObject({ kernel: 'rows', BR: 32, BC: 16 });
  });

  it('never exceeds the memory or invocation limits, for every dim', () => {
    for (const dim of [16, 32, 64, 128]) {
      for (const memory of [16_384, 32_768, 49_152]) {
        for (const invocations of [64, 256, 1024]) {
          const t = planFlashTiles(dim, memory, invocations);
          const bytes = t.kernel === 'tiled' ? flashWorkgroupBytes : flashRowsWorkgroupBytes;
          expect(t.workgroupBytes).toBe(bytes(dim, t.BR, t.BC));
          expect(t.workgroupBytes).toBeLessThanOrEqual(memory);
          expect(t.WG).toBeLessThanOrEqual(Math.min(256, invocations));
          if (t.kernel === 'tiled') {
            expect(t.TX * 8).toBe(dim);
            expect(t.WG).toBe((t.BR / 4) * t.TX);
          } else {
            expect(t.WG).toBe(t.BR * t.TX);
          }
        }
      }
    }
  });

  it('charges a query block for every key up to its last row', () => {
    expect(flashItemFlops(64, 16, 0)).toBe(4 * 64 * 16 * 16);
    expect(flashItemFlops(64, 16, 9)).toBe(10 * flashItemFlops(64, 16, 0));
  });
});

describe('bounded dispatches', () => {
  it('covers every item once, in order, within the budget', () => {
    const costs = [5, 5, 5, 20, 1, 1, 1];
    const slices = planSlices(costs.length, (i) => costs[i]!, 10);
    expect(slices).toEqual([
      { offset: 0, count: 2 },
      { offset: 2, count: 1 },
      { offset: 3, count: 1 },
      { offset: 4, count: 3 },
    ]);
  });

  it('caps the item count of a slice', () => {
    expect(planSlices(5, () => 1, 100, 2)).toEqual([
      { offset: 0, count: 2 },
      { offset: 2, count: 2 },
      { offset: 4, count: 1 },
    ]);
  });

  it('splits softmax-flash at T = 65,536 into many dispatches but T = 1,024 into one', () => {
    const tiles = planFlashTiles(64, 49_152, 1024);
    const plan = (tokens: number) =>
      planFlashSlices(12, tokens, 64, tiles.BR, tiles.BC, FLASH_CHUNK_KEYS / tiles.BC);
    expect(plan(1024)).toEqual([{ offset: 0, count: 12 * 16, chunk: 0 }]);
    const long = plan(65_536);
    expect(long.length).toBeGreaterThan(20);
    // Every dispatch but a chunk's last holds thousands of workgroups (whole rows gave 128).
    const chunkEnds = new Set(long.map((s, i) => (long[i + 1]?.chunk !== s.chunk ? i : -1)));
    long.forEach((s, i) => {
      if (!chunkEnds.has(i)) expect(s.count).toBeGreaterThanOrEqual(2048);
    });
    expect(DISPATCH_FLOP_BUDGET).toBeGreaterThan(0);
  });

  it('chunks softmax-flash rows only when the run overflows one dispatch', () => {
    const { BR, BC } = planFlashTiles(64, 49_152, 1024);
    expect(flashChunkTiles(12, 8192, 64, BR, BC)).toBe(8192 / BC);
    expect(flashChunkTiles(12, 16_384, 64, BR, BC)).toBe(FLASH_CHUNK_KEYS / BC);
  });

  it('walks every key tile of every softmax-flash row once, chunk by chunk in order', () => {
    for (const [heads, tokens, BR, BC, chunkTiles, budget] of [
      [3, 1000, 32, 32, 4, 2 ** 20],
      [2, 4097, 64, 32, 128, 2 ** 37],
      [1, 777, 16, 8, 5, 2 ** 18],
    ] as const) {
      const blocks = Math.ceil(tokens / BR);
      const seen = new Map<string, number>();
      let lastChunk = 0;
      for (const s of planFlashSlices(heads, tokens, 64, BR, BC, chunkTiles, budget)) {
        expect(s.chunk).toBeGreaterThanOrEqual(lastChunk);
        lastChunk = s.chunk;
        for (let i = s.offset; i < s.offset + s.count; i++) {
          const block = blocks - 1 - Math.floor(i / heads);
          const tiles = Math.floor((Math.min((block + 1) * BR, tokens) - 1) / BC) + 1;
          const begin = s.chunk * chunkTiles;
          expect(block).toBeGreaterThanOrEqual(0);
          expect(begin).toBeLessThan(tiles);
          const key = `${i % heads},${block}`;
          // The chunk before this one was dispatched earlier, never in this dispatch.
          expect(seen.get(key) ?? 0).toBe(begin);
          seen.set(key, Math.min(tiles, begin + chunkTiles));
        }
      }
      expect(seen.size).toBe(heads * blocks);
      for (const [key, end] of seen) {
        const block = Number(key.split(',')[1]);
        expect(end).toBe(Math.floor((Math.min((block + 1) * BR, tokens) - 1) / BC) + 1);
      }
    }
  });

  it('lays a slice out as a grid within maxComputeWorkgroupsPerDimension', () => {
    expect(gridFor(10, 65_535)).toEqual([10, 1]);
    expect(gridFor(200_000, 65_535)).toEqual([65_535, 4]);
  });

  it('keeps softmax-naive scores for as many heads as fit, at least one', () => {
    const limits = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };
    expect(naiveScoreHeads(12, 1024, limits)).toBe(12); // 4 MiB each
    expect(naiveScoreHeads(12, 16_384, limits)).toBe(1); // 1 GiB each
    expect(naiveScoreHeads(12, 8192, limits)).toBe(4); // 256 MiB each, 1 GiB cap
  });

  it('cuts the KV cache into 1,024-position splits', () => {
    expect(kvSplits(1)).toBe(1);
    expect(kvSplits(1024)).toBe(1);
    expect(kvSplits(1025)).toBe(2);
    expect(kvSplits(131_072)).toBe(128);
  });
});
