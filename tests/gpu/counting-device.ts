/** A GPU device that counts its buffers, for the GPU tests' leak and capacity checks. */

export interface CountingDevice {
  device: GPUDevice;
  created: GPUBuffer[];
  destroyed: Set<GPUBuffer>;
}

/**
 * The real device behind a proxy that counts every buffer created and destroyed and, optionally,
 * reports smaller limits (to force head groups or capacity errors without huge allocations) and
 * replaces other methods (`methods`, given the real device).
 */
export function countingDevice(
  real: GPUDevice,
  limits: Partial<GPUSupportedLimits> = {},
  methods: (target: GPUDevice) => Partial<Record<keyof GPUDevice, unknown>> = () => ({}),
): CountingDevice {
  const created: GPUBuffer[] = [];
  const destroyed = new Set<GPUBuffer>();
  const fakeLimits = new Proxy(real.limits, {
    get: (target, prop) =>
      prop in limits ? limits[prop as keyof GPUSupportedLimits] : Reflect.get(target, prop),
  });
  const replaced = methods(real);
  const device = new Proxy(real, {
    get(target, prop) {
      if (prop === 'limits') return fakeLimits;
      if (prop in replaced) return replaced[prop as keyof GPUDevice];
      if (prop === 'createBuffer') {
        return (descriptor: GPUBufferDescriptor) => {
          const buffer = target.createBuffer(descriptor);
          created.push(buffer);
          const destroy = buffer.destroy.bind(buffer);
          buffer.destroy = () => {
            destroyed.add(buffer);
            destroy();
          };
          return buffer;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { device, created, destroyed };
}
