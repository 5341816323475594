/**
 * softmax-naive: the textbook form. Per head, S = Q K^T / sqrt(d) is written out as a T x T matrix
 * (kernels/softmax-naive-scores.wgsl), each row is softmaxed in place (softmax-naive-rows.wgsl) and
 * Y = P V (softmax-naive-output.wgsl). Heads go through one score buffer a group at a time, so
 * many heads alone never exhaust memory; the dispatcher's capacity check refuses a T whose one
 * head's scores do not fit a buffer.
 */
import { perBufferLimit } from '../../limits.ts';
import outputSource from '../../kernels/softmax-naive-output.wgsl?raw';
import rowsSource from '../../kernels/softmax-naive-rows.wgsl?raw';
import scoresSource from '../../kernels/softmax-naive-scores.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import { composeWgsl, SOFTMAX_NAIVE_WGSL, WORKGROUP_REDUCE_WGSL } from '../../wgsl.ts';
import type { FormFactory } from '../form.ts';
import { passTimestamps } from '../form.ts';
import {
  encodeDispatches,
  f32Bits,
  planSlices,
  prepareDispatches,
  type PreparedDispatch,
} from '../../dispatch.ts';

/**
 * Tiles of the two matrix products: TM x TM blocks of S (TK dimensions staged at a time) and TM rows
 * x 16 dimensions of Y (TK keys staged at a time); each thread owns 4 rows (and 4 columns of S).
 */
export const NAIVE_TILES = {
  scores: { TM: 64, TK: 16 },
  output: { TM: 64, TK: 32 },
} as const;
/** Output dimensions per workgroup of the P V kernel (a constant in the WGSL). */
const OUTPUT_TN = 16;
/** Threads per row in the row-softmax kernel. */
export const NAIVE_ROW_THREADS = 64;
/** The score buffer never grows past this many bytes unless one head alone needs more. */
export const NAIVE_SCORES_CAP = 2 ** 30;

/** Heads whose T x T scores share one buffer: as many as fit the cap and the device, at least 1. */
export function naiveScoreHeads(
  heads: number,
  tokens: number,
  limits: Parameters<typeof perBufferLimit>[0],
): number {
  const perHead = tokens * tokens * 4;
  const room = Math.min(perBufferLimit(limits), NAIVE_SCORES_CAP);
  return Math.max(1, Math.min(heads, Math.floor(room / perHead)));
}

export const createSoftmaxNaive: FormFactory = (ctx) => {
  const { device, shape, label } = ctx;
  const { heads, tokens: T, dim: d } = shape;
  const scoresPipeline = getPipeline(
    device,
    'attention/softmax-naive-scores',
    composeWgsl(scoresSource, SOFTMAX_NAIVE_WGSL),
    {
      D: d,
      ...NAIVE_TILES.scores,
    },
  );
  const rowsPipeline = getPipeline(
    device,
    'attention/softmax-naive-rows',
    composeWgsl(rowsSource, SOFTMAX_NAIVE_WGSL, WORKGROUP_REDUCE_WGSL),
    {
      WG: NAIVE_ROW_THREADS,
    },
  );
  const outputPipeline = getPipeline(
    device,
    'attention/softmax-naive-output',
    composeWgsl(outputSource, SOFTMAX_NAIVE_WGSL),
    {
      D: d,
      ...NAIVE_TILES.output,
    },
  );
  const groupHeads = naiveScoreHeads(heads, T, device.limits);
  const scores = ctx.createBuffer({
    label: `${label} scores (${groupHeads} heads x T x T)`,
    size: groupHeads * T * T * 4,
    usage: GPUBufferUsage.STORAGE,
  });
  const st = Math.ceil(T / NAIVE_TILES.scores.TM);
  const nt = Math.ceil(T / NAIVE_TILES.output.TM);
  const dt = d / OUTPUT_TN;
  const scale = f32Bits(1 / Math.sqrt(d));
  const steps: { pipeline: GPUComputePipeline; prepared: PreparedDispatch[]; name: string }[] = [];
  for (let first = 0; first < heads; first += groupHeads) {
    const hs = Math.min(groupHeads, heads - first);
    const tag = `${label} heads ${first}-${first + hs - 1}`;
    // Only blocks on or below the diagonal: st (st + 1) / 2 per head.
    const scoreSlices = planSlices(
      (hs * st * (st + 1)) / 2,
      () => 2 * NAIVE_TILES.scores.TM ** 2 * d,
    );
    steps.push({
      name: 'scores',
      pipeline: scoresPipeline,
      prepared: prepareDispatches(
        device,
        ctx.createBuffer,
        `${tag} scores`,
        scoresPipeline,
        scoreSlices.map(({ offset, count }) => ({
          params: [T, hs, first, st, offset, count, scale, 0],
          storage: [ctx.q, ctx.k, scores],
          count,
        })),
      ),
    });
    const rowSlices = planSlices(hs * T, (item) => 8 * ((item % T) + 1));
    steps.push({
      name: 'rows',
      pipeline: rowsPipeline,
      prepared: prepareDispatches(
        device,
        ctx.createBuffer,
        `${tag} rows`,
        rowsPipeline,
        rowSlices.map(({ offset, count }) => ({
          params: [T, hs, 0, 0, offset, count, 0, 0],
          storage: [scores],
          count,
        })),
      ),
    });
    const outSlices = planSlices(hs * nt * dt, (item) => {
      const rt = Math.floor(item / dt) % nt;
      return 2 * NAIVE_TILES.output.TM ** 2 * OUTPUT_TN * (rt + 1);
    });
    steps.push({
      name: 'output',
      pipeline: outputPipeline,
      prepared: prepareDispatches(
        device,
        ctx.createBuffer,
        `${tag} output`,
        outputPipeline,
        outSlices.map(({ offset, count }) => ({
          params: [T, hs, first, nt, offset, count, 0, 0],
          storage: [scores, ctx.v, ctx.out],
          count,
        })),
      ),
    });
  }
  return {
    encode(encoder, timestamps) {
      steps.forEach((step, index) => {
        const pass = encoder.beginComputePass({
          label: `${label} ${step.name}`,
          timestampWrites: passTimestamps(timestamps, index, steps.length),
        });
        encodeDispatches(pass, step.pipeline, step.prepared);
        pass.end();
      });
    },
  };
};
