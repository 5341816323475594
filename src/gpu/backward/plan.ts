/**
 * What the backward modules share: bind groups with explicit binding numbers, workgroup grids cut
 * into bounded dispatches (src/gpu/dispatch.ts's one budget), and the WGSL tile piece.
 */
import tilesSource from '../kernels/backward-tiles.wgsl?raw';
import { gridFor, MAX_WORKGROUPS_PER_DISPATCH } from '../dispatch.ts';
import { createParams, splitWorkgroups, type PlannedDispatch } from '../forms/linear/common.ts';

/** The 64 x 64 tile products of the backward kernels (backward-tiles.wgsl). */
export const BACKWARD_TILES_WGSL: string = tilesSource;

/** Rows, keys and chunk tokens per tile of the backward kernels. */
export const BACKWARD_TILE = 64;

/** Workgroup memory the tile kernels need: two 16 x 64 staging tiles and one 64 x 64 tile. */
export const BACKWARD_WORKGROUP_BYTES = 4 * (2 * 16 * 64 + 64 * 64) + 4 * 64;

/** Buffers by binding number. */
export type Bindings = Readonly<Record<number, GPUBuffer>>;

export function bindEntries(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  label: string,
  bindings: Bindings,
): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = Object.entries(bindings).map(([binding, buffer]) => ({
    binding: Number(binding),
    resource: { buffer },
  }));
  return device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
}

/** Creates buffers owned by one training object and destroys them all at once. */
export interface Owner {
  create(descriptor: GPUBufferDescriptor): GPUBuffer;
  params(label: string, values: readonly number[]): GPUBuffer;
  destroy(): void;
}

export function createOwner(device: GPUDevice): Owner {
  const owned: GPUBuffer[] = [];
  const create = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = device.createBuffer(descriptor);
    owned.push(buffer);
    return buffer;
  };
  return {
    create,
    params: (label, values) => createParams(create, device, label, values),
    destroy() {
      for (const buffer of owned.splice(0)) buffer.destroy();
    },
  };
}

/**
 * Tile kernels over `total` workgroups whose params start [tokens, workgroupOffset, ...rest]:
 * cut into bounded 1-D dispatches (the kernels read the offset), `costOf` workgroup w in FLOPs.
 */
export function planTiles(
  device: GPUDevice,
  owner: Owner,
  pipeline: GPUComputePipeline,
  label: string,
  total: number,
  costOf: (workgroup: number) => number,
  params: (offset: number) => readonly number[],
  bindings: Bindings,
): PlannedDispatch[] {
  const ranges = splitWorkgroups(total, costOf);
  return ranges.map((range, i) => {
    const name = `${label} ${i + 1}/${ranges.length}`;
    const uniform = owner.params(`${name} params`, params(range.offset));
    return {
      pipeline,
      bindGroup: bindEntries(device, pipeline, name, { 0: uniform, ...bindings }),
      workgroups: [range.count],
    };
  });
}

/** One dispatch of `threads` threads in workgroups of `size` (the kernel ignores the excess). */
export function planThreads(
  device: GPUDevice,
  owner: Owner,
  pipeline: GPUComputePipeline,
  label: string,
  threads: number,
  size: number,
  params: readonly number[],
  bindings: Bindings,
): PlannedDispatch {
  const [x, y] = gridFor(Math.ceil(threads / size), MAX_WORKGROUPS_PER_DISPATCH);
  const uniform = owner.params(`${label} params`, params);
  return {
    pipeline,
    bindGroup: bindEntries(device, pipeline, label, { 0: uniform, ...bindings }),
    workgroups: [x, y],
  };
}
