/** The device limits the capacity checks read. */

/**
 * The limits the capacity check reads (a GPUSupportedLimits fits). The workgroup memory, where
 * given, makes the working-memory estimate exact for the device (it decides whether the chunked
 * forms run the feature-map pass, and so hold its phi(q), phi(k)); without it the estimate is
 * the upper bound, WebGPU's default.
 */
export type BufferLimits = Pick<
  GPUSupportedLimits,
  'maxStorageBufferBindingSize' | 'maxBufferSize'
> &
  Partial<Pick<GPUSupportedLimits, 'maxComputeWorkgroupStorageSize'>>;

/**
 * WebGPU's default maxComputeWorkgroupStorageSize, 16 KiB, which every device offers: the cost
 * model's assumption where the device is not known, the most memory any device's run holds.
 */
export const WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES = 16_384;

/** The largest buffer that can also be bound whole as storage. */
export function perBufferLimit(limits: BufferLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}
