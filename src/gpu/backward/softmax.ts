/**
 * Causal softmax attention for training, FlashAttention-2-style (Dao 2023): a forward pass that
 * also saves each query row's log-sum-exp, and a backward pass that recomputes the probabilities
 * from it instead of storing the T x T matrix. Kernels, one file each:
 *   softmax-train-forward.wgsl   O and lse (two sweeps over the keys: statistics, then output);
 *   softmax-backward-delta.wgsl  D_i = dO_i . O_i;
 *   softmax-backward-dq.wgsl     dQ, per query block;
 *   softmax-backward-dkdv.wgsl   dK and dV, per key block.
 * Work: forward 3 T^2 d, backward 5 T^2 d multiply-adds per head (causal halves of the products).
 */
import commonSource from '../kernels/softmax-train-common.wgsl?raw';
import forwardSource from '../kernels/softmax-train-forward.wgsl?raw';
import deltaSource from '../kernels/softmax-backward-delta.wgsl?raw';
import dqSource from '../kernels/softmax-backward-dq.wgsl?raw';
import dkdvSource from '../kernels/softmax-backward-dkdv.wgsl?raw';
import { getPipeline } from '../pipelines.ts';
import { composeWgsl, ROW_THREADS_WGSL } from '../wgsl.ts';
import { encodeDispatches, type PlannedDispatch } from '../forms/linear/common.ts';
import { BACKWARD_TILE, BACKWARD_TILES_WGSL, planThreads, planTiles, type Owner } from './plan.ts';
import type { TrainingBuffers, TrainingPlan } from './types.ts';
import type { AttentionShape } from '../types.ts';

const codes = {
  forward: composeWgsl(BACKWARD_TILES_WGSL, commonSource, forwardSource),
  delta: composeWgsl(ROW_THREADS_WGSL, deltaSource),
  dq: composeWgsl(BACKWARD_TILES_WGSL, commonSource, dqSource),
  dkdv: composeWgsl(BACKWARD_TILES_WGSL, commonSource, dkdvSource),
};

export function planSoftmaxTraining(
  device: GPUDevice,
  owner: Owner,
  shape: AttentionShape,
  buffers: TrainingBuffers,
  label: string,
): TrainingPlan {
  const { heads: H, tokens: T, dim: d } = shape;
  const constants = { D: d, SCALE: 1 / Math.sqrt(d) };
  const blocks = Math.ceil(T / BACKWARD_TILE);
  const tileFlops = 2 * BACKWARD_TILE * BACKWARD_TILE * d;
  const stats = owner.create({
    label: `${label} row statistics (lse, D)`,
    size: 8 * H * T,
    usage: GPUBufferUsage.STORAGE,
  });
  const { q, k, v, out, dOut, dq, dk, dv } = buffers;
  const params = (offset: number): number[] => [T, offset, blocks];
  const forward = planTiles(
    device,
    owner,
    getPipeline(device, 'softmax-train-forward', codes.forward, constants),
    `${label} forward`,
    H * blocks,
    (w) => 3 * ((w % blocks) + 1) * tileFlops,
    params,
    { 1: q, 2: k, 3: v, 4: out, 5: stats },
  );
  const backward: PlannedDispatch[] = [
    planThreads(
      device,
      owner,
      getPipeline(device, 'softmax-backward-delta', codes.delta, { D: d }),
      `${label} delta`,
      H * T,
      64,
      [H * T],
      { 1: out, 2: dOut, 3: stats },
    ),
    ...planTiles(
      device,
      owner,
      getPipeline(device, 'softmax-backward-dq', codes.dq, constants),
      `${label} dq`,
      H * blocks,
      (w) => 3 * ((w % blocks) + 1) * tileFlops,
      params,
      { 1: q, 2: k, 3: v, 4: dOut, 5: stats, 6: dq },
    ),
    ...planTiles(
      device,
      owner,
      getPipeline(device, 'softmax-backward-dkdv', codes.dkdv, constants),
      `${label} dk dv`,
      H * blocks,
      (w) => 4 * (blocks - (w % blocks)) * tileFlops,
      params,
      { 1: q, 2: k, 3: v, 4: dOut, 5: stats, 6: dk, 7: dv },
    ),
  ];
  return {
    forward: (encoder) => encodeDispatches(encoder, `${label} forward`, forward, undefined),
    backward,
  };
}
