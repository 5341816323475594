/**
 * linear-chunked-f16: the chunked linear form (forms/linear/chunked.ts: summaries, prefix, output)
 * with phi(Q), phi(K) and V held in f16. One pass (kernels/linear-chunked-f16-inputs.wgsl) maps q
 * and k by phi in f32 and rounds the three to f16; the same three chunked kernels then read f16
 * (their element type QKV from linear-inputs-f16.wgsl) and convert every value to f32 as they load
 * it: every product and sum, the chunk states and the output stay f32. What f16 changes is the
 * bytes the kernels read (half) and the inputs' precision (11 bits); its error bound is derived in
 * accuracy.ts (checkF16Linear). No matrix units: the arithmetic is the float32 form's.
 */
import inputsPassSource from '../../kernels/linear-chunked-f16-inputs.wgsl?raw';
import { gridFor } from '../../dispatch.ts';
import { getPipeline } from '../../pipelines.ts';
import { LINEAR_INPUTS_WGSL } from '../../wgsl.ts';
import type { FormContext, FormFactory } from '../form.ts';
import { missingFeatures } from '../spec.ts';
import {
  createLinearChunkedWith,
  type ChunkedInputs,
  type LinearChunkedTuning,
} from '../linear/chunked.ts';
import {
  bindBuffers,
  createParams,
  FEATURE_MAP_CODES,
  linearKernel,
  MAX_WORKGROUPS_PER_DISPATCH,
  type PlannedDispatch,
} from '../linear/common.ts';

/**
 * Where the f16 values live: 'f16' (shader-f16: f16 storage) or 'f16-emulated' (f32 storage
 * holding f16-rounded values: the same arithmetic where the device lacks shader-f16, for tests).
 */
export type LinearF16Storage = 'f16' | 'f16-emulated';

/** Why the device cannot run linear-chunked-f16, as a sentence, or null. */
export function linearF16Unsupported(device: GPUDevice): string | null {
  return missingFeatures('linear-chunked-f16', ['shader-f16'], device);
}

const passCodes: Record<LinearF16Storage, string> = {
  f16: linearKernel(inputsPassSource, { inputs: LINEAR_INPUTS_WGSL.f16 }),
  'f16-emulated': linearKernel(inputsPassSource, { inputs: LINEAR_INPUTS_WGSL['f16-emulated'] }),
};

/** The chunked kernels' inputs in f16: phi(Q), phi(K), V made by one pass. */
export function f16ChunkedInputs(storage: LinearF16Storage): ChunkedInputs {
  const name = storage === 'f16' ? 'linear-chunked-f16' : 'linear-chunked-f16-emulated';
  return {
    name,
    wgsl: LINEAR_INPUTS_WGSL[storage],
    prepare(ctx: FormContext) {
      const { device, shape, options, label } = ctx;
      const pass = getPipeline(device, `${name}-inputs`, passCodes[storage], {
        FEATURE_MAP: FEATURE_MAP_CODES[options.featureMap],
      });
      const elements = shape.heads * shape.tokens * shape.dim;
      const size = (storage === 'f16' ? 2 : 4) * elements;
      const usage = GPUBufferUsage.STORAGE;
      const q = ctx.createBuffer({ label: `${label} phi(q) ${storage}`, size, usage });
      const k = ctx.createBuffer({ label: `${label} phi(k) ${storage}`, size, usage });
      const v = ctx.createBuffer({ label: `${label} v ${storage}`, size, usage });
      const vec4s = elements / 4;
      const [x, y] = gridFor(Math.ceil(vec4s / 256), MAX_WORKGROUPS_PER_DISPATCH);
      const params = createParams(ctx.createBuffer, device, `${label} f16 inputs params`, [
        vec4s,
        x,
      ]);
      const dispatch: PlannedDispatch = {
        pipeline: pass,
        bindGroup: bindBuffers(device, pass, `${label} f16 inputs`, [
          params,
          ctx.q,
          ctx.k,
          ctx.v,
          q,
          k,
          v,
        ]),
        workgroups: [x, y],
      };
      return { q, k, v, dispatches: [dispatch] };
    },
  };
}

/** The form with forced storage and tuning (tests run 'f16-emulated' on SwiftShader). */
export function createLinearChunkedF16With(
  storage: LinearF16Storage = 'f16',
  tuning: LinearChunkedTuning = {},
): FormFactory {
  const inner = createLinearChunkedWith(tuning, false, f16ChunkedInputs(storage));
  return (ctx) => {
    if (storage === 'f16') {
      const why = linearF16Unsupported(ctx.device);
      if (why) throw new Error(why);
    }
    return inner(ctx);
  };
}

/** linear-chunked-f16's factory (f16 storage; needs shader-f16). */
export const createLinearChunkedF16: FormFactory = createLinearChunkedF16With('f16');
