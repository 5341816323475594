/**
 * One pre-norm transformer layer's training step on the GPU, the unit the benchmark times beside
 * attention alone: x2 = x1 + GELU(LN2(x1) W1) W2 with x1 = x + Attn(LN1(x)) Wo (GPT-2's order),
 * forward and backward of every parameter for a given upstream gradient dL/dx2; no optimizer step.
 * The block is the trainer's own (block.ts: the same kernels and the same code), its attention the
 * engine's fast training kernels by default (attention-fast.ts), so it runs at long contexts.
 *
 * API (framework-free; page, worker and Node):
 *   const layer = createLayerTraining(device, resolveLayerConfig({ form: 'softmax', tokens }));
 *   layer.buffers.{params, x, dOut}    inputs: parameters (layer.layout), x and dL/dx2 [rows][dModel]
 *   layer.encode(encoder)              forward and backward (GpuWork, for timing)
 *   layer.buffers.{y, grads, dx}       outputs: x2, dL/dparameters (the layout), dL/dx
 *   layer.destroy()
 * `runLayerGradients` does one step from CPU arrays (tests and --verify).
 */
import { CapacityError } from '../errors.ts';
import { estimateCost } from '../costs.ts';
import { capacityReason, type BufferLimits } from '../capacity.ts';
import { trainingFormOf } from '../forms/registry.ts';
import { requireDevice } from '../guard.ts';
import type { TimestampTarget } from '../types.ts';
import type { TrainAttentionFactory } from './attention.ts';
import { createFastAttention, FAST_ATTENTION_CHUNK } from './attention-fast.ts';
import {
  blockWeightShapes,
  buildBlock,
  createBlockScratch,
  TrainGraph,
  type BlockConfig,
} from './block.ts';
import { initialiseBlock, layoutBlock, type BlockLayout } from './config.ts';
import { encodeOps, matmulSplits } from './kernels.ts';
import { SeededRandom } from './random.ts';

/**
 * A layer of GPT-2 small's width by default: dModel 768, 12 heads of 64, MLP 3072, GELU, batch 1;
 * linear and gated forms with elu + 1 features and the normaliser.
 */
export function resolveLayerConfig(
  partial: Partial<BlockConfig> & Pick<BlockConfig, 'form' | 'tokens'>,
): BlockConfig {
  const dModel = partial.dModel ?? 768;
  return {
    form: partial.form,
    tokens: partial.tokens,
    dModel,
    heads: partial.heads ?? 12,
    mlp: partial.mlp ?? 4 * dModel,
    batch: partial.batch ?? 1,
    activation: partial.activation ?? 'gelu',
    featureMap: partial.featureMap ?? 'elu1',
    normalize: partial.normalize ?? true,
  };
}

/**
 * FLOPs of one training step: three times the forward's (the usual convention: the backward costs
 * twice the forward), whose matrix products are 2 rows (4 D^2 + 2 D M (+ D H gated)) and whose
 * attention is the engine form's cost model (as the attention-only training records count it).
 */
export function layerFlops(config: BlockConfig): number {
  const { batch: B, tokens: T, dModel: D, heads: H, mlp: M } = config;
  const rows = B * T;
  const products = 2 * rows * (4 * D * D + 2 * D * M + (config.form === 'gated' ? D * H : 0));
  const attention = estimateCost(
    trainingFormOf(config.form),
    { heads: B * H, tokens: T, dim: D / H },
    {
      featureMap: config.featureMap,
      normalize: config.normalize,
      chunkSize: Math.min(FAST_ATTENTION_CHUNK, T),
    },
  ).flops;
  return 3 * (products + attention);
}

/**
 * Bytes the layer's training step holds (buffers of [rows][dModel] and [rows][mlp] activations,
 * gradients and scratch, parameters twice, the weight gradients' partial sums, the attention
 * kernels' copies and chunk states), and its largest single buffer: what capacity checks read.
 */
export function layerMemory(config: BlockConfig): { totalBytes: number; largestBytes: number } {
  const { batch: B, tokens: T, dModel: D, heads: H, mlp: M } = config;
  const rows = B * T;
  const layout = layoutBlock(config);
  let partials = 0;
  for (const [m, n] of blockWeightShapes(config)) {
    const { splits } = matmulSplits(m, rows, n);
    if (splits > 1) partials = Math.max(partials, splits * m * n);
  }
  // Forward 10 and backward 8 tensors of [rows][dModel] in the block, 8 in the attention op,
  // 2 more for x and dL/dx2; 4 of [rows][mlp]; the attention's chunk states at most 2 d^2 per
  // chunk per head, forward and reverse.
  const d = D / H;
  const states = 2 * 2 * B * H * Math.ceil(T / FAST_ATTENTION_CHUNK) * (d * d + d);
  const floats = 28 * rows * D + 4 * rows * M + 2 * layout.length + partials + states;
  return { totalBytes: 4 * floats, largestBytes: 4 * Math.max(rows * M, partials, layout.length) };
}

/** The buffers of a layer's training step (see the module's API). */
export interface LayerBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  x: GPUBuffer;
  dOut: GPUBuffer;
  y: GPUBuffer;
  dx: GPUBuffer;
}

/** One layer's training step for one configuration, run as often as wanted. */
export interface LayerTraining {
  readonly label: string;
  readonly config: BlockConfig;
  readonly layout: BlockLayout;
  readonly buffers: LayerBuffers;
  /** FLOPs of one step (layerFlops). */
  readonly flops: number;
  /** Bytes of GPU memory held. */
  readonly bytes: number;
  /** Forward then backward; timestamps at the start of the first pass and the end of the last. */
  encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget): void;
  destroy(): void;
}

/**
 * Why a layer's training step cannot run on this device, or null: its largest buffer must fit one
 * storage binding and its memory the given cap (capacity.ts's wording: "needs 12 GiB in one buffer;
 * this device allows 4 GiB").
 */
export function layerCapacityReason(
  config: BlockConfig,
  limits: BufferLimits,
  memoryLimitBytes = Number.POSITIVE_INFINITY,
): string | null {
  const { totalBytes, largestBytes } = layerMemory(config);
  return capacityReason(
    { largestPerHeadBytes: largestBytes, workingBytes: totalBytes },
    limits,
    memoryLimitBytes,
  );
}

/**
 * Creates one layer's training step. Throws a CapacityError, before creating anything, when a
 * buffer would not fit the device.
 */
export function createLayerTraining(
  device: GPUDevice,
  config: BlockConfig,
  options: { attention?: TrainAttentionFactory } = {},
): LayerTraining {
  requireDevice(device, 'createLayerTraining');
  const { batch: B, tokens: T, dModel: D, heads: H, mlp: M } = config;
  const rows = B * T;
  const label = `train/layer ${config.form} D=${D} H=${H} M=${M} T=${T} B=${B}`;
  const reason = layerCapacityReason(config, device.limits);
  if (reason) {
    const { largestBytes } = layerMemory(config);
    throw new CapacityError(
      `${label} ${reason}.`,
      largestBytes,
      Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize),
    );
  }
  const layout = layoutBlock(config);
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const own: GPUBuffer[] = [];
  const create = (name: string, floats: number): GPUBuffer => {
    const buffer = device.createBuffer({
      label: `${label} ${name}`,
      size: 4 * floats,
      usage: storage,
    });
    own.push(buffer);
    return buffer;
  };
  const params = create('parameters', layout.length);
  const grads = create('gradients', layout.length);
  let graph: TrainGraph | null = null;
  try {
    graph = new TrainGraph(device, config, label, params, grads, blockWeightShapes(config));
    const x = graph.make('x', rows * D);
    const dOut = graph.make('d out', rows * D);
    const scratch = createBlockScratch(graph);
    const built = buildBlock(
      graph,
      scratch,
      layout.block,
      x,
      'layer',
      options.attention ?? createFastAttention,
    );
    graph.backward.push({ kind: 'copy', source: dOut, target: scratch.dxA, bytes: 4 * rows * D });
    built.backward();
    const ops = [...graph.forward, ...graph.backward];
    const g = graph;
    return {
      label,
      config,
      layout,
      buffers: { params, grads, x, dOut, y: built.out, dx: scratch.dxA },
      flops: layerFlops(config),
      bytes: graph.bytes + params.size + grads.size,
      encode(encoder, timestamps) {
        if (timestamps) {
          encoder
            .beginComputePass({
              label: `${label} start`,
              timestampWrites: {
                querySet: timestamps.querySet,
                beginningOfPassWriteIndex: timestamps.beginIndex,
              },
            })
            .end();
        }
        encodeOps(encoder, ops, label);
        if (timestamps) {
          encoder
            .beginComputePass({
              label: `${label} end`,
              timestampWrites: {
                querySet: timestamps.querySet,
                endOfPassWriteIndex: timestamps.endIndex,
              },
            })
            .end();
        }
      },
      destroy() {
        g.destroy();
        for (const b of own) b.destroy();
        own.length = 0;
      },
    };
  } catch (error) {
    graph?.destroy();
    for (const b of own) b.destroy();
    throw error;
  }
}

/** A layer's seeded initial parameters (as the trainer's blocks start; config.ts). */
export function initialLayerParameters(config: BlockConfig, seed: number): Float32Array {
  const layout = layoutBlock(config);
  const params = new Float32Array(layout.length);
  initialiseBlock(params, layout.block, { ...config, layers: 1 }, new SeededRandom(seed));
  return params;
}

/** One step's outputs on the CPU. */
export interface LayerGradients {
  y: Float32Array;
  dx: Float32Array;
  gradients: Float32Array;
}

/**
 * Uploads parameters, x and dL/dy, poisons every output with NaN, runs one step and reads the
 * outputs back; creates and destroys everything it uses.
 */
export async function runLayerGradients(
  device: GPUDevice,
  config: BlockConfig,
  inputs: { params: Float32Array; x: Float32Array; dOut: Float32Array },
  options: { attention?: TrainAttentionFactory } = {},
): Promise<LayerGradients> {
  const layer = createLayerTraining(device, config, options);
  const made: GPUBuffer[] = [];
  try {
    const b = layer.buffers;
    const n = config.batch * config.tokens * config.dModel;
    if (inputs.params.length !== layer.layout.length || inputs.x.length !== n) {
      throw new RangeError(
        `A layer needs ${layer.layout.length} parameters and ${n} inputs ` +
          `(got ${inputs.params.length} and ${inputs.x.length}).`,
      );
    }
    device.queue.writeBuffer(b.params, 0, inputs.params);
    device.queue.writeBuffer(b.x, 0, inputs.x);
    device.queue.writeBuffer(b.dOut, 0, inputs.dOut);
    const poison = new Float32Array(Math.max(n, layer.layout.length)).fill(Number.NaN);
    device.queue.writeBuffer(b.y, 0, poison, 0, n);
    device.queue.writeBuffer(b.grads, 0, poison, 0, layer.layout.length);
    const encoder = device.createCommandEncoder({ label: layer.label });
    layer.encode(encoder);
    device.queue.submit([encoder.finish()]);
    const read = async (buffer: GPUBuffer, floats: number): Promise<Float32Array> => {
      const staging = device.createBuffer({
        label: `${buffer.label} readback`,
        size: 4 * floats,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      made.push(staging);
      const e = device.createCommandEncoder();
      e.copyBufferToBuffer(buffer, 0, staging, 0, 4 * floats);
      device.queue.submit([e.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return out;
    };
    return {
      y: await read(b.y, n),
      dx: await read(b.dx, n),
      gradients: await read(b.grads, layer.layout.length),
    };
  } finally {
    for (const b of made) b.destroy();
    layer.destroy();
  }
}
