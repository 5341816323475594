/**
 * `linear-recurrent`: linear attention as an RNN: sequential over tokens, parallel over heads, state
 * columns and state rows, O(d^2) state per head kept in registers during a dispatch and in a buffer
 * between dispatches of at most MAX_DISPATCH_TOKENS tokens. linear-recurrent.wgsl: tokens staged
 * in blocks through workgroup memory, each state column split over D / 16 threads by rows, partial
 * sums reduced there (barriers per block). A feature map other than the identity is applied first,
 * once per element, by a pass (mapFeatures, linear-feature-map-pass.wgsl): in the kernel's staging
 * it cost about a quarter of the form's time on an H200 (docs/PERFORMANCE.md, "The recurrent form,
 * sixth round"). Two other decompositions, a subgroup-shuffle sum per
 * token and 4 to 64 rows per thread read straight from storage, ran slower on an H200 and were
 * deleted (docs/PERFORMANCE.md, "The recurrent form, fourth round").
 */
import source from '../../kernels/linear-recurrent.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
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
};

/**
 * Floats of each phi(k), phi(q) staging array (TB * D), the largest whose workgroup memory fits:
 * at d = 64, 2,048 (TB = 32, 36.6 KiB) where 48 KiB allows it; else 1,024, else 512. On the H200,
 * 32 tokens per block instead of 16: 9.83 -> 8.65 ms at 65,536 tokens, 623 -> 546 us at 4,096
 * (call S5, docs/PERFORMANCE.md): half the blocks, so half the waits for each block's loads from
 * memory, which nothing hides. Only d = 64 was timed and checked on the card with 2,048, so the
 * other head sizes keep at most 1,024.
 */
const STAGED_FLOATS = [2048, 1024, 512] as const;
const STAGED_FLOATS_MEASURED_DIM = 64;

/**
 * Workgroup memory of linear-recurrent.wgsl at these constants: phi(k) and phi(q) (TB D each), v
 * (TB CB), the partial numerators (TB RP CB) and denominators (TB RP), and the decays (TB) with the
 * gate on.
 */
export function linearRecurrentWorkgroupBytes(dim: number, TB: number, gated: boolean): number {
  const CB = Math.min(dim, 32);
  const RP = dim / 16;
  return 4 * (2 * TB * dim + TB * CB + TB * RP * CB + TB * RP + (gated ? TB : 0));
}

/** The override constants of linear-recurrent.wgsl (the gate's decays counted either way). */
export function linearRecurrentConstants(
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
  workgroupStorageBytes = 32_768,
): Record<string, number> {
  const staged =
    STAGED_FLOATS.find(
      (f) =>
        (f <= 1024 || dim === STAGED_FLOATS_MEASURED_DIM) &&
        linearRecurrentWorkgroupBytes(dim, f / dim, true) <= workgroupStorageBytes,
    ) ?? 512;
  return {
    ...normalizerConstants(),
    D: dim,
    CB: Math.min(dim, 32),
    TB: staged / dim,
    FEATURE_MAP: FEATURE_MAP_CODES[options.featureMap],
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

/** What tests may force. */
export interface LinearRecurrentTuning {
  /** Tokens per dispatch; default MAX_DISPATCH_TOKENS. */
  maxTokens?: number;
}

/**
 * The form with a chosen token span per dispatch (tests shrink it to exercise the carry); `gated`
 * turns on the per-token decay (the gated-recurrent form, whose log-decays are ctx.logDecay).
 */
export function createLinearRecurrentWith(
  tuning: LinearRecurrentTuning | number = {},
  gated = false,
): FormFactory {
  const { maxTokens = MAX_DISPATCH_TOKENS } =
    typeof tuning === 'number' ? { maxTokens: tuning } : tuning;
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    const gate = gated ? requireLogDecay(ctx) : undefined;
    // The state between dispatches, in two buffers used in turn (each dispatch reads one and
    // writes the other: its workgroups do not run at once, and every workgroup of a head reads z).
    const states = [0, 1].map((i) =>
      ctx.createBuffer({
        label: `${label} state ${i}`,
        size: 4 * shape.heads * shape.dim * (shape.dim + 1),
        usage: GPUBufferUsage.STORAGE,
      }),
    ) as [GPUBuffer, GPUBuffer];
    // phi(q) and phi(k) from the feature-map pass (q and k themselves for the identity map); the
    // kernel then maps by the identity.
    const mapped = mapFeatures(ctx);
    const dispatches: PlannedDispatch[] = [...mapped.dispatches];
    const constants = {
      ...linearRecurrentConstants(shape.dim, options, device.limits.maxComputeWorkgroupStorageSize),
      FEATURE_MAP: mapped.featureMap,
    };
    const pipeline = getPipeline(
      device,
      gated ? 'gated-recurrent' : 'linear-recurrent',
      gated ? codes.gated : codes.ungated,
      constants,
    );
    const plan = planLinearRecurrent(shape, constants, maxTokens);
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
          [params, mapped.q, mapped.k, ctx.v, ctx.out, stateIn, stateOut],
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

/** The FormFactory the dispatcher registers for 'linear-recurrent'. */
export const createLinearRecurrent: FormFactory = createLinearRecurrentWith();
