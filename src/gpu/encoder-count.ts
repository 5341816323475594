/**
 * What one run of a `GpuWork` encodes, counted on a real command encoder: compute passes,
 * dispatches, workgroups and other encoder commands (copies, clears). The count wraps
 * `beginComputePass` and the pass's `dispatchWorkgroups`, so it reports what the work's plan
 * chose on this device (tilings and dispatch splits depend on the device's limits), not what its
 * code is read to do.
 */
import type { GpuWork } from './types.ts';

/** The commands one `encode` recorded. */
export interface EncoderCount {
  /** Compute passes begun. */
  passes: number;
  /** Direct and indirect dispatches, over all passes. */
  dispatches: number;
  /** Workgroups of the direct dispatches (x y z summed over dispatches). */
  workgroups: number;
  /** Indirect dispatches (their workgroups are not known when encoding). */
  indirect: number;
  /** Encoder commands outside passes: copies and clears. */
  copies: number;
}

const COPY_METHODS = new Set([
  'copyBufferToBuffer',
  'copyBufferToTexture',
  'copyTextureToBuffer',
  'copyTextureToTexture',
  'clearBuffer',
]);

/** Binds a native method to its real object: Dawn's methods reject any other `this`. */
function forward<T extends object>(target: T, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target) as unknown;
  return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
}

/**
 * A proxy of `encoder` that counts into `count` (updated as commands are recorded) and passes
 * every call through to the real encoder unchanged.
 */
export function countingEncoder(encoder: GPUCommandEncoder): {
  encoder: GPUCommandEncoder;
  count: EncoderCount;
} {
  const count: EncoderCount = { passes: 0, dispatches: 0, workgroups: 0, indirect: 0, copies: 0 };
  const countPass = (pass: GPUComputePassEncoder): GPUComputePassEncoder =>
    new Proxy(pass, {
      get(target, prop) {
        if (prop === 'dispatchWorkgroups') {
          return (x: number, y = 1, z = 1) => {
            count.dispatches += 1;
            count.workgroups += x * y * z;
            target.dispatchWorkgroups(x, y, z);
          };
        }
        if (prop === 'dispatchWorkgroupsIndirect') {
          return (buffer: GPUBuffer, offset: number) => {
            count.dispatches += 1;
            count.indirect += 1;
            target.dispatchWorkgroupsIndirect(buffer, offset);
          };
        }
        return forward(target, prop);
      },
    });
  const proxy = new Proxy(encoder, {
    get(target, prop) {
      if (prop === 'beginComputePass') {
        return (descriptor?: GPUComputePassDescriptor) => {
          count.passes += 1;
          return countPass(target.beginComputePass(descriptor));
        };
      }
      const value = forward(target, prop);
      if (typeof prop === 'string' && COPY_METHODS.has(prop) && typeof value === 'function') {
        return (...args: unknown[]) => {
          count.copies += 1;
          return (value as (...a: unknown[]) => unknown)(...args);
        };
      }
      return value;
    },
  });
  return { encoder: proxy, count };
}

/**
 * Counts one run of `work` as the timing code encodes the runs between the first and the last of
 * a batch (no timestamp writes). The commands are finished but never submitted.
 */
export function countRun(device: GPUDevice, work: GpuWork): EncoderCount {
  const real = device.createCommandEncoder({ label: `count ${work.label}` });
  const { encoder, count } = countingEncoder(real);
  work.encode(encoder);
  real.finish();
  return { ...count };
}
