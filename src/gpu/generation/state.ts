/**
 * Placeholder until the recurrent-state decoder lands (owned by the linear-forms engineer).
 * generation/index.ts imports both functions below.
 */
import type { DecodeShape, Decoder, GpuWork } from '../types.ts';

/** A linear-attention decoder whose state S (d x d) and z (d) make each step cost the same. */
export function createStateDecoder(device: GPUDevice, shape: DecodeShape): Decoder {
  void device;
  void shape;
  throw new Error('not implemented yet');
}

/**
 * One token's state update and output as GpuWork, with a random state standing for `position`
 * tokens already folded in (cost independent of position), for per-token timing.
 */
export function createStateDecodeWork(
  device: GPUDevice,
  shape: DecodeShape & { position: number },
): GpuWork {
  void device;
  void shape;
  throw new Error('not implemented yet');
}
