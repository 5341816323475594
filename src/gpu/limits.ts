/** The device limits the capacity checks read. */

/** The limits the capacity check reads (a GPUSupportedLimits fits). */
export type BufferLimits = Pick<
  GPUSupportedLimits,
  'maxStorageBufferBindingSize' | 'maxBufferSize'
>;

/** The largest buffer that can also be bound whole as storage. */
export function perBufferLimit(limits: BufferLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}
