/**
 * Bounded dispatches, for every kernel: browsers reset a GPU whose work runs about two seconds
 * without a break, so long runs are cut into consecutive slices of work items (workgroups), each
 * one dispatch, under one FLOP budget. The softmax kernels and the linear ones
 * (forms/linear/common.ts) plan with the same budget and the same splitter, and bind the same way:
 * the uniform at binding 0, the storage buffers at 1, 2, ... Each slice's uniform carries its
 * first item (`offset`) and length (`count`), and the kernel finds its item as
 * offset + workgroup_id.y * num_workgroups.x + workgroup_id.x.
 */

/** WebGPU's guaranteed maximum workgroups along one dimension of a dispatch. */
export const MAX_WORKGROUPS_PER_DISPATCH = 65_535;

/**
 * FLOPs one dispatch may carry (about 137 GFLOP). About 10 ms on a big discrete GPU and well
 * under a second on an integrated one at the rates these kernels reach; large enough to fill an
 * H200 at long contexts. (The linear kernels had 2^34 until both families shared one budget.)
 */
export const DISPATCH_FLOP_BUDGET = 2 ** 37;

/** A run of consecutive work items dispatched together. */
export interface Slice {
  offset: number;
  count: number;
}

/**
 * Cuts items 0..total-1 into consecutive slices whose summed cost stays within `budget` (a single
 * item over budget gets a slice of its own) and whose length stays within `maxCount`.
 */
export function planSlices(
  total: number,
  costOf: (item: number) => number,
  budget = DISPATCH_FLOP_BUDGET,
  maxCount = MAX_WORKGROUPS_PER_DISPATCH * MAX_WORKGROUPS_PER_DISPATCH,
): Slice[] {
  const slices: Slice[] = [];
  let offset = 0;
  let count = 0;
  let cost = 0;
  for (let item = 0; item < total; item++) {
    const c = costOf(item);
    if (count > 0 && (cost + c > budget || count >= maxCount)) {
      slices.push({ offset, count });
      offset = item;
      count = 0;
      cost = 0;
    }
    count += 1;
    cost += c;
  }
  if (count > 0) slices.push({ offset, count });
  return slices;
}

/** Workgroup grid for `count` items: as wide as the device allows, then rows. */
export function gridFor(count: number, maxPerDimension: number): [number, number] {
  const x = Math.max(1, Math.min(count, maxPerDimension));
  return [x, Math.ceil(count / x)];
}

/** The bit pattern of a float32, for packing f32 fields into a u32 uniform array. */
export function f32Bits(value: number): number {
  return new Uint32Array(new Float32Array([value]).buffer)[0]!;
}

/** One prepared dispatch: its bind group and grid. */
export interface PreparedDispatch {
  bindGroup: GPUBindGroup;
  x: number;
  y: number;
}

/** Uniform slots are 256 bytes apart (minUniformBufferOffsetAlignment's largest allowed value). */
const SLOT = 256;

/**
 * Writes each dispatch's uniform (u32 words) into one buffer owned by the run, and builds one
 * bind group per dispatch: the uniform slot at binding 0 (as the linear kernels), `storage` at
 * bindings 1..n.
 */
export function prepareDispatches(
  device: GPUDevice,
  createBuffer: (descriptor: GPUBufferDescriptor) => GPUBuffer,
  label: string,
  pipeline: GPUComputePipeline,
  dispatches: readonly {
    params: readonly number[];
    storage: readonly GPUBuffer[];
    count: number;
  }[],
): PreparedDispatch[] {
  if (dispatches.length === 0) return [];
  const uniform = createBuffer({
    label: `${label} params`,
    size: SLOT * dispatches.length,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const words = new Uint32Array((SLOT / 4) * dispatches.length);
  const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
  const layout = pipeline.getBindGroupLayout(0);
  const prepared = dispatches.map((d, index) => {
    words.set(d.params, (SLOT / 4) * index);
    const entries: GPUBindGroupEntry[] = [
      {
        binding: 0,
        resource: {
          buffer: uniform,
          offset: SLOT * index,
          size: 16 * Math.ceil(Math.max(8, d.params.length) / 4),
        },
      },
      ...d.storage.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
    ];
    const [x, y] = gridFor(d.count, maxPerDimension);
    return {
      bindGroup: device.createBindGroup({ label: `${label} #${index}`, layout, entries }),
      x,
      y,
    };
  });
  device.queue.writeBuffer(uniform, 0, words);
  return prepared;
}

/** Records prepared dispatches into a pass. */
export function encodeDispatches(
  pass: GPUComputePassEncoder,
  pipeline: GPUComputePipeline,
  prepared: readonly PreparedDispatch[],
): void {
  pass.setPipeline(pipeline);
  for (const d of prepared) {
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.x, d.y);
  }
}
