import { describe, expect, it } from 'vitest';
import { CROSS_CHECK_PAIRS, crossCheckForms, maxRelativeError } from '../../src/bench/verify.ts';
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
