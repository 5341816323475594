/**
 * Single-token generation from the linear-attention recurrent state (decode-state.wgsl): each
 * step folds one token into S (d x d) and z (d) per head and returns its output, at the same cost
 * whatever the position. The gated state ('gated-state') first decays S and z by the token's
 * exp(g), one g per head.
 */
import source from '../kernels/decode-state.wgsl?raw';
import { ShapeError } from '../errors.ts';
import { validateLogDecay, validateToken } from '../validate.ts';
import {
  FEATURE_MAP_CODES,
  MAX_WORKGROUPS_PER_DISPATCH,
  linearKernel,
  normalizerConstants,
} from '../forms/linear/common.ts';
import { getPipeline } from '../pipelines.ts';
import {
  resolveOptions,
  type DecodeShape,
  type Decoder,
  type FeatureMap,
  type GpuWork,
} from '../types.ts';
import { submitAndRead } from '../readback.ts';

const code = linearKernel(source);

/** Resident buffers and the one dispatch of a state step, shared by the decoder and the timing work. */
interface StateStep {
  label: string;
  /** [q, k, v][heads][dim] of the token being fed, then (gated) its log-decays [heads]. */
  token: GPUBuffer;
  /** [heads][dim * dim S, then dim z]. */
  state: GPUBuffer;
  /** [heads][dim]. */
  out: GPUBuffer;
  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void;
  destroy(): void;
}

/** The override constants of decode-state.wgsl. */
export function decodeStateConstants(
  dim: number,
  featureMap: FeatureMap,
  normalize: boolean,
  gated = false,
): Record<string, number> {
  return {
    ...normalizerConstants(),
    D: dim,
    FEATURE_MAP: FEATURE_MAP_CODES[featureMap],
    NORMALIZE: normalize ? 1 : 0,
    GATED: gated ? 1 : 0,
  };
}

function createStateStep(
  device: GPUDevice,
  heads: number,
  dim: number,
  featureMap: FeatureMap,
  normalize: boolean,
  gated: boolean,
  label: string,
): StateStep {
  const pipeline = getPipeline(
    device,
    'decode-state',
    code,
    decodeStateConstants(dim, featureMap, normalize, gated),
  );
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const gridWidth = Math.min(heads, MAX_WORKGROUPS_PER_DISPATCH);
  const buffers: GPUBuffer[] = [];
  const make = (name: string, size: number, usage: number): GPUBuffer => {
    const buffer = device.createBuffer({ label: `${label} ${name}`, size, usage });
    buffers.push(buffer);
    return buffer;
  };
  const params = make('params', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  device.queue.writeBuffer(params, 0, new Uint32Array([heads, gridWidth, 0, 0]));
  const token = make('token q k v', 4 * (3 * heads * dim + (gated ? heads : 0)), storage);
  const state = make('state', 4 * heads * dim * (dim + 1), storage);
  const out = make('out', 4 * heads * dim, storage);
  const bindGroup = device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: [params, token, state, out].map((buffer, binding) => ({
      binding,
      resource: { buffer },
    })),
  });
  return {
    label,
    token,
    state,
    out,
    encode(encoder, timestampWrites) {
      const pass = encoder.beginComputePass(
        timestampWrites ? { label, timestampWrites } : { label },
      );
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(gridWidth, Math.ceil(heads / gridWidth));
      pass.end();
    },
    destroy() {
      for (const buffer of buffers) buffer.destroy();
      buffers.length = 0;
    },
  };
}

function resolveDecode(shape: DecodeShape): { featureMap: FeatureMap; normalize: boolean } {
  const { featureMap, normalize } = resolveOptions({
    form: 'linear-recurrent',
    ...(shape.featureMap ? { featureMap: shape.featureMap } : {}),
    ...(shape.normalize !== undefined ? { normalize: shape.normalize } : {}),
  });
  return { featureMap, normalize };
}

/**
 * A linear-attention decoder whose state S (d x d) and z (d) make each step cost the same.
 * Feature map and normalisation default as in AttentionOptions (softplus, normalised). The state
 * starts at zero (WebGPU zero-fills new buffers).
 */
export function createStateDecoder(device: GPUDevice, shape: DecodeShape): Decoder {
  const { heads, dim } = shape;
  const { featureMap, normalize } = resolveDecode(shape);
  const gated = shape.kind === 'gated-state';
  const label = `decode/${shape.kind} H=${heads} d=${dim} phi=${featureMap}${normalize ? '' : ' unnormalized'}`;
  const step = createStateStep(device, heads, dim, featureMap, normalize, gated, label);
  const readback = device.createBuffer({
    label: `${label} readback`,
    size: 4 * heads * dim,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const staged = new Float32Array(3 * heads * dim + (gated ? heads : 0));
  let position = 0;
  let destroyed = false;
  return {
    shape,
    get position() {
      return position;
    },
    async step(q, k, v, logDecay) {
      if (destroyed) throw new ShapeError(`${label}: step after destroy().`);
      validateToken({ q, k, v }, heads, dim);
      if (gated) validateLogDecay(logDecay, heads, 1, 'gated-state');
      staged.set(q, 0);
      staged.set(k, heads * dim);
      staged.set(v, 2 * heads * dim);
      if (gated) staged.set(logDecay!, 3 * heads * dim);
      device.queue.writeBuffer(step.token, 0, staged);
      const encoder = device.createCommandEncoder({ label: `${label} step ${position}` });
      step.encode(encoder);
      position++;
      return submitAndRead(device, encoder, step.out, readback, readback.size);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      step.destroy();
      readback.destroy();
    },
  };
}

/**
 * One token's state update and output as GpuWork, with a random state standing for `position`
 * tokens already folded in (the cost does not depend on it), for per-token timing. Every `encode`
 * folds the same token in again, so the state keeps growing, as in real generation.
 */
export function createStateDecodeWork(
  device: GPUDevice,
  shape: DecodeShape & { position: number },
): GpuWork {
  const { heads, dim, position } = shape;
  const { featureMap, normalize } = resolveDecode(shape);
  const gated = shape.kind === 'gated-state';
  const label = `decode/${shape.kind} H=${heads} d=${dim} position=${position} phi=${featureMap}`;
  const step = createStateStep(device, heads, dim, featureMap, normalize, gated, label);
  const random = (n: number, lo: number, hi: number): Float32Array =>
    Float32Array.from({ length: n }, () => lo + (hi - lo) * Math.random());
  device.queue.writeBuffer(step.token, 0, random(3 * heads * dim, -1, 1));
  // Decays in [0.9, 1), as in randomLogDecays (sweep.ts).
  if (gated) device.queue.writeBuffer(step.token, 4 * 3 * heads * dim, random(heads, -0.1, 0));
  // z is a sum of `position` feature vectors: keep it positive, as softplus and elu1 make it.
  const state = random(heads * dim * (dim + 1), -1, 1);
  for (let h = 0; h < heads; h++) {
    const z = h * dim * (dim + 1) + dim * dim;
    for (let r = 0; r < dim; r++) state[z + r] = 1 + Math.max(1, position) * Math.random();
  }
  device.queue.writeBuffer(step.state, 0, state);
  let destroyed = false;
  return {
    label,
    // The gated step also decays S and z: d^2 + d more per head.
    flops: heads * (gated ? 5 * dim * dim + 5 * dim : 4 * dim * dim + 4 * dim),
    encode(encoder, timestamps) {
      const writes = timestamps
        ? {
            querySet: timestamps.querySet,
            beginningOfPassWriteIndex: timestamps.beginIndex,
            endOfPassWriteIndex: timestamps.endIndex,
          }
        : undefined;
      step.encode(encoder, writes);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      step.destroy();
    },
  };
}
