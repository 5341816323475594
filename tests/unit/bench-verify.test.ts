import { describe, expect, it } from 'vitest';
import {
  CROSS_CHECK_PAIRS,
  crossCheckForms,
  maxRelativeError,
  sampleRows,
  softmaxRowReference,
} from '../../src/bench/verify.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import type { AttentionForm, AttentionOptions, ResidentAttention } from '../../src/gpu/types.ts';

describe('the --verify error measure', () => {
  it('is the largest absolute difference over the largest reference magnitude', () => {
    const expected = Float64Array.from([2, -4, 0.001]);
    const actual = Float32Array.from([2.002, -4, 0.003]);
    expect(maxRelativeError(actual, expected)).toBeCloseTo(0.002 / 4, 6);
  });

  it('is zero for an exact match and infinite for a NaN or a length mismatch', () => {
    const x = Float64Array.from([0.5, -0.25, 3]);
    expect(maxRelativeError(Float32Array.from(x), x)).toBe(0);
    expect(maxRelativeError(Float32Array.from([0.5, Number.NaN, 3]), x)).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(maxRelativeError(Float32Array.from([0.5]), x)).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps a NaN fatal even when it comes after a large difference', () => {
    const expected = Float64Array.from([1, 1, 1]);
    expect(maxRelativeError(Float32Array.from([3, Number.NaN, 1]), expected)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('--cross-check', () => {
  // A stand-in for a resident form: its output is the q input scaled per form, so a test can make
  // two forms agree or disagree without a GPU.
  function fakeCreate(scale: Partial<Record<AttentionForm, number>>, failing?: AttentionForm) {
    return async (
      _device: GPUDevice,
      shape: { heads: number; tokens: number; dim: number },
      options: AttentionOptions,
    ) => {
      if (options.form === failing) throw new Error('out of room');
      let q: Float32Array = new Float32Array(0);
      let destroyed = false;
      return {
        write: (input: Float32Array) => {
          q = input;
        },
        run: async () => {},
        read: async () => q.map((x) => x * (scale[options.form] ?? 1)),
        destroy: () => {
          destroyed = true;
        },
        get destroyed() {
          return destroyed;
        },
        shape,
      } as unknown as ResidentAttention;
    };
  }
  const shape = { heads: 2, tokens: 40, dim: 16, chunkSize: 64, featureMap: 'softplus' as const };

  it('passes forms that agree and fails a pair that differs by more than 1e-3', async () => {
    const results = await crossCheckForms({} as GPUDevice, shape, {
      create: fakeCreate({ 'softmax-flash': 1.01 }),
    });
    expect(results.map((r) => r.forms.join(' vs '))).toEqual(
      CROSS_CHECK_PAIRS.map((p) => p.join(' vs ')),
    );
    const softmax = results[0]!;
    expect(softmax.ok).toBe(false);
    expect(softmax.maxRelDifference).toBeCloseTo(0.01, 4);
    expect(results.slice(1).every((r) => r.ok && r.maxRelDifference === 0)).toBe(true);
  });

  it('reports a form that cannot run instead of a number', async () => {
    const results = await crossCheckForms({} as GPUDevice, shape, {
      create: fakeCreate({}, 'softmax-naive'),
    });
    expect(results[0]).toMatchObject({ ok: false, maxRelDifference: null });
    expect(results[0]!.error).toMatch(/softmax-naive: out of room/);
  });
});

describe('sampled rows at long T', () => {
  it('samples the first and last rows and both sides of the 2,048-key chunk boundaries', () => {
    let x = 0;
    const rows = sampleRows(16_384, 16, () => (x = (x + 0.37) % 1));
    expect(rows).toContain(0);
    expect(rows).toContain(16_383);
    expect(rows).toContain(2047);
    expect(rows).toContain(2048);
    expect(rows).toContain(8192);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows.length).toBe(16);
    expect(rows.every((r) => r >= 0 && r < 16_384)).toBe(true);
    expect(sampleRows(16_384, 16, () => 0.5).length).toBeLessThanOrEqual(16);
  });

  it('one row of the float64 reference equals the full reference', () => {
    const heads = 2;
    const tokens = 37;
    const dim = 16;
    const n = heads * tokens * dim;
    const rand = () => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
    const problem = { heads, tokens, dim, q: rand(), k: rand(), v: rand() };
    const full = referenceAttention(problem, { form: 'softmax-flash' });
    for (const [h, row] of [
      [0, 0],
      [1, 36],
      [1, 17],
    ] as const) {
      const one = softmaxRowReference(problem, h, row);
      const offset = (h * tokens + row) * dim;
      for (let c = 0; c < dim; c++) expect(one[c]).toBeCloseTo(full[offset + c]!, 12);
    }
  });
});
