/**
 * Will a shape fit this device? The cost model says how large the biggest per-head buffer is; the
 * device says how large one buffer and one storage binding may be. What cannot fit even one head
 * is a CapacityError with a sentence; what cannot fit all heads in one binding is split by heads.
 */
import { formatBytes } from './format.ts';
import { estimateCost } from './costs.ts';
import { CapacityError } from './errors.ts';
import { FORM_SPECS } from './forms/registry.ts';
import { perBufferLimit, type BufferLimits } from './limits.ts';
import { formatCount } from './validate.ts';
import type { AttentionShape, ResolvedOptions } from './types.ts';

export { perBufferLimit, type BufferLimits } from './limits.ts';

const F32 = 4;

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
  const cost = estimateCost(options.form, shape, options);
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
