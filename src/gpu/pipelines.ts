/**
 * Compute pipelines cached per device and per (kernel, constants): creating one compiles WGSL,
 * which is slow, and a device's pipelines die with it (hence the WeakMap).
 */
const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** Returns the pipeline for `code` with these override constants, compiling it once per device. */
export function getPipeline(
  device: GPUDevice,
  name: string,
  code: string,
  constants: Record<string, number> = {},
  entryPoint = 'main',
): GPUComputePipeline {
  let cache = caches.get(device);
  if (!cache) {
    cache = new Map();
    caches.set(device, cache);
  }
  const key = `${name}:${entryPoint}:${JSON.stringify(constants)}`;
  let pipeline = cache.get(key);
  if (!pipeline) {
    const module = device.createShaderModule({ label: name, code });
    pipeline = device.createComputePipeline({
      label: `${name} ${JSON.stringify(constants)}`,
      layout: 'auto',
      compute: { module, entryPoint, constants },
    });
    cache.set(key, pipeline);
  }
  return pipeline;
}
