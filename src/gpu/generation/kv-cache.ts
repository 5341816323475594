/** Placeholder: the KV-cache decode kernel lands in a later commit. */
import type { DecodeShape, Decoder, GpuWork } from '../types.ts';

export function createKvCacheDecoder(
  device: GPUDevice,
  shape: DecodeShape,
  capacity: number,
): Decoder {
  void device;
  void shape;
  void capacity;
  throw new Error('not implemented yet');
}

export function createKvCacheDecodeWork(
  device: GPUDevice,
  shape: { heads: number; dim: number; position: number },
): GpuWork {
  void device;
  void shape;
  throw new Error('not implemented yet');
}
