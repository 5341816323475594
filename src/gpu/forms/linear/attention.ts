/**
 * `linear-attention`: linear attention in its attention (quadratic) form, tiled like
 * FlashAttention without the running max (linear-attention.wgsl). Work 4 d T(T+1)/2 per head,
 * memory O(T d): the T x T scores never leave the workgroup.
 */
import source from '../../kernels/linear-attention.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import type { AttentionShape, ResolvedOptions } from '../../types.ts';
import { passTimestamps, type FormFactory } from '../form.ts';
import {
  ATTENTION_KEY_TILE,
  bindBuffers,
  attentionTileConstants,
  chooseAttentionTiles,
  createParams,
  encodeDispatches,
  FEATURE_MAP_CODES,
  splitWorkgroups,
  linearKernel,
  type AttentionTiles,
  type PlannedDispatch,
  type WorkgroupRange,
} from './common.ts';

const code = linearKernel(source, { tiles: true });

/** The override constants of linear-attention.wgsl: also the numbers the dispatch maths uses. */
export function linearAttentionConstants(
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
  tiles: AttentionTiles,
): Record<string, number> {
  return {
    ...attentionTileConstants(dim, tiles),
    FEATURE_MAP: FEATURE_MAP_CODES[options.featureMap],
    NORMALIZE: options.normalize ? 1 : 0,
  };
}

/** Query blocks per head and the bounded dispatches over the (head, block) grid. */
export function planLinearAttention(
  shape: AttentionShape,
  constants: Record<string, number>,
  maxFlops?: number,
): { blocksPerHead: number; ranges: WorkgroupRange[] } {
  const BQ = 4 * constants.TY!;
  const BK = ATTENTION_KEY_TILE;
  const blocksPerHead = Math.ceil(shape.tokens / BQ);
  // Workgroup w takes block blocksPerHead - 1 - floor(w / H) of head w mod H: heaviest first, so a
  // dispatch's tail is short. Block b reads keys up to its last row: 4 d FLOPs per (row, key).
  const flopsOf = (w: number): number => {
    const b = blocksPerHead - 1 - Math.floor(w / shape.heads);
    const keys = Math.ceil(Math.min((b + 1) * BQ, shape.tokens) / BK) * BK;
    return 4 * shape.dim * BQ * keys;
  };
  return { blocksPerHead, ranges: splitWorkgroups(shape.heads * blocksPerHead, flopsOf, maxFlops) };
}

/** Choices the device normally makes; tests force them to cover every path. */
export interface LinearAttentionTuning {
  /** Default: the largest tiling that fits the device's workgroup memory. */
  tiles?: AttentionTiles;
  /** Default: MAX_DISPATCH_FLOPS. */
  maxDispatchFlops?: number;
}

/** The form with forced tuning (tests use it to cover tilings and splits the device would not pick). */
export function createLinearAttentionWith(tuning: LinearAttentionTuning = {}): FormFactory {
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    const chosen =
      tuning.tiles ?? chooseAttentionTiles(device.limits.maxComputeWorkgroupStorageSize, shape.dim);
    const constants = linearAttentionConstants(shape.dim, options, chosen);
    const pipeline = getPipeline(device, 'linear-attention', code, constants);
    const { blocksPerHead, ranges } = planLinearAttention(
      shape,
      constants,
      tuning.maxDispatchFlops,
    );
    const dispatches: PlannedDispatch[] = ranges.map((range, i) => {
      const name = `${label} dispatch ${i + 1}/${ranges.length}`;
      const params = createParams(ctx.createBuffer, device, `${name} params`, [
        shape.tokens,
        range.offset,
        blocksPerHead,
        shape.heads,
      ]);
      return {
        pipeline,
        bindGroup: bindBuffers(device, pipeline, name, [params, ctx.q, ctx.k, ctx.v, ctx.out]),
        workgroups: [range.count],
      };
    });
    return {
      encode(encoder, timestamps) {
        encodeDispatches(encoder, label, dispatches, passTimestamps(timestamps, 0, 1));
      },
    };
  };
}

/** The FormFactory the dispatcher registers for 'linear-attention'. */
export const createLinearAttention: FormFactory = createLinearAttentionWith();
