/**
 * What the linear-attention kernels share: the feature-map prelude and its override constant, the
 * tilings that fit a device's workgroup memory, and the splitting of a grid into bounded dispatches.
 */
import {
  ATTENTION_TILES_WGSL,
  composeWgsl,
  FEATURE_MAP_WGSL,
  GATE_BINDING,
  gateWgsl,
  LINEAR_INPUTS_WGSL,
  NORMALIZER_WGSL,
} from '../../wgsl.ts';
import featureMapPassSource from '../../kernels/linear-feature-map-pass.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import { NORMALIZER_EPS, type FeatureMap } from '../../types.ts';
import type { FormContext } from '../form.ts';
import {
  DISPATCH_FLOP_BUDGET,
  gridFor,
  MAX_WORKGROUPS_PER_DISPATCH,
  planSlices,
} from '../../dispatch.ts';

/** The `FEATURE_MAP` override of linear-feature-map.wgsl. */
export const FEATURE_MAP_CODES: Readonly<Record<FeatureMap, number>> = {
  identity: 0,
  softplus: 1,
  elu1: 2,
};

/**
 * A linear kernel's module: the element type of its q, k, v (`inputs`, LINEAR_INPUTS_WGSL; f32
 * unless given), the feature map `phi` and the normaliser's EPS, the attention tiles for the
 * attention-form kernels, the gate (gate-off.wgsl or gate-on.wgsl) for kernels that have one, then
 * the kernel itself.
 */
export function linearKernel(
  source: string,
  parts: { tiles?: boolean; gated?: boolean; inputs?: string } = {},
): string {
  return composeWgsl(
    parts.inputs ?? LINEAR_INPUTS_WGSL.f32,
    FEATURE_MAP_WGSL,
    NORMALIZER_WGSL,
    ...(parts.tiles ? [ATTENTION_TILES_WGSL] : []),
    ...(parts.gated === undefined ? [] : [gateWgsl(parts.gated)]),
    source,
  );
}

/** The override constants of linear-normalizer.wgsl. */
export function normalizerConstants(): Record<string, number> {
  return { EPS: NORMALIZER_EPS };
}

export { MAX_WORKGROUPS_PER_DISPATCH } from '../../dispatch.ts';

/** The FLOPs one dispatch may hold: every kernel's budget (src/gpu/dispatch.ts). */
export const MAX_DISPATCH_FLOPS = DISPATCH_FLOP_BUDGET;

/**
 * The most tokens one dispatch of the recurrent form walks through (it is sequential in them):
 * about 3 ms on an H200, so well under a second on a weak GPU.
 */
export const MAX_DISPATCH_TOKENS = 16_384;

/** A run of consecutive workgroups [offset, offset + count) of a 1-D grid. */
export interface WorkgroupRange {
  offset: number;
  count: number;
}

/**
 * Splits `total` workgroups into consecutive ranges, each with at most MAX_WORKGROUPS_PER_DISPATCH
 * workgroups and (when more than one) at most `maxFlops`, where workgroup w costs `flopsOf(w)`:
 * the one splitter (planSlices) with a 1-D grid's cap.
 */
export function splitWorkgroups(
  total: number,
  flopsOf: (workgroup: number) => number,
  maxFlops = MAX_DISPATCH_FLOPS,
): WorkgroupRange[] {
  return planSlices(total, flopsOf, maxFlops, MAX_WORKGROUPS_PER_DISPATCH);
}

/**
 * Tiles of the attention-form kernels (linear-attention.wgsl, linear-chunked-output.wgsl): thread
 * rows TY (query rows 4 TY, threads 16 TY; keys per tile are always 64), feature columns staged per
 * step of the score product, and value rows staged per step of the P V product.
 */
export interface AttentionTiles {
  threadRows: number;
  featureSlice: number;
  valueRows: number;
}

/** Largest first; the first one that fits the device's workgroup memory at the head dim is used. */
export const ATTENTION_TILINGS: readonly AttentionTiles[] = [
  { threadRows: 16, featureSlice: 32, valueRows: 32 }, // 40 KiB at d = 64, 48 KiB at d = 128
  { threadRows: 16, featureSlice: 16, valueRows: 16 }, // 28 KiB at d = 64, 32 KiB at d = 128
  { threadRows: 8, featureSlice: 8, valueRows: 8 }, // 14 KiB at d = 64, 15 KiB at d = 128
];

/** Keys per tile of the attention-form kernels (16 threads x 4). */
export const ATTENTION_KEY_TILE = 64;

/** Workgroup memory in bytes of an attention tiling at head dimension `dim`. */
export function attentionTileBytes(t: AttentionTiles, dim: number): number {
  const rows = 4 * t.threadRows;
  const slice = Math.min(t.featureSlice, dim);
  return 4 * ((rows + ATTENTION_KEY_TILE) * slice + rows * ATTENTION_KEY_TILE + t.valueRows * dim);
}

/** The largest tiling that fits `maxComputeWorkgroupStorageSize` at head dimension `dim`. */
export function chooseAttentionTiles(workgroupStorageBytes: number, dim: number): AttentionTiles {
  const fit = ATTENTION_TILINGS.find((t) => attentionTileBytes(t, dim) <= workgroupStorageBytes);
  // WebGPU guarantees 16 KiB, which the last tiling fits at every supported dim.
  return fit ?? ATTENTION_TILINGS[ATTENTION_TILINGS.length - 1]!;
}

/** The override constants the attention-form kernels share, from one tiling. */
export function attentionTileConstants(dim: number, tiles: AttentionTiles): Record<string, number> {
  return {
    ...normalizerConstants(),
    D: dim,
    TY: tiles.threadRows,
    DS: Math.min(tiles.featureSlice, dim),
    VR: tiles.valueRows,
  };
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

/**
 * A bind group binding `buffers` to 0, 1, 2, ... of the pipeline's group 0, and `gate` (the
 * log-decays of a gated kernel, see gate-on.wgsl) to GATE_BINDING when given.
 */
export function bindBuffers(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  label: string,
  buffers: readonly GPUBuffer[],
  gate?: GPUBuffer,
): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
    binding,
    resource: { buffer },
  }));
  if (gate) entries.push({ binding: GATE_BINDING, resource: { buffer: gate } });
  return device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
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

/** The log-decays of a gated form's context (the dispatcher creates them for gated forms). */
export function requireLogDecay(ctx: FormContext): GPUBuffer {
  if (!ctx.logDecay) throw new Error(`${ctx.label}: a gated form needs the logDecay buffer.`);
  return ctx.logDecay;
}

/** The feature-map pass (no gate: it only maps q and k). */
const featureMapPassCode = linearKernel(featureMapPassSource);

/**
 * phi(q) and phi(k) for the kernels that follow, which then map by the identity
 * (linear-feature-map-pass.wgsl: each element takes its exp and log once). For the identity map,
 * q and k themselves and no dispatch. `featureMap` is what those kernels' FEATURE_MAP must be.
 */
export function mapFeatures(ctx: FormContext): {
  q: GPUBuffer;
  k: GPUBuffer;
  featureMap: number;
  dispatches: PlannedDispatch[];
} {
  const { device, shape, options, label } = ctx;
  if (options.featureMap === 'identity') {
    return { q: ctx.q, k: ctx.k, featureMap: FEATURE_MAP_CODES.identity, dispatches: [] };
  }
  const pass = getPipeline(device, 'linear-feature-map-pass', featureMapPassCode, {
    FEATURE_MAP: FEATURE_MAP_CODES[options.featureMap],
  });
  const size = 4 * shape.heads * shape.tokens * shape.dim;
  const usage = GPUBufferUsage.STORAGE;
  const q = ctx.createBuffer({ label: `${label} phi(q)`, size, usage });
  const k = ctx.createBuffer({ label: `${label} phi(k)`, size, usage });
  const vec4s = size / 16;
  const [x, y] = gridFor(Math.ceil(vec4s / 256), MAX_WORKGROUPS_PER_DISPATCH);
  const params = createParams(ctx.createBuffer, device, `${label} feature map params`, [vec4s, x]);
  const dispatch: PlannedDispatch = {
    pipeline: pass,
    bindGroup: bindBuffers(device, pass, `${label} feature map`, [params, ctx.q, ctx.k, q, k]),
    workgroups: [x, y],
  };
  return { q, k, featureMap: FEATURE_MAP_CODES.identity, dispatches: [dispatch] };
}
