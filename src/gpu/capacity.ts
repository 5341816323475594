/**
 * Will a shape fit this device? The cost model says how large the biggest per-head buffer is; the
 * device says how large one buffer and one storage binding may be. What cannot fit even one head
 * is a CapacityError with a sentence; what cannot fit all heads in one binding is split by heads.
 * A training step, which holds all heads in one buffer, is checked as a whole
 * (trainingCapacityError).
 */
import {
  BACKWARD_MAX_CHUNK_SIZE,
  largestTrainingBuffer,
  trainingWorkingBytes,
} from './backward/memory.ts';
import { formatBytes, formatCount } from './format.ts';
import { estimateCost, type CostEstimateOptions } from './costs.ts';
import { CapacityError } from './errors.ts';
import { FORM_SPECS, type TrainableForm } from './forms/registry.ts';
import { perBufferLimit, type BufferLimits } from './limits.ts';

import {
  resolveOptions,
  type AttentionOptions,
  type AttentionShape,
  type ResolvedOptions,
} from './types.ts';

export { perBufferLimit, type BufferLimits } from './limits.ts';

const F32 = 4;

/**
 * The cost model's options on a device with these limits: exact where they give its workgroup
 * memory (a GPUSupportedLimits does), the upper bound where they do not.
 */
function costOptionsFor(options: ResolvedOptions, limits: BufferLimits): CostEstimateOptions {
  return { ...options, workgroupStorageBytes: limits.maxComputeWorkgroupStorageSize };
}

/**
 * Throws a CapacityError when one head's largest buffer exceeds one buffer or binding:
 * "softmax-naive at T = 65,536 needs 16 GiB of scores per head; this GPU allows 2 GiB per buffer."
 */
export function checkCapacity(
  shape: AttentionShape,
  options: ResolvedOptions,
  limits: BufferLimits,
): void {
  const limit = perBufferLimit(limits);
  const cost = estimateCost(options.form, shape, costOptionsFor(options, limits));
  const io = shape.tokens * shape.dim * F32;
  const needed = Math.max(cost.largestPerHeadBytes, io);
  if (needed <= limit) return;
  const spec = FORM_SPECS[options.form];
  // The naive form's scores are its largest buffer even below T = d, so they are always named.
  const what =
    needed > io || spec.schedule === 'dense'
      ? spec.intermediates
      : 'for each of q, k, v and the output';
  const advice = spec.capacityAdvice;
  throw new CapacityError(
    `${options.form} at T = ${formatCount(shape.tokens)} needs ${formatBytes(needed)} ` +
      `${what} per head; this GPU allows ${formatBytes(limit)} per buffer.${advice}`,
    needed,
    limit,
  );
}

/** A contiguous range of heads that share one set of q, k, v and output buffers. */
export interface HeadGroup {
  first: number;
  count: number;
}

/**
 * Splits the heads so that one group's q (heads x tokens x dim f32) fits one binding. Usually a
 * single group; at long contexts on small limits, several. Assumes checkCapacity passed.
 */
export function planHeadGroups(shape: AttentionShape, limits: BufferLimits): HeadGroup[] {
  const perHead = shape.tokens * shape.dim * F32;
  const perGroup = Math.max(1, Math.min(shape.heads, Math.floor(perBufferLimit(limits) / perHead)));
  const groups: HeadGroup[] = [];
  for (let first = 0; first < shape.heads; first += perGroup) {
    groups.push({ first, count: Math.min(perGroup, shape.heads - first) });
  }
  return groups;
}

/**
 * The most GPU memory one problem may hold, all buffers together, unless the caller sets another
 * cap. WebGPU reports no total memory (only how large one buffer and one binding may be), so the
 * engine caps it at 8 GiB; the widgets' default shapes and the benchmark's default sweep stay well
 * below (about 2 GiB at 131,072 tokens, 12 heads, d = 64). Out-of-memory errors below the cap are
 * still caught by an error scope around the allocations and reported as a CapacityError.
 */
export const DEFAULT_MEMORY_CAP_BYTES = 8 * 2 ** 30;

/**
 * How many maxBufferSize one problem may hold in all: a device whose largest buffer is small is
 * unlikely to hold much more than a few of them. (Not the binding limit: heads are split into
 * groups precisely where one binding is small and memory is not.)
 */
export const BUFFER_LIMITS_PER_PROBLEM = 8;

/**
 * The total memory one problem may hold on a device with these limits: the cap, and never more
 * than BUFFER_LIMITS_PER_PROBLEM times maxBufferSize.
 */
export function totalMemoryLimit(limits: BufferLimits, cap = DEFAULT_MEMORY_CAP_BYTES): number {
  return Math.min(cap, BUFFER_LIMITS_PER_PROBLEM * limits.maxBufferSize);
}

/**
 * Throws a CapacityError, before anything is allocated, when the whole problem (all heads) needs
 * more memory than totalMemoryLimit allows: "linear-chunked at H = 1,048,576, T = 1,024, d = 128
 * needs 2 TiB of GPU memory in all; this page allows 8 GiB."
 */
export function checkTotalMemory(
  shape: AttentionShape,
  options: ResolvedOptions,
  limits: BufferLimits,
  cap = DEFAULT_MEMORY_CAP_BYTES,
): void {
  const needed = estimateCost(options.form, shape, costOptionsFor(options, limits)).workingBytes;
  const limit = totalMemoryLimit(limits, cap);
  if (needed <= limit) return;
  throw new CapacityError(
    `${options.form} at H = ${formatCount(shape.heads)}, T = ${formatCount(shape.tokens)}, ` +
      `d = ${shape.dim} needs ${formatBytes(needed)} of GPU memory in all; this page allows ` +
      `${formatBytes(limit)} (${totalLimitWhy(limits, cap)}). Use fewer heads or a shorter context.`,
    needed,
    limit,
  );
}

/** Why totalMemoryLimit(limits, cap) is what it is, for the sentences. */
function totalLimitWhy(limits: BufferLimits, cap: number): string {
  return totalMemoryLimit(limits, cap) < cap
    ? `${BUFFER_LIMITS_PER_PROBLEM} times this GPU's largest buffer, ${formatBytes(limits.maxBufferSize)}`
    : 'the engine caps it, since WebGPU does not report how much memory a GPU has';
}

/**
 * Why a training step (createAttentionTraining) of this shape cannot run on a device with these
 * limits, as a CapacityError to throw or to report, or null: its largest buffer (all heads in one,
 * largestTrainingBuffer) must fit one buffer and one storage binding, and its working memory
 * (trainingWorkingBytes) totalMemoryLimit(limits, cap). "Training linear-chunked at H = 12,
 * T = 16,384, d = 64, c = 16 needs 195 MiB in one buffer (all heads) for the chunk states; this
 * GPU allows 128 MiB per buffer. Use fewer heads, a shorter context or a larger chunk size (at
 * most 64)."
 */
export function trainingCapacityError(
  form: TrainableForm,
  shape: AttentionShape,
  options: AttentionOptions,
  limits: BufferLimits,
  cap = DEFAULT_MEMORY_CAP_BYTES,
): CapacityError | null {
  const costOptions = { ...options, workgroupStorageBytes: limits.maxComputeWorkgroupStorageSize };
  const chunked = FORM_SPECS[form].family !== 'softmax';
  const chunkSize = resolveOptions({ ...options, form }).chunkSize;
  const name =
    `Training ${form} at H = ${formatCount(shape.heads)}, T = ${formatCount(shape.tokens)}, ` +
    `d = ${shape.dim}${chunked ? `, c = ${chunkSize}` : ''}`;
  // Only below the backward's largest chunk size does a larger one help, by holding fewer states.
  const largerChunks = chunked && chunkSize < BACKWARD_MAX_CHUNK_SIZE;
  const larger = `a larger chunk size (at most ${BACKWARD_MAX_CHUNK_SIZE})`;
  const largest = largestTrainingBuffer(form, shape, costOptions);
  const perBuffer = perBufferLimit(limits);
  if (largest.bytes > perBuffer) {
    const states = largest.holds === 'chunk states';
    const advice =
      states && largerChunks
        ? `Use fewer heads, a shorter context or ${larger}.`
        : 'Use fewer heads or a shorter context.';
    return new CapacityError(
      `${name} needs ${formatBytes(largest.bytes)} in one buffer (all heads) ${largest.what}; ` +
        `this GPU allows ${formatBytes(perBuffer)} per buffer. ${advice}`,
      largest.bytes,
      perBuffer,
    );
  }
  const needed = trainingWorkingBytes(form, shape, costOptions);
  const limit = totalMemoryLimit(limits, cap);
  if (needed <= limit) return null;
  return new CapacityError(
    `${name} needs ${formatBytes(needed)} of GPU memory in all; this page allows ` +
      `${formatBytes(limit)} (${totalLimitWhy(limits, cap)}). Use fewer heads or a shorter ` +
      `context${largerChunks ? `, or ${larger}` : ''}.`,
    needed,
    limit,
  );
}

/**
 * Why a shape cannot run on this device, from the cost model, or null: the largest buffer of one
 * head must fit one storage binding and one buffer, and all heads' working memory the given cap.
 */
export function capacityReason(
  cost: { largestPerHeadBytes: number; workingBytes: number },
  limits: BufferLimits,
  memoryLimitBytes = Number.POSITIVE_INFINITY,
): string | null {
  const perBuffer = perBufferLimit(limits);
  if (cost.largestPerHeadBytes > perBuffer) {
    return `needs ${formatBytes(cost.largestPerHeadBytes)} in one buffer; this device allows ${formatBytes(perBuffer)}`;
  }
  if (cost.workingBytes > memoryLimitBytes) {
    return `needs ${formatBytes(cost.workingBytes)} of GPU memory; the limit is ${formatBytes(memoryLimitBytes)}`;
  }
  return null;
}
