/**
 * The trainer's causal attention op, behind a small interface (TrainAttentionFactory): an op is
 * built once for fixed buffers and hands the trainer its forward and backward operations. Two
 * implement it: this file's, the trainer's default, and createFastAttention (attention-fast.ts) on
 * the engine's flash and chunked training kernels, for long sequences (the one-layer step).
 *
 * This implementation materialises the T x T weights per sequence and head (the trainer's
 * sequences are short: MQAR's are at most a few hundred tokens) and keeps them for the backward
 * pass. Its float64 twin is `attention` / `attentionBackward` in reference.ts.
 */
import { FEATURE_MAP_CODES } from '../forms/linear/common.ts';
import { NORMALIZER_EPS } from '../types.ts';
import { encodeOps, KernelBuilder, packUniform, type TrainOp } from './kernels.ts';
import type { AttentionDims, AttentionSettings } from './reference.ts';

export type { AttentionDims, AttentionSettings } from './reference.ts';

/**
 * The buffers of one attention call. q, k, v, y and their gradients are [batch][tokens][heads x
 * headDim] (head h in columns h*headDim ..); logDecay and dLogDecay (gated only) [batch][tokens][heads].
 */
export interface TrainAttentionBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  logDecay: GPUBuffer | null;
  y: GPUBuffer;
  /** The loss's gradient with respect to y (read by the backward pass). */
  dy: GPUBuffer;
  dq: GPUBuffer;
  dk: GPUBuffer;
  dv: GPUBuffer;
  dLogDecay: GPUBuffer | null;
}

/** One attention call's operations: forward writes y; backward writes dq, dk, dv (, dLogDecay). */
export interface TrainAttention {
  readonly forward: readonly TrainOp[];
  readonly backward: readonly TrainOp[];
  /** Bytes of GPU memory it holds beyond the buffers it was given. */
  readonly bytes: number;
  destroy(): void;
}

/** Builds an attention op for fixed buffers (the trainer's default: createMaterialisedAttention). */
export type TrainAttentionFactory = (
  device: GPUDevice,
  dims: AttentionDims,
  settings: AttentionSettings,
  buffers: TrainAttentionBuffers,
  label: string,
) => TrainAttention;

/** The longest sequence the materialised op takes (its weights grow as T^2). */
export const MATERIALISED_MAX_TOKENS = 1024;

/** Bytes the materialised op keeps: weights, score gradients and (gated) pair terms, T x T each. */
export function materialisedAttentionBytes(dims: AttentionDims, gated: boolean): number {
  const pairs = dims.batch * dims.heads * dims.tokens * dims.tokens;
  return 4 * (pairs * (gated ? 3 : 2) + 2 * dims.batch * dims.heads * dims.tokens);
}

/** Causal attention with materialised T x T weights: softmax, linear or gated linear. */
export const createMaterialisedAttention: TrainAttentionFactory = (
  device,
  dims,
  settings,
  buffers,
  label,
) => {
  const gated = settings.form === 'gated';
  if (gated !== (buffers.logDecay !== null && buffers.dLogDecay !== null)) {
    throw new Error('The gated form needs logDecay and dLogDecay buffers; the others take none.');
  }
  const { batch: B, tokens: T, heads: H } = dims;
  if (T > MATERIALISED_MAX_TOKENS) {
    throw new RangeError(
      `tokens (${T}) is over ${MATERIALISED_MAX_TOKENS.toLocaleString('en-US')}: this attention ` +
        'op materialises T x T weights; createFastAttention (attention-fast.ts) holds none.',
    );
  }
  const pairs = B * H * T * T;
  if (4 * pairs > device.limits.maxStorageBufferBindingSize) {
    throw new RangeError(
      `The T x T weights need ${(4 * pairs).toLocaleString('en-US')} bytes; this GPU allows ` +
        `${device.limits.maxStorageBufferBindingSize.toLocaleString('en-US')} bytes per buffer. ` +
        'Use fewer sequences per batch or shorter ones.',
    );
  }
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const owned: GPUBuffer[] = [];
  const make = (name: string, floats: number): GPUBuffer => {
    const buffer = device.createBuffer({
      label: `${label} ${name} B=${B} H=${H} T=${T}`,
      size: 4 * Math.max(4, floats),
      usage: storage,
    });
    owned.push(buffer);
    return buffer;
  };
  const weights = make('weights', pairs);
  const dScores = make('score gradients', pairs);
  const decayTerms = make('decay terms', gated ? pairs : 4);
  const denominators = make('denominators', B * H * T);
  const cumulative = make('cumulative log-decays', gated ? B * H * T : 4);
  const kernels = new KernelBuilder(device, label);
  const shape = packUniform([B, T, H, dims.headDim]);
  const flags = {
    SOFTMAX: settings.form === 'softmax' ? 1 : 0,
    GATED: gated ? 1 : 0,
    NORMALIZE: settings.normalize ? 1 : 0,
  };
  const featureMap = FEATURE_MAP_CODES[settings.featureMap];
  const rows = B * T * H * dims.headDim;

  const forward: TrainOp[] = [];
  if (gated) {
    forward.push(
      kernels.dispatch({
        kernel: 'attention-cumsum',
        label: 'cumsum',
        uniform: shape,
        buffers: [buffers.logDecay!, cumulative],
        items: B * H,
      }).op,
    );
  }
  forward.push(
    kernels.dispatch({
      kernel: 'attention-weights',
      label: 'weights',
      constants: { ...flags, FEATURE_MAP: featureMap, EPS: NORMALIZER_EPS },
      uniform: shape,
      buffers: [buffers.q, buffers.k, cumulative, weights, denominators],
      items: B * H * T,
    }).op,
    kernels.dispatch({
      kernel: 'attention-output',
      label: 'output',
      uniform: shape,
      buffers: [weights, buffers.v, buffers.y],
      items: rows,
    }).op,
  );
  const backward: TrainOp[] = [
    kernels.dispatch({
      kernel: 'attention-backward-scores',
      label: 'score gradients',
      constants: flags,
      uniform: shape,
      buffers: [buffers.dy, buffers.v, weights, denominators, cumulative, dScores, decayTerms],
      items: B * H * T,
    }).op,
    kernels.dispatch({
      kernel: 'attention-backward-qkv',
      label: 'dq dk dv',
      constants: { SOFTMAX: flags.SOFTMAX, FEATURE_MAP: featureMap },
      uniform: shape,
      buffers: [
        buffers.q,
        buffers.k,
        buffers.dy,
        weights,
        dScores,
        buffers.dq,
        buffers.dk,
        buffers.dv,
      ],
      items: rows,
    }).op,
  ];
  if (gated) {
    backward.push(
      kernels.dispatch({
        kernel: 'attention-backward-decay',
        label: 'log-decay gradients',
        uniform: shape,
        buffers: [decayTerms, buffers.dLogDecay!],
        items: B * H,
      }).op,
    );
  }
  return {
    forward,
    backward,
    bytes: owned.reduce((sum, b) => sum + b.size, 0),
    destroy() {
      for (const buffer of owned) buffer.destroy();
      owned.length = 0;
      kernels.destroy();
    },
  };
};

/** Inputs of one attention call on the CPU (layouts as TrainAttentionBuffers). */
export interface TrainAttentionInputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  logDecay: Float32Array | null;
  dy: Float32Array;
}

/** Outputs of one forward and backward attention call. */
export interface TrainAttentionOutputs {
  y: Float32Array;
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  dLogDecay: Float32Array | null;
}

/**
 * Runs one attention op's forward and backward passes on fresh buffers (outputs poisoned with NaN
 * first) and reads every result back: the check of an op against the float64 reference, and of
 * one op against another. Creates and destroys everything it uses.
 */
export async function runTrainAttention(
  device: GPUDevice,
  dims: AttentionDims,
  settings: AttentionSettings,
  inputs: TrainAttentionInputs,
  factory: TrainAttentionFactory = createMaterialisedAttention,
): Promise<TrainAttentionOutputs> {
  const gated = settings.form === 'gated';
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const created: GPUBuffer[] = [];
  const upload = (name: string, data: Float32Array): GPUBuffer => {
    const buffer = device.createBuffer({
      label: `attention check ${name}`,
      size: data.byteLength,
      usage,
    });
    device.queue.writeBuffer(buffer, 0, data);
    created.push(buffer);
    return buffer;
  };
  const n = dims.batch * dims.tokens * dims.heads * dims.headDim;
  const nDecay = dims.batch * dims.tokens * dims.heads;
  const poison = (count: number): Float32Array => new Float32Array(count).fill(Number.NaN);
  if (gated && !inputs.logDecay) throw new Error('The gated form needs logDecay.');
  const buffers: TrainAttentionBuffers = {
    q: upload('q', inputs.q),
    k: upload('k', inputs.k),
    v: upload('v', inputs.v),
    logDecay: gated ? upload('log-decays', inputs.logDecay!) : null,
    dy: upload('dy', inputs.dy),
    y: upload('y', poison(n)),
    dq: upload('dq', poison(n)),
    dk: upload('dk', poison(n)),
    dv: upload('dv', poison(n)),
    dLogDecay: gated ? upload('log-decay gradients', poison(nDecay)) : null,
  };
  const op = factory(device, dims, settings, buffers, 'attention check');
  try {
    const encoder = device.createCommandEncoder({ label: 'attention check' });
    encodeOps(encoder, [...op.forward, ...op.backward], 'attention check');
    const read = async (buffer: GPUBuffer): Promise<Float32Array> => {
      const staging = device.createBuffer({
        label: `${buffer.label} readback`,
        size: buffer.size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      created.push(staging);
      const e = device.createCommandEncoder();
      e.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
      device.queue.submit([e.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return out;
    };
    device.queue.submit([encoder.finish()]);
    return {
      y: await read(buffers.y),
      dq: await read(buffers.dq),
      dk: await read(buffers.dk),
      dv: await read(buffers.dv),
      dLogDecay: buffers.dLogDecay ? await read(buffers.dLogDecay) : null,
    };
  } finally {
    op.destroy();
    for (const buffer of created) buffer.destroy();
  }
}
