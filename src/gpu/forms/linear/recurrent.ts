/**
 * `linear-recurrent`: linear attention as an RNN: sequential over tokens, parallel over heads, state
 * columns and state rows, O(d^2) state per head kept in registers during a dispatch and in a buffer
 * between dispatches of at most MAX_DISPATCH_TOKENS tokens. Two kernels:
 *   - linear-recurrent.wgsl, the default: tokens staged in blocks through workgroup memory,
 *     partial sums reduced there (barriers per block);
 *   - linear-recurrent-lanes.wgsl, only when forced (tuning `lanes`; it needs subgroups): each
 *     state column in the registers of a few lanes of one subgroup, sums by subgroup shuffles, no
 *     barrier per token (the feature map applied first by linear-feature-map-pass.wgsl). On an
 *     H200 it ran 1.6x slower than the staged kernel (docs/PERFORMANCE.md: its per-token shuffle
 *     sum costs about 160 ns through Dawn and Vulkan there), so it is not chosen by default.
 */
import lanesSource from '../../kernels/linear-recurrent-lanes.wgsl?raw';
import splitSource from '../../kernels/linear-recurrent-split.wgsl?raw';
import source from '../../kernels/linear-recurrent.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import { composeWgsl } from '../../wgsl.ts';
import type { AttentionShape, ResolvedOptions } from '../../types.ts';
import { passTimestamps, type FormFactory } from '../form.ts';
import {
  bindBuffers,
  createParams,
  encodeDispatches,
  FEATURE_MAP_CODES,
  MAX_DISPATCH_TOKENS,
  MAX_WORKGROUPS_PER_DISPATCH,
  requireLogDecay,
  linearKernel,
  mapFeatures,
  normalizerConstants,
  type PlannedDispatch,
} from './common.ts';

/** The kernels with the gate off (linear-recurrent) and on (gated-recurrent). */
const codes = {
  ungated: linearKernel(source, { gated: false }),
  gated: linearKernel(source, { gated: true }),
  splitUngated: linearKernel(splitSource, { gated: false }),
  splitGated: linearKernel(splitSource, { gated: true }),
  lanesUngated: composeWgsl('enable subgroups;', linearKernel(lanesSource, { gated: false })),
  lanesGated: composeWgsl('enable subgroups;', linearKernel(lanesSource, { gated: true })),
};

/** Invocations per workgroup of linear-recurrent-lanes.wgsl. */
const LANES_WORKGROUP = 64;

/**
 * The most lanes per state column linear-recurrent-lanes.wgsl can use on a device whose smallest
 * subgroup is `subgroupMinSize`: D / 4 (one vec4 of the column each) when subgroups are that
 * large, else the subgroup size (each lane then holds more of the column); 0 (it cannot run)
 * without subgroups or with subgroups of fewer than 4 invocations.
 */
export function recurrentLanes(dim: number, subgroupMinSize: number): number {
  if (subgroupMinSize < 4 || (subgroupMinSize & (subgroupMinSize - 1)) !== 0) return 0;
  const lanes = Math.min(dim / 4, subgroupMinSize);
  // At most 8 vec4s of the column per lane (the kernel's register arrays).
  return dim / (4 * lanes) <= 8 ? lanes : 0;
}

/** Floats of each phi(k), phi(q) staging array (TB * D) where workgroup memory allows 32 KiB. */
const STAGED_FLOATS = 1024;

/**
 * The override constants of linear-recurrent.wgsl. Workgroup memory is about 9 TB D bytes
 * (18 KiB at TB D = 1024); on a device with less than 32 KiB, half the tokens per block.
 */
export function linearRecurrentConstants(
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
  workgroupStorageBytes = 32_768,
): Record<string, number> {
  const staged = workgroupStorageBytes >= 32_768 ? STAGED_FLOATS : STAGED_FLOATS / 2;
  return {
    ...normalizerConstants(),
    D: dim,
    CB: Math.min(dim, 32),
    TB: staged / dim,
    FEATURE_MAP: FEATURE_MAP_CODES[options.featureMap],
    NORMALIZE: options.normalize ? 1 : 0,
  };
}

/** The shape of linear-recurrent-split.wgsl's workgroups. */
export interface SplitTiles {
  /** Threads per state column (RP): each holds D / RP rows, a multiple of 4. */
  rowParts: number;
  /** Columns of S per workgroup (CB), dividing D; z adds one more when normalised. */
  columns: number;
  /** Tokens per block between the barriers (TB). */
  blockTokens: number;
  /** One barrier per block, the shares double-buffered (ONE_BARRIER); default false. */
  oneBarrier?: boolean;
}

/**
 * The default tiles of linear-recurrent-split.wgsl: 4 rows per thread up to d = 64 (16 threads per
 * column at d = 64, the most the card can run at once with the fewest per-token instructions),
 * 8 at d = 128; as many columns as fit `maxThreads` invocations with z's column; 16 tokens per
 * block (then TB WG floats of shares: 9 KiB at d = 64).
 */
export function planSplitTiles(dim: number, normalize: boolean, maxThreads = 256): SplitTiles {
  const rowParts = Math.min(dim / 4, 16);
  let columns = dim;
  while (columns > 1 && (columns + (normalize ? 1 : 0)) * rowParts > maxThreads) columns /= 2;
  return { rowParts, columns, blockTokens: 16 };
}

/** Invocations and workgroup-memory bytes of a split tiling; null when the tiling is invalid. */
export function splitTileCost(
  dim: number,
  normalize: boolean,
  tiles: SplitTiles,
): { threads: number; bytes: number } | null {
  const { rowParts, columns, blockTokens } = tiles;
  const rows = dim / rowParts;
  if (!Number.isInteger(rows) || rows % 4 !== 0 || rows / 4 > 16) return null;
  if (!Number.isInteger(dim / columns) || blockTokens < 1) return null;
  const cz = columns + (normalize ? 1 : 0);
  const threads = cz * rowParts;
  const halves = tiles.oneBarrier ? 2 : 1;
  return { threads, bytes: 4 * blockTokens * (halves * threads + cz) };
}

/** The override constants of linear-recurrent-split.wgsl for one tiling. */
export function splitConstants(
  dim: number,
  options: Pick<ResolvedOptions, 'normalize'>,
  tiles: SplitTiles,
  featureMap: number,
): Record<string, number> {
  return {
    ...normalizerConstants(),
    D: dim,
    RP: tiles.rowParts,
    CB: tiles.columns,
    TB: tiles.blockTokens,
    ONE_BARRIER: tiles.oneBarrier ? 1 : 0,
    FEATURE_MAP: featureMap,
    NORMALIZE: options.normalize ? 1 : 0,
  };
}

/** Token ranges and workgroup ranges: one dispatch per pair. */
export function planLinearRecurrent(
  shape: AttentionShape,
  constants: Record<string, number>,
  maxTokens = MAX_DISPATCH_TOKENS,
): { tokenBegin: number; tokenEnd: number; offset: number; count: number }[] {
  const workgroups = shape.heads * (shape.dim / constants.CB!);
  const plan = [];
  for (let t = 0; t < shape.tokens; t += maxTokens) {
    for (let w = 0; w < workgroups; w += MAX_WORKGROUPS_PER_DISPATCH) {
      plan.push({
        tokenBegin: t,
        tokenEnd: Math.min(t + maxTokens, shape.tokens),
        offset: w,
        count: Math.min(MAX_WORKGROUPS_PER_DISPATCH, workgroups - w),
      });
    }
  }
  return plan;
}

/** Which kernel runs; tests force each one. */
export interface LinearRecurrentTuning {
  /** Tokens per dispatch; default MAX_DISPATCH_TOKENS. */
  maxTokens?: number;
  /**
   * Lanes per state column of linear-recurrent-lanes.wgsl (at most recurrentLanes of the device),
   * or 0 for linear-recurrent.wgsl. Default 0.
   */
  lanes?: number;
  /**
   * 'split' for linear-recurrent-split.wgsl (with `split` tiles, default planSplitTiles),
   * 'staged' for linear-recurrent.wgsl; ignored when `lanes` > 0. Default 'staged'.
   */
  kernel?: 'staged' | 'split';
  /** The split kernel's tiles (default planSplitTiles for the device). */
  split?: SplitTiles;
}

/**
 * The form with a chosen token span per dispatch (tests shrink it to exercise the carry) and
 * kernel; `gated` turns on the per-token decay (the gated-recurrent form, whose log-decays are
 * ctx.logDecay).
 */
export function createLinearRecurrentWith(
  tuning: LinearRecurrentTuning | number = {},
  gated = false,
): FormFactory {
  const {
    maxTokens = MAX_DISPATCH_TOKENS,
    lanes: forcedLanes,
    kernel = 'staged',
    split: forcedSplit,
  } = typeof tuning === 'number' ? { maxTokens: tuning } : tuning;
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    const gate = gated ? requireLogDecay(ctx) : undefined;
    const lanes = forcedLanes ?? 0;
    // The state between dispatches, in two buffers used in turn (each dispatch reads one and
    // writes the other: its workgroups do not run at once, and every workgroup of a head reads z).
    const states = [0, 1].map((i) =>
      ctx.createBuffer({
        label: `${label} state ${i}`,
        size: 4 * shape.heads * shape.dim * (shape.dim + 1),
        usage: GPUBufferUsage.STORAGE,
      }),
    ) as [GPUBuffer, GPUBuffer];
    const dispatches: PlannedDispatch[] = [];
    let pipeline: GPUComputePipeline;
    let plan: ReturnType<typeof planLinearRecurrent>;
    let q = ctx.q;
    let k = ctx.k;
    if (lanes > 0) {
      // The feature map once per element (none for the identity), then the lanes kernel.
      const mapped = mapFeatures(ctx);
      q = mapped.q;
      k = mapped.k;
      dispatches.push(...mapped.dispatches);
      pipeline = getPipeline(
        device,
        `${gated ? 'gated' : 'linear'}-recurrent-lanes`,
        gated ? codes.lanesGated : codes.lanesUngated,
        {
          ...normalizerConstants(),
          D: shape.dim,
          LANES: lanes,
          FEATURE_MAP: mapped.featureMap,
          NORMALIZE: options.normalize ? 1 : 0,
        },
      );
      plan = planRecurrentLanes(shape, lanes, maxTokens);
    } else if (kernel === 'split') {
      const tiles =
        forcedSplit ??
        planSplitTiles(
          shape.dim,
          options.normalize,
          Math.min(256, device.limits.maxComputeInvocationsPerWorkgroup),
        );
      const cost = splitTileCost(shape.dim, options.normalize, tiles);
      if (
        !cost ||
        cost.threads > device.limits.maxComputeInvocationsPerWorkgroup ||
        cost.bytes > device.limits.maxComputeWorkgroupStorageSize
      ) {
        throw new Error(
          `${label}: the split recurrent tiles ${JSON.stringify(tiles)} do not fit d = ${shape.dim} on this device.`,
        );
      }
      const mapped = mapFeatures(ctx);
      q = mapped.q;
      k = mapped.k;
      dispatches.push(...mapped.dispatches);
      const constants = splitConstants(shape.dim, options, tiles, mapped.featureMap);
      pipeline = getPipeline(
        device,
        `${gated ? 'gated' : 'linear'}-recurrent-split`,
        gated ? codes.splitGated : codes.splitUngated,
        constants,
      );
      plan = planLinearRecurrent(shape, constants, maxTokens);
    } else {
      const constants = linearRecurrentConstants(
        shape.dim,
        options,
        device.limits.maxComputeWorkgroupStorageSize,
      );
      pipeline = getPipeline(
        device,
        gated ? 'gated-recurrent' : 'linear-recurrent',
        gated ? codes.gated : codes.ungated,
        constants,
      );
      plan = planLinearRecurrent(shape, constants, maxTokens);
    }
    plan.forEach((p, i) => {
      const name = `${label} tokens ${p.tokenBegin}..${p.tokenEnd} dispatch ${i + 1}/${plan.length}`;
      const params = createParams(ctx.createBuffer, device, `${name} params`, [
        shape.tokens,
        p.tokenBegin,
        p.tokenEnd,
        p.offset,
      ]);
      const span = Math.floor(p.tokenBegin / maxTokens);
      const [stateIn, stateOut] = span % 2 === 0 ? states : [states[1], states[0]];
      dispatches.push({
        pipeline,
        bindGroup: bindBuffers(
          device,
          pipeline,
          name,
          [params, q, k, ctx.v, ctx.out, stateIn, stateOut],
          gate,
        ),
        workgroups: [p.count],
      });
    });
    return {
      encode(encoder, timestamps) {
        encodeDispatches(encoder, label, dispatches, passTimestamps(timestamps, 0, 1));
      },
    };
  };
}

/**
 * Token ranges and workgroup ranges of linear-recurrent-lanes.wgsl: H D columns, 64 / lanes per
 * workgroup; one dispatch per pair.
 */
export function planRecurrentLanes(
  shape: AttentionShape,
  lanes: number,
  maxTokens = MAX_DISPATCH_TOKENS,
): { tokenBegin: number; tokenEnd: number; offset: number; count: number }[] {
  const columnsPerWorkgroup = LANES_WORKGROUP / lanes;
  if (!Number.isInteger(columnsPerWorkgroup) || (shape.heads * shape.dim) % columnsPerWorkgroup) {
    throw new Error(
      `linear-recurrent-lanes: ${lanes} lanes per column do not tile ${shape.heads} x ${shape.dim} columns.`,
    );
  }
  const workgroups = (shape.heads * shape.dim) / columnsPerWorkgroup;
  const plan = [];
  for (let t = 0; t < shape.tokens; t += maxTokens) {
    for (let w = 0; w < workgroups; w += MAX_WORKGROUPS_PER_DISPATCH) {
      plan.push({
        tokenBegin: t,
        tokenEnd: Math.min(t + maxTokens, shape.tokens),
        offset: w,
        count: Math.min(MAX_WORKGROUPS_PER_DISPATCH, workgroups - w),
      });
    }
  }
  return plan;
}

/** The FormFactory the dispatcher registers for 'linear-recurrent'. */
export const createLinearRecurrent: FormFactory = createLinearRecurrentWith();
