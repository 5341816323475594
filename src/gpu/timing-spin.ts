/**
 * A `GpuWork` whose cost is a parameter: `elements` invocations each running `iterations`
 * dependent multiply-adds. The timing code runs a tiny one to read the clock's resolution, and the
 * tests time it in place of attention (its cost grows linearly in `iterations`).
 */
import { requireDevice } from './guard.ts';
import { passTimestamps } from './forms/form.ts';
import source from './kernels/timing-spin.wgsl?raw';
import { getPipeline } from './pipelines.ts';
import type { GpuWork, TimestampTarget } from './types.ts';

const WORKGROUP_SIZE = 64;

export interface SpinShape {
  /** Invocations, one f32 each; default 64. */
  elements?: number;
  /** Dependent multiply-adds per invocation; default 1. */
  iterations?: number;
}

/** Creates the calibration work. Its buffer holds random values, never zeros. */
export function createSpinWork(device: GPUDevice, shape: SpinShape = {}): GpuWork {
  requireDevice(device, 'createSpinWork');
  const elements = Math.max(1, Math.floor(shape.elements ?? 64));
  const iterations = Math.max(0, Math.floor(shape.iterations ?? 1));
  const label = `timing/spin n=${elements} iterations=${iterations}`;
  const data = device.createBuffer({
    label: `${label} data`,
    size: elements * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  const params = device.createBuffer({
    label: `${label} params`,
    size: 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(
    data,
    0,
    Float32Array.from({ length: elements }, () => Math.random()),
  );
  device.queue.writeBuffer(params, 0, new Uint32Array([iterations, 0, 0, 0]));
  const pipeline = getPipeline(device, 'timing/spin', source, { WORKGROUP_SIZE });
  const bindGroup = device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: data } },
      { binding: 1, resource: { buffer: params } },
    ],
  });
  let destroyed = false;
  return {
    label,
    flops: 2 * elements * iterations,
    encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget) {
      const timestampWrites = passTimestamps(timestamps, 0, 1);
      const pass = encoder.beginComputePass(
        timestampWrites ? { label, timestampWrites } : { label },
      );
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.ceil(elements / WORKGROUP_SIZE));
      pass.end();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      data.destroy();
      params.destroy();
    },
  };
}
