import { describe, expect, it } from 'vitest';
import { maxRelativeError } from '../../src/bench/verify.ts';

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
