import { describe, expect, it } from 'vitest';
import {
  linearAttentionConstants,
  planLinearAttention,
} from '../../src/gpu/forms/linear/attention.ts';
import {
  chunkStateHeads,
  linearChunkedConstants,
  usesWholeOutput,
  wholeBlocksFor,
  wholeOutputBytes,
} from '../../src/gpu/forms/linear/chunked.ts';
import {
  ATTENTION_TILINGS,
  attentionTileBytes,
  chooseAttentionTiles,
  MAX_WORKGROUPS_PER_DISPATCH,
  splitWorkgroups,
} from '../../src/gpu/forms/linear/common.ts';
import { planLinearRecurrent } from '../../src/gpu/forms/linear/recurrent.ts';
import { CapacityError } from '../../src/gpu/errors.ts';
import {
  applyFeatureMap,
  referenceLinearAttention,
  referenceLinearAttentionQuadratic,
  referenceLinearAttentionRecurrent,
} from '../../src/gpu/forms/linear/reference.ts';
import { FEATURE_MAPS, SUPPORTED_DIMS, type AttentionProblem } from '../../src/gpu/types.ts';

function random(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
}

function problem(heads: number, tokens: number, dim: number): AttentionProblem {
  const n = heads * tokens * dim;
  return { heads, tokens, dim, q: random(n), k: random(n), v: random(n) };
}

function maxRelative(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    norm = Math.max(norm, Math.abs(b[i]!));
  }
  return diff / norm;
}

describe('the float64 linear-attention reference', () => {
  it('evaluates softplus, elu1 and identity as defined, without overflow', () => {
    expect(applyFeatureMap(0, 'softplus')).toBeCloseTo(Math.LN2, 15);
    expect(applyFeatureMap(800, 'softplus')).toBe(800);
    expect(applyFeatureMap(-800, 'softplus')).toBe(0);
    expect(applyFeatureMap(-40, 'softplus')).toBeCloseTo(Math.exp(-40), 30);
    expect(applyFeatureMap(2, 'elu1')).toBe(3);
    expect(applyFeatureMap(-1, 'elu1')).toBe(Math.exp(-1));
    expect(applyFeatureMap(-0.25, 'identity')).toBe(-0.25);
  });

  it.each(FEATURE_MAPS)(
    'its attention and recurrent evaluations agree to 1e-12 (phi=%s)',
    (featureMap) => {
      for (const normalize of [true, false]) {
        const p = problem(2, 37, 16);
        const a = referenceLinearAttentionQuadratic(p, { featureMap, normalize });
        const b = referenceLinearAttentionRecurrent(p, { featureMap, normalize });
        expect(maxRelative(a, b)).toBeLessThan(1e-12);
      }
    },
  );

  it('normalised output of identical value rows equals that row', () => {
    const p = problem(2, 50, 16);
    const row = random(16);
    for (let i = 0; i < 2 * 50; i++) p.v.set(row, i * 16);
    const out = referenceLinearAttention(p, {
      form: 'linear-recurrent',
      featureMap: 'softplus',
      normalize: true,
      chunkSize: 64,
    });
    for (let i = 0; i < out.length; i++) {
      // sum_j a_ij v / (sum_j a_ij + 1e-6): the row, shrunk by eps relative to a sum of >= 1e-2.
      expect(Math.abs(out[i]! - row[i % 16]!)).toBeLessThan(1e-4);
    }
  });

  it('the first token attends only to itself: y_0 = (phi(q_0).phi(k_0)) v_0', () => {
    const p = problem(1, 5, 16);
    const out = referenceLinearAttention(p, {
      form: 'linear-attention',
      featureMap: 'elu1',
      normalize: false,
      chunkSize: 64,
    });
    let a = 0;
    for (let x = 0; x < 16; x++)
      a += applyFeatureMap(p.q[x]!, 'elu1') * applyFeatureMap(p.k[x]!, 'elu1');
    for (let x = 0; x < 16; x++) expect(out[x]).toBeCloseTo(a * p.v[x]!, 12);
  });
});

describe('linear kernels: dispatch arithmetic', () => {
  it('splits a grid into ranges that cover it exactly, within the workgroup and FLOP caps', () => {
    const ranges = splitWorkgroups(200_000, (w) => (w % 7) + 1, 1000);
    let next = 0;
    for (const r of ranges) {
      expect(r.offset).toBe(next);
      expect(r.count).toBeGreaterThan(0);
      expect(r.count).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DISPATCH);
      next += r.count;
    }
    expect(next).toBe(200_000);
    expect(splitWorkgroups(3, () => 1e12)).toEqual([
      { offset: 0, count: 1 },
      { offset: 1, count: 1 },
      { offset: 2, count: 1 },
    ]);
    expect(splitWorkgroups(0, () => 1)).toEqual([]);
  });

  it("picks the largest tiling that fits, and the smallest fits WebGPU's 16 KiB default at every dim", () => {
    for (const dim of SUPPORTED_DIMS) {
      expect(attentionTileBytes(ATTENTION_TILINGS.at(-1)!, dim)).toBeLessThanOrEqual(16_384);
      expect(chooseAttentionTiles(16_384, dim)).toBe(ATTENTION_TILINGS.at(-1));
      expect(chooseAttentionTiles(49_152, dim)).toBe(ATTENTION_TILINGS[0]);
      for (const limit of [16_384, 32_768, 49_152]) {
        expect(attentionTileBytes(chooseAttentionTiles(limit, dim), dim)).toBeLessThanOrEqual(
          limit,
        );
      }
    }
    expect(chooseAttentionTiles(32_768, 128)).toBe(ATTENTION_TILINGS[1]);
  });

  it('derives constants whose workgroup arrays fit and whose loops divide evenly, for every dim', () => {
    for (const tiles of ATTENTION_TILINGS) {
      for (const dim of SUPPORTED_DIMS) {
        const a = linearAttentionConstants(dim, { featureMap: 'softplus', normalize: true }, tiles);
        expect(64 % a.VR!).toBe(0);
        expect(dim % a.DS!).toBe(0);
        expect(a.DS! % 4).toBe(0);
        const BQ = 4 * a.TY!;
        const bytes = 4 * ((BQ + 64) * a.DS! + BQ * 64 + a.VR! * dim);
        expect(bytes).toBe(attentionTileBytes(tiles, dim));
        const o = linearChunkedConstants(dim, { featureMap: 'elu1', normalize: false }, tiles);
        expect(o.output.TY).toBe(a.TY);
        expect(o.output.DS).toBe(a.DS);
        expect(o.output.VR).toBe(a.VR);
      }
    }
  });

  it('covers every query block of every head, and every token once in the recurrent plan', () => {
    const shape = { heads: 5, tokens: 1000, dim: 64 };
    const constants = linearAttentionConstants(
      64,
      { featureMap: 'identity', normalize: false },
      ATTENTION_TILINGS[0]!,
    );
    const plan = planLinearAttention(shape, constants, 1e7);
    expect(plan.blocksPerHead).toBe(16);
    expect(plan.ranges.reduce((n, r) => n + r.count, 0)).toBe(80);
    expect(plan.ranges.length).toBeGreaterThan(1);
    const recurrent = planLinearRecurrent({ heads: 2, tokens: 10_000, dim: 64 }, { CB: 32 }, 4096);
    expect(recurrent.map((p) => [p.tokenBegin, p.tokenEnd, p.count])).toEqual([
      [0, 4096, 4],
      [4096, 8192, 4],
      [8192, 10_000, 4],
    ]);
  });

  it('runs two query blocks per whole-tile workgroup only from 512 blocks in all', () => {
    // 12 heads: 1,024 tokens are 192 blocks of 64 rows (one each), 4,096 tokens 768 (two each).
    expect(wholeBlocksFor(12 * (1024 / 64))).toBe(1);
    expect(wholeBlocksFor(511)).toBe(1);
    expect(wholeBlocksFor(512)).toBe(2);
    expect(wholeBlocksFor(12 * (65536 / 64))).toBe(2);
  });

  it("sizes the whole-tile output kernel's three regions and picks it only where they fit", () => {
    // regions of 16 D, 1024 and 16 D vec4s (phi(Q); phi(K) then P; S_b then V): 48 KiB at D = 64.
    expect(wholeOutputBytes(64)).toBe(48 * 1024);
    expect(wholeOutputBytes(32)).toBe(32 * 1024);
    for (const dim of SUPPORTED_DIMS) {
      for (const c of [16, 32, 64, 128, 256]) {
        const fits = dim <= 64 && c % 64 === 0;
        expect(usesWholeOutput(dim, c, 48 * 1024), `d=${dim} c=${c}`).toBe(fits);
        // WebGPU's default 16 KiB never holds it: the sliced kernel serves there.
        expect(usesWholeOutput(dim, c, 16 * 1024)).toBe(false);
      }
    }
  });

  it('groups heads so the chunk states fit one binding, and says so when one head cannot', () => {
    // One head at T = 4096, d = 64, c = 64: 64 chunks x 64 x 65 floats = 1,064,960 bytes.
    expect(chunkStateHeads({ heads: 12, tokens: 4096, dim: 64 }, 64, 4_000_000)).toBe(3);
    expect(chunkStateHeads({ heads: 2, tokens: 4096, dim: 64 }, 64, 1 << 30)).toBe(2);
    expect(() => chunkStateHeads({ heads: 1, tokens: 4096, dim: 64 }, 64, 1_000_000)).toThrow(
      CapacityError,
    );
    expect(() => chunkStateHeads({ heads: 1, tokens: 4096, dim: 64 }, 64, 1_000_000)).toThrow(
      /needs 1,064,960 bytes of chunk states per head; this GPU allows 1,000,000 bytes/,
    );
  });
});
