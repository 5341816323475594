/**
 * Bounded dispatches, for every kernel: browsers reset a GPU whose work runs about two seconds
 * without a break, so long runs are cut into consecutive slices of work items (workgroups), each
 * one dispatch, under one FLOP budget. The softmax kernels (forms/softmax/dispatch.ts) and the
 * linear ones (forms/linear/common.ts) plan with the same budget and the same splitter.
 */

/** WebGPU's guaranteed maximum workgroups along one dimension of a dispatch. */
export const MAX_WORKGROUPS_PER_DISPATCH = 65_535;

/**
 * FLOPs one dispatch may carry (about 137 GFLOP). About 10 ms on a big discrete GPU and well
 * under a second on an integrated one at the rates these kernels reach; large enough to fill an
 * H200 at long contexts. (The linear kernels had 2^34 until both families shared one budget.)
 */
export const DISPATCH_FLOP_BUDGET = 2 ** 37;

/** A run of consecutive work items dispatched together. */
export interface Slice {
  offset: number;
  count: number;
}

/**
 * Cuts items 0..total-1 into consecutive slices whose summed cost stays within `budget` (a single
 * item over budget gets a slice of its own) and whose length stays within `maxCount`.
 */
export function planSlices(
  total: number,
  costOf: (item: number) => number,
  budget = DISPATCH_FLOP_BUDGET,
  maxCount = MAX_WORKGROUPS_PER_DISPATCH * MAX_WORKGROUPS_PER_DISPATCH,
): Slice[] {
  const slices: Slice[] = [];
  let offset = 0;
  let count = 0;
  let cost = 0;
  for (let item = 0; item < total; item++) {
    const c = costOf(item);
    if (count > 0 && (cost + c > budget || count >= maxCount)) {
      slices.push({ offset, count });
      offset = item;
      count = 0;
      cost = 0;
    }
    count += 1;
    cost += c;
  }
  if (count > 0) slices.push({ offset, count });
  return slices;
}

/** Workgroup grid for `count` items: as wide as the device allows, then rows. */
export function gridFor(count: number, maxPerDimension: number): [number, number] {
  const x = Math.max(1, Math.min(count, maxPerDimension));
  return [x, Math.ceil(count / x)];
}
