/**
 * `--verify`: runs every form once on a small shape and compares it with the float64 reference, so
 * that a GPU run checks correctness as well as speed (a fast wrong kernel is worth nothing).
 */
import { createResidentAttention } from '../gpu/attention.ts';
import { referenceAttention } from '../gpu/reference.ts';
import { formFamilies, formSpec, formsOfFamily, formUnavailable } from '../gpu/forms/registry.ts';
import { randomInputs, randomLogDecays } from '../gpu/sweep.ts';
import type {
  AttentionForm,
  AttentionOptions,
  AttentionProblem,
  FeatureMap,
  ResidentAttention,
} from '../gpu/types.ts';

export interface VerifyDeps {
  create(
    device: GPUDevice,
    shape: { heads: number; tokens: number; dim: number },
    options: AttentionOptions,
  ): ResidentAttention | Promise<ResidentAttention>;
  reference(problem: AttentionProblem, options: AttentionOptions): ArrayLike<number>;
}

export interface VerifyResult {
  form: AttentionForm;
  heads: number;
  tokens: number;
  dim: number;
  /** max |gpu - reference| / max |reference|. */
  maxRelError: number;
  tolerance: number;
  ok: boolean;
  /** Why the form could not run at all, else null. */
  error: string | null;
  /** Why it was not run on this device (a missing optional feature), else null; ok stays true. */
  skipped?: string | null;
}

/** Relative to the largest reference value, so that outputs near zero do not blow it up. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    // NaN (a poisoned output the kernel never wrote) must fail, not compare false.
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
  }
  return scale > 0 ? worst / scale : worst;
}

const DEFAULT_DEPS: VerifyDeps = { create: createResidentAttention, reference: referenceAttention };

/**
 * Checks each form on H=2, T=200 (not a multiple of any chunk size, so the ragged last chunk is
 * covered) with fresh random inputs. Tolerance: each form's verifyTolerance (1e-3 for float32 forms:
 * float32 accumulation over 200 keys); a form this device cannot run is skipped with the reason.
 */
export async function verifyForms(
  device: GPUDevice,
  options: {
    forms: readonly AttentionForm[];
    dim: number;
    chunkSize: number;
    featureMap: FeatureMap;
    /** Default true; the bench passes --no-normalize through (identity features with the
     * normaliser can put a denominator near zero, where no float32 order agrees with float64). */
    normalize?: boolean;
    tokens?: number;
  },
  deps?: VerifyDeps,
): Promise<VerifyResult[]> {
  const { create, reference } = deps ?? DEFAULT_DEPS;
  const heads = 2;
  const tokens = options.tokens ?? 200;
  const dim = options.dim;
  const n = heads * tokens * dim;
  const results: VerifyResult[] = [];
  for (const form of options.forms) {
    // 1e-3 for the float32 forms; an f16-input form states its own (FormSpec.verifyTolerance).
    const tolerance = formSpec(form).verifyTolerance;
    const unavailable = formUnavailable(form, device);
    if (unavailable) {
      results.push({
        form,
        heads,
        tokens,
        dim,
        maxRelError: Number.NaN,
        tolerance,
        ok: true,
        error: null,
        skipped: unavailable,
      });
      continue;
    }
    const attention: AttentionOptions = {
      form,
      featureMap: options.featureMap,
      normalize: options.normalize ?? true,
      chunkSize: options.chunkSize,
    };
    const problem: AttentionProblem = {
      heads,
      tokens,
      dim,
      q: randomInputs(n),
      k: randomInputs(n),
      v: randomInputs(n),
      logDecay: randomLogDecays(heads * tokens),
    };
    let resident: ResidentAttention | null = null;
    try {
      resident = await create(device, { heads, tokens, dim }, attention);
      resident.write(problem.q, problem.k, problem.v, problem.logDecay);
      await resident.run();
      const actual = await resident.read();
      const maxRelError = maxRelativeError(actual, reference(problem, attention));
      results.push({
        form,
        heads,
        tokens,
        dim,
        maxRelError,
        tolerance,
        ok: maxRelError <= tolerance,
        error: null,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        form,
        heads,
        tokens,
        dim,
        maxRelError: Number.NaN,
        tolerance,
        ok: false,
        error: message,
      });
    } finally {
      resident?.destroy();
    }
  }
  return results;
}

/**
 * Pairs of forms that compute the same function, for `--cross-check`: within each family (from
 * the registry), every form against the family's last one (its long-context workhorse).
 */
export const CROSS_CHECK_PAIRS: readonly (readonly [AttentionForm, AttentionForm])[] =
  formFamilies().flatMap((family) => {
    // Forms that need an optional feature are checked on their own (verifyForms), not here.
    const forms = formsOfFamily(family).filter((form) => formSpec(form).requires.length === 0);
    const last = forms[forms.length - 1]!;
    return forms.slice(0, -1).map((form) => [form, last] as const);
  });

export interface CrossCheckResult {
  forms: readonly [AttentionForm, AttentionForm];
  heads: number;
  tokens: number;
  dim: number;
  /** max |a - b| / max |a|, or null when a form could not run. */
  maxRelDifference: number | null;
  ok: boolean;
  error: string | null;
}

/**
 * `--cross-check T`: runs two forms of the same function on one set of random inputs at a length
 * too long for the float64 reference (where the long-context code paths, such as softmax-flash's
 * chunked rows, are the ones in use) and compares them on the GPU. Each form is checked against
 * float64 by `verifyForms` at small T; agreement here carries that check to large T.
 */
export async function crossCheckForms(
  device: GPUDevice,
  options: {
    heads: number;
    tokens: number;
    dim: number;
    chunkSize: number;
    featureMap: FeatureMap;
  },
  deps: Pick<VerifyDeps, 'create'> = DEFAULT_DEPS,
): Promise<CrossCheckResult[]> {
  const { heads, tokens, dim } = options;
  const n = heads * tokens * dim;
  const [q, k, v] = [randomInputs(n), randomInputs(n), randomInputs(n)];
  const logDecay = randomLogDecays(heads * tokens);
  const results: CrossCheckResult[] = [];
  for (const forms of CROSS_CHECK_PAIRS) {
    const outputs: Float32Array[] = [];
    let error: string | null = null;
    for (const form of forms) {
      let resident: ResidentAttention | null = null;
      try {
        resident = await deps.create(
          device,
          { heads, tokens, dim },
          {
            form,
            featureMap: options.featureMap,
            chunkSize: options.chunkSize,
          },
        );
        resident.write(q, k, v, logDecay);
        await resident.run();
        outputs.push(await resident.read());
      } catch (thrown) {
        error = `${form}: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
        break;
      } finally {
        resident?.destroy();
      }
    }
    const [a, b] = outputs;
    const difference = a && b && !error ? maxRelativeError(b, a) : null;
    // Two float32 evaluations in different orders, over up to T keys each.
    const ok = difference !== null && difference <= 1e-3;
    results.push({ forms, heads, tokens, dim, maxRelDifference: difference, ok, error });
  }
  return results;
}

export interface SampledRowsResult {
  form: AttentionForm;
  heads: number;
  tokens: number;
  dim: number;
  rows: number;
  /** max |gpu - reference| / max |reference| over the sampled rows. */
  maxRelError: number;
  ok: boolean;
  error: string | null;
}

/**
 * Rows of causal softmax attention at long T worth checking: the first and last, both sides of
 * every 2,048-key boundary (where softmax-flash's chunked rows resume) up to `count`, then random.
 */
export function sampleRows(tokens: number, count: number, random = Math.random): number[] {
  const rows = new Set<number>([0, tokens - 1]);
  for (let b = 2048; b < tokens && rows.size < count / 2; b *= 2) {
    rows.add(b - 1);
    rows.add(b);
  }
  for (let tries = 0; rows.size < Math.min(count, tokens) && tries < 100 * count; tries++) {
    rows.add(Math.floor(random() * tokens));
  }
  return [...rows].sort((a, b) => a - b);
}

/** Float64 causal softmax attention of one row of one head ([head][token][dim] layout). */
export function softmaxRowReference(
  problem: Pick<AttentionProblem, 'tokens' | 'dim' | 'q' | 'k' | 'v'>,
  head: number,
  row: number,
): Float64Array {
  const { tokens, dim, q, k, v } = problem;
  const base = head * tokens * dim;
  const scale = 1 / Math.sqrt(dim);
  const scores = new Float64Array(row + 1);
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j <= row; j++) {
    let dot = 0;
    for (let c = 0; c < dim; c++) dot += q[base + row * dim + c]! * k[base + j * dim + c]!;
    scores[j] = dot * scale;
    max = Math.max(max, scores[j]!);
  }
  const out = new Float64Array(dim);
  let sum = 0;
  for (let j = 0; j <= row; j++) {
    const p = Math.exp(scores[j]! - max);
    sum += p;
    for (let c = 0; c < dim; c++) out[c] = out[c]! + p * v[base + j * dim + c]!;
  }
  for (let c = 0; c < dim; c++) out[c] = out[c]! / sum;
  return out;
}

/**
 * `--verify` at long T: runs a softmax form at `tokens` (output poisoned with NaN first, as every
 * run) and compares sampled rows of every head with the float64 reference, so the long-context
 * paths (chunked rows, many dispatches) are checked against float64, not only against each other.
 */
export async function verifySampledRows(
  device: GPUDevice,
  options: { form: AttentionForm; heads: number; tokens: number; dim: number; rows?: number },
  deps: Pick<VerifyDeps, 'create'> = DEFAULT_DEPS,
): Promise<SampledRowsResult> {
  const { form, heads, tokens, dim } = options;
  const n = heads * tokens * dim;
  const problem = { tokens, dim, q: randomInputs(n), k: randomInputs(n), v: randomInputs(n) };
  const rows = sampleRows(tokens, options.rows ?? 16);
  const result = { form, heads, tokens, dim, rows: rows.length * heads };
  let resident: ResidentAttention | null = null;
  try {
    resident = await deps.create(device, { heads, tokens, dim }, { form });
    resident.write(problem.q, problem.k, problem.v);
    await resident.run();
    const out = await resident.read();
    const actual: number[] = [];
    const expected: number[] = [];
    for (let h = 0; h < heads; h++) {
      for (const row of rows) {
        const offset = (h * tokens + row) * dim;
        actual.push(...out.subarray(offset, offset + dim));
        expected.push(...softmaxRowReference(problem, h, row));
      }
    }
    const maxRelError = maxRelativeError(actual, expected);
    return { ...result, maxRelError, ok: maxRelError <= 1e-3, error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...result, maxRelError: Number.NaN, ok: false, error: message };
  } finally {
    resident?.destroy();
  }
}
