/**
 * Bounded dispatches for the softmax kernels. Browsers reset a GPU whose work runs about two
 * seconds without a break, so long runs are cut into slices of workgroups: each slice is one
 * dispatch whose uniform carries its first item (`offset`) and length (`count`), and the kernel
 * finds its item as offset + workgroup_id.y * num_workgroups.x + workgroup_id.x.
 */

// The budget, the splitter and the grid are every kernel's (src/gpu/dispatch.ts).
export { DISPATCH_FLOP_BUDGET, gridFor, planSlices, type Slice } from '../../dispatch.ts';
import { gridFor } from '../../dispatch.ts';

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
 * bind group per dispatch: `storage` at bindings 0..n-1, the uniform slot at binding n.
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
    const entries: GPUBindGroupEntry[] = d.storage.map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    entries.push({
      binding: d.storage.length,
      resource: {
        buffer: uniform,
        offset: SLOT * index,
        size: 16 * Math.ceil(Math.max(8, d.params.length) / 4),
      },
    });
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
