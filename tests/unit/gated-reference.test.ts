import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/gpu/costs.ts';
import {
  referenceGatedQuadratic,
  referenceGatedRecurrent,
} from '../../src/gpu/forms/gated/reference.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import { FORM_SPECS, formsOfFamily } from '../../src/gpu/forms/registry.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import { FEATURE_MAPS, resolveOptions, type AttentionProblem } from '../../src/gpu/types.ts';
import { validateProblem } from '../../src/gpu/validate.ts';

function random(n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * Math.random());
}

function problem(heads: number, tokens: number, dim: number, lo = -2, hi = 0): AttentionProblem {
  const n = heads * tokens * dim;
  return {
    heads,
    tokens,
    dim,
    q: random(n),
    k: random(n),
    v: random(n),
    logDecay: random(heads * tokens, lo, hi),
  };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('the gated float64 reference', () => {
  it('the unrolled sum and the recurrence agree for every feature map, normalised or not', () => {
    for (const featureMap of FEATURE_MAPS) {
      for (const normalize of [true, false]) {
        const p = problem(2, 23, 8);
        if (featureMap === 'identity' && normalize) {
          // Signed q and k can put the denominator near zero, where no evaluation order agrees.
          p.q = random(p.q.length, 0, 1);
          p.k = random(p.k.length, 0, 1);
        }
        const options = { featureMap, normalize };
        expect(
          maxDiff(referenceGatedQuadratic(p, options), referenceGatedRecurrent(p, options)),
        ).toBeLessThan(1e-10);
      }
    }
  });

  it('with every g_t = 0 it is ungated linear attention', () => {
    const p = { ...problem(2, 30, 8), logDecay: new Float32Array(60) };
    const options = resolveOptions({ form: 'gated-recurrent' });
    expect(maxDiff(referenceGatedRecurrent(p, options), referenceLinearAttention(p, options))).toBe(
      0,
    );
  });

  it('with a decay of 0 from every token on, each output sees only its own token', () => {
    const p = problem(1, 5, 4);
    p.logDecay = new Float32Array(5).fill(-1e4);
    const out = referenceGatedQuadratic(p, { featureMap: 'identity', normalize: false });
    for (let i = 0; i < 5; i++) {
      let a = 0;
      for (let x = 0; x < 4; x++) a += p.q[i * 4 + x]! * p.k[i * 4 + x]!;
      for (let c = 0; c < 4; c++) expect(out[i * 4 + c]).toBeCloseTo(a * p.v[i * 4 + c]!, 6);
    }
  });

  it('referenceAttention sends every gated form to the gated reference', () => {
    const p = problem(1, 40, 16, -0.5, -0.1);
    for (const form of formsOfFamily('gated')) {
      const options = resolveOptions({ form });
      const expected = referenceGatedRecurrent(p, options);
      expect(maxDiff(referenceAttention(p, { form }), expected)).toBe(0);
      // And not to the ungated one, which these decays change by far more than rounding.
      expect(maxDiff(referenceLinearAttention(p, options), expected)).toBeGreaterThan(1e-3);
    }
  });
});

describe('log-decay validation', () => {
  const base = problem(2, 3, 16);
  const check = (logDecay: Float32Array | undefined) => () =>
    validateProblem({ ...base, logDecay } as AttentionProblem, { form: 'gated-chunked' });

  it('names the first positive or non-finite value, with its head and token', () => {
    expect(check(Float32Array.of(0, -1, -2, 0.25, 3, -1))).toThrow(
      'logDecay[3] (head 1, token 0) is 0.25; each g_t must be a finite number <= 0, so that the ' +
        'decay exp(g_t) is at most 1.',
    );
    expect(check(Float32Array.of(0, Number.NaN, 1, 0, 0, 0))).toThrow(
      /logDecay\[1\] \(head 0, token 1\) is NaN/,
    );
    expect(check(Float32Array.of(0, 0, -Infinity, 0, 0, 0))).toThrow(
      /logDecay\[2\].* is -Infinity/,
    );
  });

  it('asks for logDecay when missing, and checks its length', () => {
    expect(check(undefined)).toThrow(
      'gated-chunked needs logDecay, a Float32Array of log-decays g_t laid out [heads][tokens].',
    );
    expect(check(new Float32Array(5))).toThrow(
      'logDecay has 5 values; heads x tokens = 2 x 3 = 6.',
    );
  });

  it('ungated forms ignore it', () => {
    expect(() =>
      validateProblem({ ...base, logDecay: Float32Array.of(1) }, { form: 'linear-chunked' }),
    ).not.toThrow();
  });
});

describe('the gated cost models', () => {
  it('gated-chunked costs within 3% of linear-chunked in FLOPs (T = 4,096 to 131,072, d = 64, c = 64)', () => {
    for (const tokens of [4096, 131_072]) {
      const shape = { heads: 12, tokens, dim: 64 };
      const gated = estimateCost('gated-chunked', shape).flops;
      const linear = estimateCost('linear-chunked', shape).flops;
      expect(gated / linear).toBeGreaterThan(1);
      expect(gated / linear).toBeLessThan(1.03);
    }
  });

  it('every gated form reads the log-decays and the linear options', () => {
    for (const form of formsOfFamily('gated')) {
      expect(FORM_SPECS[form].inputs).toContain('logDecay');
      expect(FORM_SPECS[form].options).toEqual(expect.arrayContaining(['featureMap', 'normalize']));
    }
  });
});
