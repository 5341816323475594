/** A vector add through WebGPU: the smoke test that WGSL runs in the page, a worker and Node. */
import source from './kernels/vector-add.wgsl?raw';
import { ShapeError } from './errors.ts';
import { requireDevice } from './guard.ts';
import { submitAndRead } from './readback.ts';

const WORKGROUP_SIZE = 64;

/** Returns a + b computed on the GPU. Creates and destroys its own buffers. */
export async function addVectors(
  device: GPUDevice,
  a: Float32Array,
  b: Float32Array,
): Promise<Float32Array> {
  requireDevice(device, 'addVectors');
  if (!(a instanceof Float32Array) || !(b instanceof Float32Array)) {
    throw new ShapeError('addVectors needs two Float32Arrays.');
  }
  if (a.length !== b.length || a.length === 0) {
    throw new ShapeError(
      `addVectors needs two equal, non-empty arrays (got ${a.length} and ${b.length}).`,
    );
  }
  const bytes = a.byteLength;
  const label = `vector-add n=${a.length}`;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const bufA = device.createBuffer({ label: `${label} a`, size: bytes, usage });
  const bufB = device.createBuffer({ label: `${label} b`, size: bytes, usage });
  const out = device.createBuffer({ label: `${label} out`, size: bytes, usage });
  const read = device.createBuffer({
    label: `${label} readback`,
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    device.queue.writeBuffer(bufA, 0, a);
    device.queue.writeBuffer(bufB, 0, b);
    device.queue.writeBuffer(out, 0, new Float32Array(a.length).fill(Number.NaN));
    const module = device.createShaderModule({ label, code: source });
    const pipeline = device.createComputePipeline({
      label,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { WORKGROUP_SIZE } },
    });
    const bindGroup = device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: [bufA, bufB, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(a.length / WORKGROUP_SIZE));
    pass.end();
    return await submitAndRead(device, encoder, out, read, bytes);
  } finally {
    for (const buffer of [bufA, bufB, out, read]) buffer.destroy();
  }
}
