import { describe, expect, it } from 'vitest';
import { causalPairs, estimateCost, theoreticalCrossover } from '../../src/gpu/costs.ts';
import { checkTotalMemory } from '../../src/gpu/capacity.ts';
import { chunkedFlops } from '../../src/gpu/cost-terms.ts';
import { linearChunkedCost } from '../../src/gpu/forms/form-costs.ts';
import { wholeOutputNeeds } from '../../src/gpu/forms/linear/whole-output.ts';
import { WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES } from '../../src/gpu/limits.ts';
import type { AttentionForm, FeatureMap } from '../../src/gpu/types.ts';
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
import { pick } from '../helpers/random.ts';

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

describe("the cost model counts the feature-map pass's phi(q), phi(k) where a form runs it", () => {
  const KIB = 1024;
  /** A random shape: heads 1-12, T up to about 70,000 (ragged), d from `dims`. */
  const drawShape = (dims: readonly number[]) => ({
    heads: 1 + Math.floor(Math.random() * 12),
    tokens: 64 + Math.floor(Math.random() * 70_000),
    dim: pick(dims),
  });
  /** Working memory and bytes moved of `featureMap` less the identity's (which runs no pass). */
  const passBytes = (
    form: AttentionForm,
    shape: { heads: number; tokens: number; dim: number },
    options: { chunkSize?: number; workgroupStorageBytes?: number; featureMap?: FeatureMap },
  ) => {
    const mapped = estimateCost(form, shape, options);
    const identity = estimateCost(form, shape, { ...options, featureMap: 'identity' });
    expect(mapped.flops).toBe(identity.flops);
    expect(mapped.largestPerHeadBytes).toBe(identity.largestPerHeadBytes);
    return {
      held: mapped.workingBytes - identity.workingBytes,
      moved: mapped.bytesMoved - identity.bytesMoved,
    };
  };
  /** 2 T d float32 per head held; the pass reads q, k and writes phi(q), phi(k): 4 T d moved. */
  const scratch = ({ heads, tokens, dim }: { heads: number; tokens: number; dim: number }) => ({
    held: heads * 2 * tokens * dim * 4,
    moved: heads * 4 * tokens * dim * 4,
  });
  const none = { held: 0, moved: 0 };

  it('recurrent forms: 2 T d floats per head held, 4 T d moved, for softplus and elu1 on any device', () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = drawShape([16, 32, 64, 128]);
      const storage = pick([16 * KIB, 32 * KIB, 48 * KIB, 64 * KIB]);
      for (const form of ['linear-recurrent', 'gated-recurrent'] as const) {
        for (const featureMap of ['softplus', 'elu1'] as const) {
          const what = `${form} ${featureMap} ${JSON.stringify(shape)} at ${storage}`;
          expect(
            passBytes(form, shape, { featureMap, workgroupStorageBytes: storage }),
            what,
          ).toEqual(scratch(shape));
        }
      }
    }
  });

  it('chunked forms at d = 64, c = 64: none with 48 KiB of workgroup memory, the pass with 16 KiB', () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = drawShape([64]);
      for (const form of ['linear-chunked', 'gated-chunked'] as const) {
        const at = (workgroupStorageBytes: number) =>
          passBytes(form, shape, { chunkSize: 64, workgroupStorageBytes });
        expect(at(48 * KIB), `${form} ${JSON.stringify(shape)}`).toEqual(none);
        expect(at(1 << 20)).toEqual(none);
        expect(at(48 * KIB - 4)).toEqual(scratch(shape));
        expect(at(32 * KIB)).toEqual(scratch(shape));
        expect(at(16 * KIB)).toEqual(scratch(shape));
        // Without a device: WebGPU's default, the upper bound.
        expect(passBytes(form, shape, { chunkSize: 64 })).toEqual(scratch(shape));
      }
    }
    expect(WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES).toBe(16 * KIB);
  });

  it('chunked forms run the pass at d = 128 and at chunk sizes not a multiple of 64, whatever the device', () => {
    for (let trial = 0; trial < 10; trial++) {
      const storage = pick([48 * KIB, 64 * KIB, 1 << 20]);
      for (const form of ['linear-chunked', 'gated-chunked'] as const) {
        const wide = drawShape([128]);
        const c = pick([16, 32, 64, 128, 256]);
        expect(passBytes(form, wide, { chunkSize: c, workgroupStorageBytes: storage })).toEqual(
          scratch(wide),
        );
        const narrow = drawShape([16, 32, 64]);
        const small = pick([16, 32]);
        expect(
          passBytes(form, narrow, { chunkSize: small, workgroupStorageBytes: storage }),
        ).toEqual(scratch(narrow));
        expect(passBytes(form, narrow, { chunkSize: 128, workgroupStorageBytes: storage })).toEqual(
          none,
        );
      }
    }
    // d = 32 needs 32 KiB: the whole-tile kernel serves it on SwiftShader's 32 KiB.
    const shape = drawShape([32]);
    expect(wholeOutputNeeds(32, 64)).toBe(32 * KIB);
    expect(passBytes('linear-chunked', shape, { workgroupStorageBytes: 32 * KIB })).toEqual(none);
    expect(passBytes('linear-chunked', shape, { workgroupStorageBytes: 24 * KIB })).toEqual(
      scratch(shape),
    );
    expect(wholeOutputNeeds(128, 64)).toBeNull();
    expect(wholeOutputNeeds(64, 32)).toBeNull();
  });

  it('decides on the chunk size the kernels run, not the one capped at T for the FLOPs', () => {
    // T = 40 < c = 64: one ragged chunk of 40 tokens, but the whole-tile kernel (c = 64) runs.
    const shape = { heads: 3, tokens: 40, dim: 64 };
    expect(passBytes('linear-chunked', shape, { workgroupStorageBytes: 48 * KIB })).toEqual(none);
    expect(estimateCost('linear-chunked', shape, { chunkSize: 64 }).flops).toBe(
      3 * chunkedFlops(40, 64, 40),
    );
  });

  it('leaves linear-attention, the softmax forms and linear-chunked-f16 without f32 phi(q), phi(k)', () => {
    for (let trial = 0; trial < 5; trial++) {
      const shape = drawShape([16, 32, 64, 128]);
      const c = pick([16, 32, 64, 128, 256]);
      for (const storage of [16 * KIB, 48 * KIB]) {
        const options = { chunkSize: c, workgroupStorageBytes: storage };
        expect(passBytes('linear-attention', shape, options)).toEqual(none);
        expect(passBytes('softmax-flash', shape, options)).toEqual(none);
      }
      // f16: its own pass writes phi(q), phi(k), v in f16 whichever output kernel runs; the same
      // bytes on every device, and linear-chunked's kernels (none of its f32 pass) plus the copies.
      const f16 = (workgroupStorageBytes: number) =>
        estimateCost('linear-chunked-f16', shape, { chunkSize: c, workgroupStorageBytes });
      expect(f16(16 * KIB)).toEqual(f16(48 * KIB));
      const kernels = estimateCost('linear-chunked', shape, {
        chunkSize: c,
        featureMap: 'identity',
      });
      const copies = shape.heads * 3 * shape.tokens * shape.dim * 2;
      expect(f16(16 * KIB).workingBytes - kernels.workingBytes).toBe(copies);
      expect(f16(16 * KIB).bytesMoved - kernels.bytesMoved).toBe(2 * copies);
    }
  });

  it("gives the build scripts' kernel-free model the same bytes as the registry's", () => {
    const shape = drawShape([16, 32, 64, 128]);
    for (const workgroupStorageBytes of [16 * KIB, 48 * KIB]) {
      const options = { chunkSize: 64, workgroupStorageBytes };
      const head = linearChunkedCost(shape, {
        form: 'linear-chunked',
        featureMap: 'softplus',
        normalize: true,
        ...options,
      });
      const all = estimateCost('linear-chunked', shape, options);
      expect(shape.heads * head.workingBytes).toBe(all.workingBytes);
      expect(shape.heads * head.bytesMoved).toBe(all.bytesMoved);
    }
  });

  it("checks the whole problem's memory with the device's workgroup memory where it is given", () => {
    const shape = { heads: 12, tokens: 65_536, dim: 64 };
    const options = {
      form: 'linear-chunked' as const,
      featureMap: 'softplus' as const,
      normalize: true,
      chunkSize: 64,
    };
    const needs = (workgroupStorageBytes?: number) =>
      estimateCost('linear-chunked', shape, { ...options, workgroupStorageBytes }).workingBytes;
    // A cap between the two: a 48 KiB device fits, a 16 KiB one (or one not known) does not.
    const cap = (needs(48 * KIB) + needs(16 * KIB)) / 2;
    const limits = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 40 };
    expect(() =>
      checkTotalMemory(
        shape,
        options,
        { ...limits, maxComputeWorkgroupStorageSize: 48 * KIB },
        cap,
      ),
    ).not.toThrow();
    expect(() =>
      checkTotalMemory(
        shape,
        options,
        { ...limits, maxComputeWorkgroupStorageSize: 16 * KIB },
        cap,
      ),
    ).toThrow(/GPU memory in all/);
    expect(() => checkTotalMemory(shape, options, limits, cap)).toThrow(/GPU memory in all/);
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
