/**
 * What the linear-attention kernels share: the feature-map prelude and its override constant, the
 * tilings that fit a device's workgroup memory, and the splitting of a grid into bounded dispatches.
 */
import featureMapSource from '../kernels/linear-feature-map.wgsl?raw';
import type { FeatureMap } from '../types.ts';

/** The `FEATURE_MAP` override of linear-feature-map.wgsl. */
export const FEATURE_MAP_CODES: Readonly<Record<FeatureMap, number>> = {
  identity: 0,
  softplus: 1,
  elu1: 2,
};

/** A linear kernel's source with the feature map `phi` prepended. */
export function withFeatureMap(source: string): string {
  return `${featureMapSource}\n${source}`;
}

/** WebGPU's guaranteed maximum workgroups along one dimension of a dispatch. */
export const MAX_WORKGROUPS_PER_DISPATCH = 65_535;

/**
 * The most FLOPs one dispatch of a quadratic or chunked kernel may hold (about 4.3 GFLOP): tens of
 * milliseconds on a weak GPU, far from the two seconds after which browsers reset the GPU.
 */
export const MAX_DISPATCH_FLOPS = 2 ** 32;

/** The most tokens one dispatch of the recurrent form walks through (it is sequential in them). */
export const MAX_DISPATCH_TOKENS = 4096;

/** A run of consecutive workgroups [offset, offset + count) of a 1-D grid. */
export interface WorkgroupRange {
  offset: number;
  count: number;
}

/**
 * Splits `total` workgroups into consecutive ranges, each with at most MAX_WORKGROUPS_PER_DISPATCH
 * workgroups and (when more than one) at most `maxFlops`, where workgroup w costs `flopsOf(w)`.
 */
export function splitWorkgroups(
  total: number,
  flopsOf: (workgroup: number) => number,
  maxFlops = MAX_DISPATCH_FLOPS,
): WorkgroupRange[] {
  const ranges: WorkgroupRange[] = [];
  let offset = 0;
  let flops = 0;
  for (let w = 0; w < total; w++) {
    const cost = flopsOf(w);
    const count = w - offset;
    if (count > 0 && (count === MAX_WORKGROUPS_PER_DISPATCH || flops + cost > maxFlops)) {
      ranges.push({ offset, count });
      offset = w;
      flops = 0;
    }
    flops += cost;
  }
  if (total > offset) ranges.push({ offset, count: total - offset });
  return ranges;
}

/**
 * Tiles of the attention-form kernels (linear-attention.wgsl, linear-chunked-output.wgsl): query
 * rows per workgroup, keys per tile, feature columns staged per step of the score product, and
 * floats of the value (or state) staging buffer.
 */
export interface AttentionTiles {
  queryRows: number;
  keyTile: number;
  featureSlice: number;
  valueFloats: number;
}

/** Largest first; the first one that fits the device's workgroup memory is used. */
export const ATTENTION_TILINGS: readonly AttentionTiles[] = [
  { queryRows: 64, keyTile: 64, featureSlice: 32, valueFloats: 2048 }, // 40 KiB
  { queryRows: 64, keyTile: 64, featureSlice: 16, valueFloats: 1024 }, // 28 KiB
  { queryRows: 64, keyTile: 32, featureSlice: 16, valueFloats: 512 }, // 16 KiB: WebGPU's default
];

/** Workgroup memory in bytes of an attention tiling. */
export function attentionTileBytes(t: AttentionTiles): number {
  return 4 * ((t.queryRows + t.keyTile) * t.featureSlice + t.queryRows * t.keyTile + t.valueFloats);
}

/** The largest tiling that fits `maxComputeWorkgroupStorageSize`. */
export function chooseAttentionTiles(workgroupStorageBytes: number): AttentionTiles {
  const fit = ATTENTION_TILINGS.find((t) => attentionTileBytes(t) <= workgroupStorageBytes);
  // WebGPU guarantees 16 KiB, which the last tiling fills exactly.
  return fit ?? ATTENTION_TILINGS[ATTENTION_TILINGS.length - 1]!;
}

/** A uniform buffer of u32 parameters, one per dispatch. */
export function createParams(
  create: (descriptor: GPUBufferDescriptor) => GPUBuffer,
  device: GPUDevice,
  label: string,
  values: readonly number[],
): GPUBuffer {
  const data = new Uint32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
  data.set(values);
  const buffer = create({
    label,
    size: data.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** A bind group binding `buffers` to 0, 1, 2, ... of the pipeline's group 0. */
export function bindBuffers(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  label: string,
  buffers: readonly GPUBuffer[],
): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

/** One dispatch recorded at creation and replayed by every `encode`. */
export interface PlannedDispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number?];
}

/** Encodes the dispatches in one compute pass (each dispatch sees the previous one's writes). */
export function encodeDispatches(
  encoder: GPUCommandEncoder,
  label: string,
  dispatches: readonly PlannedDispatch[],
  timestampWrites: GPUComputePassTimestampWrites | undefined,
): void {
  const pass = encoder.beginComputePass(timestampWrites ? { label, timestampWrites } : { label });
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1] ?? 1);
  }
  pass.end();
}
