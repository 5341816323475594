/**
 * The trainer's attention op on the engine's fast training kernels (src/gpu/backward/): the
 * FlashAttention-2-style softmax backward and the chunked linear and gated backward, none of which
 * holds a T x T matrix, so that the trainer and the one-layer training step run at long contexts.
 *
 * The kernels read [heads][tokens][dim] with a batch as more heads; the trainer keeps
 * [batch][tokens][heads x headDim]. train-head-layout.wgsl moves q, k, v (and the log-decays) into
 * the kernels' layout before the forward and the output back after it, and dL/dy in and dq, dk,
 * dv (, dL/dg) back around the backward: eight copies of a [tokens][dModel] tensor per step.
 */
import { createAttentionTraining } from '../backward/index.ts';
import { trainingFormOf } from '../forms/registry.ts';
import { DEFAULT_CHUNK_SIZE } from '../types.ts';
import { KernelBuilder, packUniform, type TrainOp } from './kernels.ts';
import type { TrainAttentionFactory } from './attention.ts';

/** Chunk size of the chunked forms' backward (at most 64, the backward kernels' limit). */
export const FAST_ATTENTION_CHUNK = Math.min(64, DEFAULT_CHUNK_SIZE);

/** Causal attention of the trainer's form on the engine's training kernels. */
export const createFastAttention: TrainAttentionFactory = (
  device,
  dims,
  settings,
  buffers,
  label,
) => {
  const form = trainingFormOf(settings.form);
  const gated = settings.form === 'gated';
  if (gated !== (buffers.logDecay !== null && buffers.dLogDecay !== null)) {
    throw new Error('The gated form needs logDecay and dLogDecay buffers; the others take none.');
  }
  const { batch: B, tokens: T, heads: H, headDim: d } = dims;
  const step = createAttentionTraining(
    device,
    { heads: B * H, tokens: T, dim: d },
    {
      form,
      featureMap: settings.featureMap,
      normalize: settings.normalize,
      chunkSize: FAST_ATTENTION_CHUNK,
    },
  );
  const kernels = new KernelBuilder(device, `${label} ${form}`);
  const move = (
    name: string,
    source: GPUBuffer,
    target: GPUBuffer,
    toHeads: boolean,
    width = d,
  ): TrainOp =>
    kernels.dispatch({
      kernel: 'head-layout',
      label: name,
      constants: { TO_HEADS: toHeads ? 1 : 0 },
      uniform: packUniform([B, T, H, width]),
      buffers: [source, target],
      items: B * T * H * width,
    }).op;
  const b = step.buffers;
  const forward: TrainOp[] = [
    move('q in', buffers.q, b.q, true),
    move('k in', buffers.k, b.k, true),
    move('v in', buffers.v, b.v, true),
    ...(gated ? [move('log-decays in', buffers.logDecay!, b.logDecay!, true, 1)] : []),
    { kind: 'encode', label: `${step.label} forward`, encode: (e) => step.encodeForward(e) },
    move('out', b.out, buffers.y, false),
  ];
  const backward: TrainOp[] = [
    move('dy in', buffers.dy, b.dOut, true),
    { kind: 'encode', label: `${step.label} backward`, encode: (e) => step.encodeBackward(e) },
    move('dq out', b.dq, buffers.dq, false),
    move('dk out', b.dk, buffers.dk, false),
    move('dv out', b.dv, buffers.dv, false),
    ...(gated ? [move('d log-decays out', b.dLogDecay!, buffers.dLogDecay!, false, 1)] : []),
  ];
  const held = new Set(Object.values(b) as GPUBuffer[]);
  return {
    forward,
    backward,
    bytes: [...held].reduce((sum, buffer) => sum + buffer.size, 0),
    destroy() {
      step.destroy();
      kernels.destroy();
    },
  };
};
