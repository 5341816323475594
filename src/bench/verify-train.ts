/**
 * `--train --verify`: runs each trainable form's forward and backward once on a small shape
 * (every row against the float64 gradients) and once at a long context (sampled rows: softmax dq
 * of rows anywhere and dk, dv of the last rows; linear and gated every row of one head), with
 * fresh random inputs and upstream gradients, outputs poisoned with NaN before the run.
 */
import {
  isTrainableForm,
  referenceLinearGradients,
  referenceSoftmaxGradients,
  runAttentionBackward,
  type AttentionGradients,
  type BackwardProblem,
  type GradientRows,
} from '../gpu/backward/index.ts';
import { randomInputs, randomLogDecays } from '../gpu/sweep.ts';
import type { AttentionForm, FeatureMap, ResolvedOptions } from '../gpu/types.ts';

export interface TrainCheck {
  form: AttentionForm;
  heads: number;
  tokens: number;
  dim: number;
  /** What was compared: "all rows" or which rows. */
  rows: string;
  /** Worst of dq, dk, dv (and dg) as ||gpu - ref|| / max(||ref||, 1e-2 ||dO||) over the compared rows. */
  errors: Record<string, number>;
  tolerance: number;
  ok: boolean;
  error: string | null;
}

/** Positive inputs where identity features meet the normaliser (as the forward checks draw them). */
function draw(n: number, positive: boolean): Float32Array {
  const x = randomInputs(n);
  if (positive) for (let i = 0; i < n; i++) x[i] = Math.abs(x[i]!);
  return x;
}

function gradientError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  dOut: ArrayLike<number>,
  rows: readonly number[],
  width: number,
): number {
  let diff = 0;
  let norm = 0;
  let up = 0;
  for (const row of rows) {
    for (let x = row * width; x < (row + 1) * width; x++) {
      const d = actual[x]! - expected[x]!;
      diff += Number.isNaN(d) ? Number.POSITIVE_INFINITY : d * d;
      norm += expected[x]! ** 2;
      up += (dOut[x] ?? 0) ** 2;
    }
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-2 * Math.sqrt(up));
}

export async function verifyTraining(
  device: GPUDevice,
  config: {
    forms: readonly AttentionForm[];
    dim: number;
    chunkSize: number;
    featureMap: FeatureMap;
    normalize: boolean;
    /** The long context (sampled rows), or null for the small check only. */
    longTokens: number | null;
  },
): Promise<TrainCheck[]> {
  const checks: TrainCheck[] = [];
  const shapes = [
    { heads: 2, tokens: 1000 },
    ...(config.longTokens ? [{ heads: 2, tokens: config.longTokens }] : []),
  ];
  for (const form of config.forms.filter(isTrainableForm)) {
    for (const { heads, tokens } of shapes) {
      const d = config.dim;
      const n = heads * tokens * d;
      const options: ResolvedOptions = {
        form,
        featureMap: config.featureMap,
        normalize: config.normalize,
        chunkSize: Math.min(config.chunkSize, 64),
      };
      const positive =
        form !== 'softmax-flash' && config.featureMap === 'identity' && config.normalize;
      const problem: BackwardProblem = {
        heads,
        tokens,
        dim: d,
        q: draw(n, positive),
        k: draw(n, positive),
        v: randomInputs(n),
        dOut: randomInputs(n),
        ...(form === 'gated-chunked' ? { logDecay: randomLogDecays(heads * tokens) } : {}),
      };
      const long = tokens > 1000;
      const check: TrainCheck = {
        form,
        heads,
        tokens,
        dim: d,
        rows: long ? '' : 'all rows',
        errors: {},
        tolerance: 1e-4,
        ok: false,
        error: null,
      };
      try {
        const gpu = await runAttentionBackward(device, problem, options);
        let expected: AttentionGradients;
        // Rows compared per output, as indices into [heads x tokens].
        let queryRows: number[];
        let keyRows: number[];
        const all = Array.from({ length: heads * tokens }, (_, i) => i);
        if (form === 'softmax-flash') {
          let rows: GradientRows | undefined;
          if (long) {
            const picks = Array.from({ length: 16 }, () => Math.floor(Math.random() * tokens));
            rows = {
              heads: [1],
              queryRows: [...picks, tokens - 1],
              keyRows: Array.from({ length: 8 }, (_, i) => tokens - 1 - 7 * i),
            };
            check.rows = `head 1: dq of ${rows.queryRows.length} random rows, dk and dv of 8 rows near the end`;
          }
          expected = referenceSoftmaxGradients(problem, problem.dOut, rows);
          queryRows = rows ? rows.queryRows.map((r) => tokens + r) : all;
          keyRows = rows ? rows.keyRows.map((r) => tokens + r) : all;
        } else {
          expected = referenceLinearGradients(
            problem,
            options,
            problem.dOut,
            long ? [1] : undefined,
          );
          queryRows = long ? all.slice(tokens) : all;
          keyRows = queryRows;
          if (long) check.rows = 'every row of head 1';
        }
        check.errors.dq = gradientError(gpu.dq, expected.q, problem.dOut, queryRows, d);
        check.errors.dk = gradientError(gpu.dk, expected.k, problem.dOut, keyRows, d);
        check.errors.dv = gradientError(gpu.dv, expected.v, problem.dOut, keyRows, d);
        if (expected.logDecay && gpu.dLogDecay) {
          check.errors.dg = gradientError(gpu.dLogDecay, expected.logDecay, [], keyRows, 1);
        }
        check.ok = Object.values(check.errors).every((e) => e <= check.tolerance);
      } catch (error) {
        check.error = error instanceof Error ? error.message : String(error);
      }
      checks.push(check);
    }
  }
  return checks;
}
