/** Copying a GPU result back to the CPU: one helper for every form, decoder and smoke test. */
import { explainGpuFailure } from './guard.ts';

/**
 * Finishes `encoder` with a copy of the first `bytes` of `source` into `staging` (a MAP_READ |
 * COPY_DST buffer), submits it, and returns the copied floats. `staging` is left unmapped for reuse.
 * A device lost on the way rejects with a DeviceLostError (WebGPU's own AbortError may say nothing).
 */
export async function submitAndRead(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  source: GPUBuffer,
  staging: GPUBuffer,
  bytes: number,
): Promise<Float32Array> {
  encoder.copyBufferToBuffer(source, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
  } catch (error) {
    throw await explainGpuFailure(device, error, `Reading back ${source.label || 'a result'}`);
  }
  const result = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
  staging.unmap();
  return result;
}
