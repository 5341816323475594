import { describe, expect, it } from 'vitest';
import { checkCapacity, planHeadGroups } from '../../src/gpu/capacity.ts';
import { CapacityError, ShapeError } from '../../src/gpu/errors.ts';
import { resolveOptions, type AttentionOptions } from '../../src/gpu/types.ts';
import { validateOptions, validateProblem, validateShape } from '../../src/gpu/validate.ts';

function problem(heads: number, tokens: number, dim: number, qLength = heads * tokens * dim) {
  const n = heads * tokens * dim;
  const fill = (m: number) => Float32Array.from({ length: m }, () => Math.random() - 0.5);
  return { heads, tokens, dim, q: fill(qLength), k: fill(n), v: fill(n) };
}

describe('validateProblem', () => {
  it('accepts every supported dim and any token count, and fills in the defaults', () => {
    for (const dim of [16, 32, 64, 128]) {
      expect(validateProblem(problem(2, 17, dim), { form: 'linear-chunked' })).toEqual({
        form: 'linear-chunked',
        featureMap: 'softplus',
        normalize: true,
        chunkSize: 64,
      });
    }
  });

  it('says how many values q has and how many the shape needs', () => {
    expect(() => validateProblem(problem(3, 17, 64, 1000), { form: 'softmax-flash' })).toThrow(
      new ShapeError('q has 1,000 values; heads x tokens x dim = 3 x 17 x 64 = 3,264.'),
    );
  });

  it.each([
    [{ heads: 0, tokens: 4, dim: 16 }, 'heads must be a whole number of at least 1 (got 0).'],
    [{ heads: 1.5, tokens: 4, dim: 16 }, 'heads must be a whole number of at least 1 (got 1.5).'],
    [{ heads: 1, tokens: 0, dim: 16 }, 'tokens must be a whole number of at least 1 (got 0).'],
    [{ heads: 1, tokens: 2.5, dim: 16 }, 'tokens must be a whole number of at least 1 (got 2.5).'],
    [{ heads: 1, tokens: 4, dim: 48 }, 'dim must be one of 16, 32, 64, 128 (got 48).'],
  ])('rejects the shape %j with a sentence', (shape, message) => {
    expect(() => validateShape(shape)).toThrow(new ShapeError(message));
  });

  it.each([
    [{ form: 'softmax-fast' }, /Unknown form "softmax-fast": use one of softmax-naive, /],
    [{ form: 'linear-attention', featureMap: 'relu' }, /Unknown feature map "relu": use one of/],
    [
      { form: 'linear-chunked', chunkSize: 48 },
      /chunk size must be one of 16, 32, 64, 128, 256 \(got 48\)/,
    ],
    [{ form: 'linear-chunked', chunkSize: 512 }, /got 512/],
  ])('rejects the options %j with a sentence', (options, message) => {
    expect(() => validateOptions(options as unknown as AttentionOptions)).toThrow(message);
    expect(() => validateOptions(options as unknown as AttentionOptions)).toThrow(ShapeError);
  });
});

describe('checkCapacity and planHeadGroups', () => {
  const limits = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };

  it('names the bytes of scores softmax-naive needs and the per-buffer limit', () => {
    const shape = { heads: 12, tokens: 65_536, dim: 64 };
    let thrown: unknown;
    try {
      checkCapacity(shape, resolveOptions({ form: 'softmax-naive' }), limits);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CapacityError);
    const error = thrown as CapacityError;
    expect(error.message).toBe(
      'softmax-naive at T = 65,536 needs 16 GiB of scores per head; this GPU allows 2 GiB per ' +
        'buffer. The tiled kernel (softmax-flash) needs none.',
    );
    expect(error.bytesNeeded).toBe(2 ** 34);
    expect(error.limitBytes).toBe(2 ** 31);
  });

  it('lets softmax-flash through where softmax-naive stops, and stops at one head of inputs', () => {
    const shape = { heads: 12, tokens: 65_536, dim: 64 };
    expect(() =>
      checkCapacity(shape, resolveOptions({ form: 'softmax-flash' }), limits),
    ).not.toThrow();
    const tiny = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 };
    expect(() => checkCapacity(shape, resolveOptions({ form: 'softmax-flash' }), tiny)).toThrow(
      'softmax-flash at T = 65,536 needs 16 MiB for each of q, k, v and the output per head; ' +
        'this GPU allows 1 MiB per buffer.',
    );
  });

  it('uses the smaller of the binding and buffer limits', () => {
    const shape = { heads: 1, tokens: 1024, dim: 64 };
    const options = resolveOptions({ form: 'softmax-naive' });
    expect(() =>
      checkCapacity(shape, options, {
        maxStorageBufferBindingSize: 2 ** 30,
        maxBufferSize: 2 ** 21,
      }),
    ).toThrow(/allows 2 MiB per buffer/);
  });

  it('keeps all heads in one group when they fit, and splits them evenly when they do not', () => {
    const shape = { heads: 12, tokens: 4096, dim: 64 }; // 1 MiB per head
    expect(planHeadGroups(shape, limits)).toEqual([{ first: 0, count: 12 }]);
    const fiveMiB = { maxStorageBufferBindingSize: 5 * 2 ** 20, maxBufferSize: 2 ** 30 };
    expect(planHeadGroups(shape, fiveMiB)).toEqual([
      { first: 0, count: 5 },
      { first: 5, count: 5 },
      { first: 10, count: 2 },
    ]);
  });
});
