/**
 * `linear-recurrent`: linear attention as an RNN (linear-recurrent.wgsl): sequential over tokens,
 * parallel over heads, state columns and state rows, O(d^2) state per head kept in registers during a
 * dispatch and in a buffer between dispatches of at most MAX_DISPATCH_TOKENS tokens.
 */
import source from '../../kernels/linear-recurrent.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import type { AttentionShape, ResolvedOptions } from '../../types.ts';
import { passTimestamps, type FormFactory } from '../form.ts';
import {
  bindBuffers,
  createParams,
  encodeDispatches,
  FEATURE_MAP_CODES,
  MAX_DISPATCH_TOKENS,
  MAX_WORKGROUPS_PER_DISPATCH,
  requireLogDecay,
  linearKernel,
  normalizerConstants,
  type PlannedDispatch,
} from './common.ts';

/** The kernel with the gate off (linear-recurrent) and on (gated-recurrent). */
const codes = {
  ungated: linearKernel(source, { gated: false }),
  gated: linearKernel(source, { gated: true }),
};

/** Floats of each phi(k), phi(q) staging array (TB * D) where workgroup memory allows 32 KiB. */
const STAGED_FLOATS = 1024;

/**
 * The override constants of linear-recurrent.wgsl. Workgroup memory is about 9 TB D bytes
 * (18 KiB at TB D = 1024); on a device with less than 32 KiB, half the tokens per block.
 */
export function linearRecurrentConstants(
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
  workgroupStorageBytes = 32_768,
): Record<string, number> {
  const staged = workgroupStorageBytes >= 32_768 ? STAGED_FLOATS : STAGED_FLOATS / 2;
  return {
    ...normalizerConstants(),
    D: dim,
    CB: Math.min(dim, 32),
    TB: staged / dim,
    FEATURE_MAP: FEATURE_MAP_CODES[options.featureMap],
    NORMALIZE: options.normalize ? 1 : 0,
  };
}

/** Token ranges and workgroup ranges: one dispatch per pair. */
export function planLinearRecurrent(
  shape: AttentionShape,
  constants: Record<string, number>,
  maxTokens = MAX_DISPATCH_TOKENS,
): { tokenBegin: number; tokenEnd: number; offset: number; count: number }[] {
  const workgroups = shape.heads * (shape.dim / constants.CB!);
  const plan = [];
  for (let t = 0; t < shape.tokens; t += maxTokens) {
    for (let w = 0; w < workgroups; w += MAX_WORKGROUPS_PER_DISPATCH) {
      plan.push({
        tokenBegin: t,
        tokenEnd: Math.min(t + maxTokens, shape.tokens),
        offset: w,
        count: Math.min(MAX_WORKGROUPS_PER_DISPATCH, workgroups - w),
      });
    }
  }
  return plan;
}

/**
 * The form with a chosen token span per dispatch (tests shrink it to exercise the carry); `gated`
 * turns on the per-token decay (the gated-recurrent form, whose log-decays are ctx.logDecay).
 */
export function createLinearRecurrentWith(
  maxTokens = MAX_DISPATCH_TOKENS,
  gated = false,
): FormFactory {
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    const gate = gated ? requireLogDecay(ctx) : undefined;
    const constants = linearRecurrentConstants(
      shape.dim,
      options,
      device.limits.maxComputeWorkgroupStorageSize,
    );
    const pipeline = getPipeline(
      device,
      gated ? 'gated-recurrent' : 'linear-recurrent',
      gated ? codes.gated : codes.ungated,
      constants,
    );
    const state = ctx.createBuffer({
      label: `${label} state`,
      size: 4 * shape.heads * shape.dim * (shape.dim + 1),
      usage: GPUBufferUsage.STORAGE,
    });
    const plan = planLinearRecurrent(shape, constants, maxTokens);
    const dispatches: PlannedDispatch[] = plan.map((p, i) => {
      const name = `${label} tokens ${p.tokenBegin}..${p.tokenEnd} dispatch ${i + 1}/${plan.length}`;
      const params = createParams(ctx.createBuffer, device, `${name} params`, [
        shape.tokens,
        p.tokenBegin,
        p.tokenEnd,
        p.offset,
      ]);
      return {
        pipeline,
        bindGroup: bindBuffers(
          device,
          pipeline,
          name,
          [params, ctx.q, ctx.k, ctx.v, ctx.out, state],
          gate,
        ),
        workgroups: [p.count],
      };
    });
    return {
      encode(encoder, timestamps) {
        encodeDispatches(encoder, label, dispatches, passTimestamps(timestamps, 0, 1));
      },
    };
  };
}

/** The FormFactory the dispatcher registers for 'linear-recurrent'. */
export const createLinearRecurrent: FormFactory = createLinearRecurrentWith();
