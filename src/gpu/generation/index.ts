/**
 * Single-token generation: a softmax KV cache (each step costs O(position)) or a linear-attention
 * recurrent state (each step costs the same), behind one dispatcher.
 */
import { ShapeError } from '../errors.ts';
import { requireDevice, requireObject } from '../guard.ts';
import {
  SUPPORTED_DIMS,
  type DecodeKind,
  type DecodeShape,
  type Decoder,
  type GpuWork,
} from '../types.ts';
import { createKvCacheDecodeWork, createKvCacheDecoder } from './kv-cache.ts';
import { createStateDecodeWork, createStateDecoder } from './state.ts';

export { createKvCacheDecodeWork, createKvCacheDecoder } from './kv-cache.ts';
export { createStateDecodeWork, createStateDecoder } from './state.ts';

/** Tokens a KV-cache decoder holds when no capacity is given. */
export const DEFAULT_DECODE_CAPACITY = 4096;

/** One token's work at a given position, for per-token timing (sweep.ts's DecodeWorkShape). */
export interface DecodeWorkRequest {
  kind: DecodeKind;
  heads: number;
  dim: number;
  /** Tokens already in the cache or folded into the state. */
  position: number;
}

function validateDecodeShape(shape: { kind: string; heads: number; dim: number }): void {
  requireObject(shape, 'The decoder', 'a shape {kind, heads, dim}');
  if (shape.kind !== 'kv-cache' && shape.kind !== 'state' && shape.kind !== 'gated-state') {
    throw new ShapeError(
      `Unknown decoder kind "${shape.kind}": use kv-cache, state or gated-state.`,
    );
  }
  if (!Number.isInteger(shape.heads) || shape.heads < 1) {
    throw new ShapeError(`heads must be a whole number of at least 1 (got ${shape.heads}).`);
  }
  if (!(SUPPORTED_DIMS as readonly number[]).includes(shape.dim)) {
    throw new ShapeError(`dim must be one of ${SUPPORTED_DIMS.join(', ')} (got ${shape.dim}).`);
  }
}

/**
 * A decoder fed one token at a time. `capacity` (KV cache only, default 4096) is the most tokens
 * it can hold; the state decoder has no limit.
 */
export function createDecoder(
  device: GPUDevice,
  shape: DecodeShape,
  capacity = DEFAULT_DECODE_CAPACITY,
): Decoder {
  requireDevice(device, 'createDecoder');
  validateDecodeShape(shape);
  if (shape.kind !== 'kv-cache') return createStateDecoder(device, shape);
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new ShapeError(`capacity must be a whole number of at least 1 (got ${capacity}).`);
  }
  return createKvCacheDecoder(device, shape, capacity);
}

/**
 * One new token's output as GpuWork, as if `position` tokens had been fed already (random cache
 * or state contents): for timing the cost per token against the position.
 */
export function createDecodeWork(device: GPUDevice, request: DecodeWorkRequest): GpuWork {
  requireDevice(device, 'createDecodeWork');
  validateDecodeShape(request);
  if (!Number.isInteger(request.position) || request.position < 0) {
    throw new ShapeError(
      `position must be a whole number of at least 0 (got ${request.position}).`,
    );
  }
  if (request.kind !== 'kv-cache') {
    return createStateDecodeWork(device, {
      kind: request.kind,
      heads: request.heads,
      dim: request.dim,
      position: request.position,
    });
  }
  return createKvCacheDecodeWork(device, request);
}
