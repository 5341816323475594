/**
 * A NaN or an Infinity in one token must stay where causal attention puts it: rows before the
 * token never see it, so they stay finite and equal to the float64 reference; rows from the token
 * on are non-finite exactly where the reference is. Masking by multiplying with 0 fails this
 * (0 x NaN is NaN), masking with select passes. The reference itself is checked first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { createDecoder } from '../../src/gpu/generation/index.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import {
  referenceLinearAttentionQuadratic,
  referenceLinearAttentionRecurrent,
} from '../../src/gpu/forms/linear/reference.ts';
import { type AttentionProblem, type DecodeKind } from '../../src/gpu/types.ts';
// The f16 matrix form is left out: its P V product multiplies a later value by p = 0, so a NaN
// there reaches earlier rows (it requires finite inputs; src/gpu/kernels/softmax-flash-f16-mma.wgsl).
import { CORE_FORMS } from '../../src/gpu/forms/registry.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

const HEADS = 2;
const TOKENS = 40;
/** The token that carries the planted value, in head 1, at column 3. */
const ROW = 20;
const PLANT_HEAD = 1;
const PLANT_COL = 3;
const TOLERANCE = 1e-4;

type Tensor = 'q' | 'k' | 'v';
const TENSORS: Tensor[] = ['q', 'k', 'v'];
const VALUES: [string, number][] = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
];

function plantedProblem(dim: number, tensor: Tensor, value: number): AttentionProblem {
  const n = HEADS * TOKENS * dim;
  const problem = {
    heads: HEADS,
    tokens: TOKENS,
    dim,
    q: randomArray(n),
    k: randomArray(n),
    v: randomArray(n),
    // Read by the gated forms only: decays in [0.6, 1], none small enough to underflow here.
    logDecay: Float32Array.from({ length: HEADS * TOKENS }, () => -0.5 * Math.random()),
  };
  problem[tensor][(PLANT_HEAD * TOKENS + ROW) * dim + PLANT_COL] = value;
  return problem;
}

/** The first `tokens` tokens of every head. */
function truncate(problem: AttentionProblem, tokens: number): AttentionProblem {
  const { heads, dim } = problem;
  const cut = (a: Float32Array): Float32Array => {
    const out = new Float32Array(heads * tokens * dim);
    for (let h = 0; h < heads; h++) {
      out.set(
        a.subarray(h * problem.tokens * dim, (h * problem.tokens + tokens) * dim),
        h * tokens * dim,
      );
    }
    return out;
  };
  return { heads, tokens, dim, q: cut(problem.q), k: cut(problem.k), v: cut(problem.v) };
}

/**
 * Compares a GPU output with the float64 reference, element by element: rows before ROW (and the
 * head without a planted value) must be finite and within TOLERANCE (relative to the largest
 * reference value of the row); every element must be finite exactly where the reference is.
 * Returns the mismatches as readable lines (empty when all is well).
 */
function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, dim: number): string[] {
  const problems: string[] = [];
  for (let h = 0; h < HEADS; h++) {
    for (let t = 0; t < TOKENS; t++) {
      const base = (h * TOKENS + t) * dim;
      let scale = 1;
      for (let c = 0; c < dim; c++) {
        const e = expected[base + c]!;
        if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
      }
      for (let c = 0; c < dim; c++) {
        const a = actual[base + c]!;
        const e = expected[base + c]!;
        const before = h !== PLANT_HEAD || t < ROW;
        if (before && !Number.isFinite(a)) {
          problems.push(`head ${h} row ${t} col ${c}: ${a} before the planted row`);
        } else if (Number.isFinite(a) !== Number.isFinite(e)) {
          problems.push(`head ${h} row ${t} col ${c}: ${a}, reference ${e}`);
        } else if (Number.isFinite(e) && Math.abs(a - e) > TOLERANCE * scale) {
          problems.push(`head ${h} row ${t} col ${c}: ${a}, reference ${e}`);
        }
        if (problems.length >= 8) return problems;
      }
    }
  }
  return problems;
}

describe('the float64 reference propagates non-finite values as causal attention does', () => {
  for (const [valueName, value] of VALUES) {
    for (const tensor of TENSORS) {
      it(`${valueName} in ${tensor} at row ${ROW} of ${TOKENS} leaves rows 0-${ROW - 1} as if it were absent`, () => {
        const problem = plantedProblem(16, tensor, value);
        const prefix = truncate(problem, ROW);
        for (const form of ['softmax-naive', 'linear-attention'] as const) {
          const full = referenceAttention(problem, { form });
          const short = referenceAttention(prefix, { form });
          for (let h = 0; h < HEADS; h++) {
            for (let i = 0; i < ROW * 16; i++) {
              expect(full[h * TOKENS * 16 + i]).toBe(short[h * ROW * 16 + i]);
            }
          }
          // And the planted row itself is affected (otherwise the test above proves nothing).
          const row = full.subarray(
            (PLANT_HEAD * TOKENS + ROW) * 16,
            (PLANT_HEAD * TOKENS + ROW + 1) * 16,
          );
          if (!(form === 'softmax-naive' && tensor === 'k' && value > 0)) {
            expect([...row].some((x) => !Number.isFinite(x))).toBe(true);
          }
        }
      });
    }
  }

  it('the quadratic and recurrent linear references agree on where values are non-finite', () => {
    for (const [, value] of VALUES) {
      for (const tensor of TENSORS) {
        // T > d, so referenceLinearAttention would pick the recurrent one: compare both directly.
        const problem = plantedProblem(16, tensor, value);
        for (const featureMap of ['softplus', 'elu1', 'identity'] as const) {
          const options = { featureMap, normalize: true };
          const a = referenceLinearAttentionQuadratic(problem, options);
          const b = referenceLinearAttentionRecurrent(problem, options);
          for (let i = 0; i < a.length; i++) {
            expect(Number.isFinite(a[i]!), `${tensor} ${featureMap} element ${i}`).toBe(
              Number.isFinite(b[i]!),
            );
          }
        }
      }
    }
  });
});

describe.skipIf(!gpu)('non-finite inputs on the GPU stay in their causal future', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await readyDevice()).device;
  });
  afterAll(() => device?.destroy());

  for (const dim of [32, 128]) {
    for (const form of CORE_FORMS) {
      for (const tensor of TENSORS) {
        for (const [valueName, value] of VALUES) {
          it(`${form} (d=${dim}) with ${valueName} in ${tensor} at row ${ROW} of ${TOKENS} matches the float64 reference`, async () => {
            const problem = plantedProblem(dim, tensor, value);
            // Chunks of 16 put the planted row mid-chunk, after a whole chunk.
            const options = { form, chunkSize: 16 } as const;
            const expected = referenceAttention(problem, options);
            const actual = await runAttention(device, problem, options);
            expect(compare(actual, expected, dim)).toEqual([]);
          });
        }
      }
    }
  }

  for (const kind of ['kv-cache', 'state', 'gated-state'] as DecodeKind[]) {
    for (const tensor of TENSORS) {
      for (const [valueName, value] of VALUES) {
        it(`the ${kind} decoder with ${valueName} in ${tensor} at step ${ROW} matches the float64 reference`, async () => {
          const dim = 32;
          const problem = plantedProblem(dim, tensor, value);
          const expected = referenceAttention(problem, {
            form:
              kind === 'kv-cache'
                ? 'softmax-naive'
                : kind === 'state'
                  ? 'linear-recurrent'
                  : 'gated-recurrent',
          });
          const decoder = createDecoder(device, { kind, heads: HEADS, dim }, TOKENS);
          const actual = new Float32Array(HEADS * TOKENS * dim);
          const slice = (a: Float32Array, t: number): Float32Array => {
            const s = new Float32Array(HEADS * dim);
            for (let h = 0; h < HEADS; h++) {
              s.set(a.subarray((h * TOKENS + t) * dim, (h * TOKENS + t + 1) * dim), h * dim);
            }
            return s;
          };
          try {
            for (let t = 0; t < TOKENS; t++) {
              const decay = Float32Array.from(
                { length: HEADS },
                (_, h) => problem.logDecay![h * TOKENS + t]!,
              );
              const y = await decoder.step(
                slice(problem.q, t),
                slice(problem.k, t),
                slice(problem.v, t),
                kind === 'gated-state' ? decay : undefined,
              );
              for (let h = 0; h < HEADS; h++) {
                actual.set(y.subarray(h * dim, (h + 1) * dim), (h * TOKENS + t) * dim);
              }
            }
          } finally {
            decoder.destroy();
          }
          expect(compare(actual, expected, dim)).toEqual([]);
        });
      }
    }
  }
});
