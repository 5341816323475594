/**
 * `gated-recurrent`: gated linear attention as an RNN (gated-recurrent.wgsl), S = a S + phi(k) v^T
 * token by token: the dispatch plan and override constants of linear-recurrent, with the
 * log-decays as one more input.
 */
import source from '../../kernels/gated-recurrent.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import { passTimestamps, type FormFactory } from '../form.ts';
import {
  bindBuffers,
  createParams,
  encodeDispatches,
  MAX_DISPATCH_TOKENS,
  withFeatureMap,
  type PlannedDispatch,
} from '../linear/common.ts';
import { linearRecurrentConstants, planLinearRecurrent } from '../linear/recurrent.ts';

const code = withFeatureMap(source);

/** The form with a chosen token span per dispatch (tests shrink it to exercise the carry). */
export function createGatedRecurrentWith(maxTokens = MAX_DISPATCH_TOKENS): FormFactory {
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    if (!ctx.logDecay) throw new Error(`${label}: the dispatcher gave no logDecay buffer.`);
    const constants = linearRecurrentConstants(
      shape.dim,
      options,
      device.limits.maxComputeWorkgroupStorageSize,
    );
    const pipeline = getPipeline(device, 'gated-recurrent', code, constants);
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
        bindGroup: bindBuffers(device, pipeline, name, [
          params,
          ctx.q,
          ctx.k,
          ctx.v,
          ctx.out,
          state,
          ctx.logDecay!,
        ]),
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

/** The FormFactory the registry lists for 'gated-recurrent'. */
export const createGatedRecurrent: FormFactory = createGatedRecurrentWith();
