/**
 * The trainer's kernels (src/gpu/kernels/train/, one per file) composed with their shared pieces,
 * and the small machinery that turns them into a fixed list of GPU operations: every dispatch of a
 * training step has its pipeline, uniforms and bind group made once, so a step only encodes.
 */
import { composeWgsl, FEATURE_MAP_WGSL, NORMALIZER_WGSL } from '../wgsl.ts';
import { gridFor } from '../dispatch.ts';
import { getPipeline } from '../pipelines.ts';
import grid from '../kernels/train/train-grid.wgsl?raw';
import embed from '../kernels/train/train-embed.wgsl?raw';
import embedBackward from '../kernels/train/train-embed-backward.wgsl?raw';
import matmul from '../kernels/train/train-matmul.wgsl?raw';
import layerNormCommon from '../kernels/train/train-layer-norm-common.wgsl?raw';
import layerNorm from '../kernels/train/train-layer-norm.wgsl?raw';
import layerNormBackward from '../kernels/train/train-layer-norm-backward.wgsl?raw';
import columnSum from '../kernels/train/train-column-sum.wgsl?raw';
import activationCommon from '../kernels/train/train-activation-common.wgsl?raw';
import activation from '../kernels/train/train-activation.wgsl?raw';
import activationBackward from '../kernels/train/train-activation-backward.wgsl?raw';
import crossEntropy from '../kernels/train/train-cross-entropy.wgsl?raw';
import adamw from '../kernels/train/train-adamw.wgsl?raw';
import gate from '../kernels/train/train-gate.wgsl?raw';
import gateBackward from '../kernels/train/train-gate-backward.wgsl?raw';
import attentionShape from '../kernels/train/train-attention-shape.wgsl?raw';
import attentionCumsum from '../kernels/train/train-attention-cumsum.wgsl?raw';
import attentionWeights from '../kernels/train/train-attention-weights.wgsl?raw';
import attentionOutput from '../kernels/train/train-attention-output.wgsl?raw';
import attentionBackwardScores from '../kernels/train/train-attention-backward-scores.wgsl?raw';
import attentionBackwardQkv from '../kernels/train/train-attention-backward-qkv.wgsl?raw';
import attentionBackwardDecay from '../kernels/train/train-attention-backward-decay.wgsl?raw';
import headLayout from '../kernels/train/train-head-layout.wgsl?raw';

/** Invocations per workgroup of every trainer kernel (its WORKGROUP_SIZE override). */
export const TRAIN_WORKGROUP_SIZE = 64;

/** The k depth train-matmul.wgsl steps by (its DEPTH); a split's depth is a multiple of it. */
export const MATMUL_DEPTH = 16;

/** Workgroups a product should have before it is split along k (enough to fill a large GPU). */
export const MATMUL_TARGET_WORKGROUPS = 4096;

/**
 * How train-matmul.wgsl splits the k of an [m][k] x [k][n] product: into as many splits as it
 * takes to reach MATMUL_TARGET_WORKGROUPS workgroups (one per 64 x 64 tile of C per split), each at
 * least 64 deep; `kSplit` is each split's depth, a multiple of MATMUL_DEPTH.
 */
export function matmulSplits(m: number, k: number, n: number): { splits: number; kSplit: number } {
  const tiles = Math.ceil(m / 64) * Math.ceil(n / 64);
  const wanted = Math.max(
    1,
    Math.min(Math.ceil(k / 64), Math.ceil(MATMUL_TARGET_WORKGROUPS / tiles)),
  );
  const kSplit = Math.ceil(Math.ceil(k / wanted) / MATMUL_DEPTH) * MATMUL_DEPTH;
  return { splits: Math.ceil(k / kSplit), kSplit };
}

/**
 * Each kernel's source, composed with the pieces it uses: the grid always; a family's shared shape
 * and helpers (train-*-common.wgsl, train-attention-shape.wgsl); phi and EPS where read.
 */
export const TRAIN_KERNELS = {
  embed: composeWgsl(grid, embed),
  'embed-backward': composeWgsl(grid, embedBackward),
  matmul: composeWgsl(grid, matmul),
  'layer-norm': composeWgsl(grid, layerNormCommon, layerNorm),
  'layer-norm-backward': composeWgsl(grid, layerNormCommon, layerNormBackward),
  'column-sum': composeWgsl(grid, columnSum),
  activation: composeWgsl(grid, activationCommon, activation),
  'activation-backward': composeWgsl(grid, activationCommon, activationBackward),
  'cross-entropy': composeWgsl(grid, crossEntropy),
  adamw: composeWgsl(grid, adamw),
  gate: composeWgsl(grid, gate),
  'gate-backward': composeWgsl(grid, gateBackward),
  'attention-cumsum': composeWgsl(grid, attentionShape, attentionCumsum),
  'attention-weights': composeWgsl(
    grid,
    attentionShape,
    FEATURE_MAP_WGSL,
    NORMALIZER_WGSL,
    attentionWeights,
  ),
  'attention-output': composeWgsl(grid, attentionShape, attentionOutput),
  'attention-backward-scores': composeWgsl(grid, attentionShape, attentionBackwardScores),
  'attention-backward-qkv': composeWgsl(
    grid,
    attentionShape,
    FEATURE_MAP_WGSL,
    attentionBackwardQkv,
  ),
  'attention-backward-decay': composeWgsl(grid, attentionShape, attentionBackwardDecay),
  'head-layout': composeWgsl(grid, headLayout),
} as const;

export type TrainKernelName = keyof typeof TRAIN_KERNELS;

/** One operation of a training step, in the order it runs. */
export type TrainOp =
  | {
      kind: 'dispatch';
      label: string;
      pipeline: GPUComputePipeline;
      bindGroup: GPUBindGroup;
      groups: [number, number];
    }
  | { kind: 'copy'; source: GPUBuffer; target: GPUBuffer; bytes: number }
  | { kind: 'clear'; buffer: GPUBuffer }
  /** Work that encodes its own passes (the engine's attention kernels). */
  | { kind: 'encode'; label: string; encode(encoder: GPUCommandEncoder): void };

/**
 * Encodes operations in order: consecutive dispatches share one compute pass (WebGPU orders
 * their storage accesses), copies, clears and self-encoding work run between passes.
 */
export function encodeOps(
  encoder: GPUCommandEncoder,
  ops: readonly TrainOp[],
  label: string,
): void {
  let pass: GPUComputePassEncoder | null = null;
  for (const op of ops) {
    if (op.kind === 'dispatch') {
      pass ??= encoder.beginComputePass({ label });
      pass.setPipeline(op.pipeline);
      pass.setBindGroup(0, op.bindGroup);
      pass.dispatchWorkgroups(op.groups[0], op.groups[1]);
      continue;
    }
    pass?.end();
    pass = null;
    if (op.kind === 'copy') encoder.copyBufferToBuffer(op.source, 0, op.target, 0, op.bytes);
    else if (op.kind === 'clear') encoder.clearBuffer(op.buffer);
    else op.encode(encoder);
  }
  pass?.end();
}

/** A uniform block of 32-bit fields: integers as u32, or f32 where `floats` names the index. */
export function packUniform(
  values: readonly number[],
  floats: readonly number[] = [],
): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
  const data = new ArrayBuffer(bytes);
  const view = new DataView(data);
  values.forEach((value, i) => {
    if (floats.includes(i)) view.setFloat32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return data;
}

/** One dispatch: its kernel, override constants, uniform block, storage bindings 1..n, items. */
export interface KernelCall {
  kernel: TrainKernelName;
  /** A name for labels, e.g. "block0 wq". */
  label: string;
  constants?: Record<string, number>;
  uniform: ArrayBuffer;
  buffers: readonly (GPUBuffer | GPUBufferBinding)[];
  /** Invocations needed (one item each). */
  items: number;
}

/**
 * Makes dispatch operations and owns the uniform buffers they use (destroy() frees them). A call
 * whose uniform must change between steps keeps the returned buffer to rewrite it.
 */
export class KernelBuilder {
  private readonly uniforms: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly prefix: string,
  ) {}

  /** The dispatch for one call, and its uniform buffer. */
  dispatch(call: KernelCall): { op: TrainOp; uniform: GPUBuffer } {
    const label = `${this.prefix} ${call.kernel} ${call.label}`;
    const uniform = this.device.createBuffer({
      label: `${label} uniforms`,
      size: call.uniform.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.uniforms.push(uniform);
    this.device.queue.writeBuffer(uniform, 0, call.uniform);
    const pipeline = getPipeline(this.device, `train/${call.kernel}`, TRAIN_KERNELS[call.kernel], {
      WORKGROUP_SIZE: TRAIN_WORKGROUP_SIZE,
      ...call.constants,
    });
    const bindGroup = this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        ...call.buffers.map((b, i) => ({
          binding: i + 1,
          resource: 'buffer' in b ? b : { buffer: b },
        })),
      ],
    });
    const groups = gridFor(
      Math.max(1, Math.ceil(call.items / TRAIN_WORKGROUP_SIZE)),
      this.device.limits.maxComputeWorkgroupsPerDimension,
    );
    return { op: { kind: 'dispatch', label, pipeline, bindGroup, groups }, uniform };
  }

  /** Frees the uniform buffers of every dispatch made. */
  destroy(): void {
    for (const buffer of this.uniforms) buffer.destroy();
    this.uniforms.length = 0;
  }
}
