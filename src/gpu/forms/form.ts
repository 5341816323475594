/**
 * The contract between the attention dispatcher (src/gpu/attention.ts) and each form's module
 * (src/gpu/forms/<form>.ts). The dispatcher validates the problem, checks capacity, owns the
 * resident q, k, v and output buffers; a form owns its pipelines, intermediates and dispatch maths.
 */
import type { AttentionShape, ResolvedOptions, TimestampTarget } from '../types.ts';

export interface FormContext {
  device: GPUDevice;
  shape: AttentionShape;
  options: ResolvedOptions;
  /** Resident inputs and output, [heads][tokens][dim] f32, usage STORAGE | COPY_DST | COPY_SRC. */
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  out: GPUBuffer;
  /** Gated forms only: the log-decays g_t, [heads][tokens] f32, same usage. */
  logDecay?: GPUBuffer;
  /** Creates a buffer owned by this run: the dispatcher destroys it with the rest. */
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer;
  /** e.g. "attention/linear-chunked H=12 T=4096 d=64 c=64": prefix every GPU object's label. */
  label: string;
}

export interface FormKernel {
  /**
   * Encodes one complete run. Split long work into bounded dispatches (by query blocks, heads or
   * chunks): browsers reset a GPU whose work runs about two seconds without a break. Put
   * `timestamps.beginIndex` on the first compute pass and `endIndex` on the last.
   */
  encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget): void;
}

export type FormFactory = (context: FormContext) => FormKernel;

/** `timestampWrites` for pass `index` of `count` passes, or undefined. */
export function passTimestamps(
  timestamps: TimestampTarget | undefined,
  index: number,
  count: number,
): GPUComputePassTimestampWrites | undefined {
  if (!timestamps) return undefined;
  const writes: GPUComputePassTimestampWrites = { querySet: timestamps.querySet };
  if (index === 0) writes.beginningOfPassWriteIndex = timestamps.beginIndex;
  if (index === count - 1) writes.endOfPassWriteIndex = timestamps.endIndex;
  return index === 0 || index === count - 1 ? writes : undefined;
}
