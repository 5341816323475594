/**
 * `linear-chunked`: chunks of c tokens (Buckman & Gelada 2024, the chunked formulation), in three kernels:
 *   1. linear-chunked-summaries.wgsl: P_b = phi(K_b)^T V_b and z_b = colsum phi(K_b), every chunk in parallel;
 *   2. linear-chunked-prefix.wgsl: the exclusive prefix over chunks, in place: S_b, Z_b;
 *   3. linear-chunked-output-whole.wgsl (or -output-rows.wgsl where blocks are few) or
 *      linear-chunked-output.wgsl (sliced): phi(Q_b) S_b plus the causal attention form inside the
 *      chunk. With few chunks per head, the output kernel sums S_b from the summaries itself and
 *      kernel 2 does not run (SUMMED_STATES_MAX_CHUNKS).
 * Work O(T d^2 + T c d); memory O(T d + (T / c) d^2). When the chunk states of all heads would not
 * fit one storage binding, the heads run in groups through one states buffer.
 * Where the whole-tile output kernel runs (d <= 64, c a multiple of 64, 48 KiB of workgroup memory
 * at d = 64), kernels 1 and 3 apply the feature map as they stage phi(K) and phi(Q); elsewhere a
 * pass applies it first (mapFeatures), since the sliced output kernel restages phi(Q) per key tile.
 * With the gate on (the gated-chunked form), a fourth kernel runs first:
 *   0. gated-chunked-cumsum.wgsl: cum_t, the log-decays summed from the chunk's start to t;
 * and the three kernels read cum (gate-on.wgsl) to decay: phi(k_t) by exp(cum_e - cum_t) in the
 * summaries (e the chunk's last token), S_b by exp(cum_e) in the prefix, phi(q_i) S_b by
 * exp(cum_i) and each score by exp(cum_i - cum_j) in the output. Every exponent is <= 0; the extra
 * work is O(T d + (T / c) d^2) multiplications.
 */
import chunkOutputSource from '../../kernels/linear-chunked-output.wgsl?raw';
import chunkOutputRowsSource from '../../kernels/linear-chunked-output-rows.wgsl?raw';
import chunkOutputWholeSource from '../../kernels/linear-chunked-output-whole.wgsl?raw';
import chunkStatesSource from '../../kernels/linear-chunked-states.wgsl?raw';
import cumsumSource from '../../kernels/gated-chunked-cumsum.wgsl?raw';
import prefixSource from '../../kernels/linear-chunked-prefix.wgsl?raw';
import summariesSource from '../../kernels/linear-chunked-summaries.wgsl?raw';
import { CapacityError } from '../../errors.ts';
import { formatCount } from '../../format.ts';
import { getPipeline } from '../../pipelines.ts';
import {
  CHUNK_BLOCK_WGSL,
  CHUNK_PAIRS_WGSL,
  CHUNK_STATE_SCAN_WGSL,
  composeWgsl,
  gateWgsl,
  LINEAR_INPUTS_WGSL,
} from '../../wgsl.ts';
import type { AttentionShape, ResolvedOptions } from '../../types.ts';
import { passTimestamps, type FormContext, type FormFactory } from '../form.ts';
import {
  bindBuffers,
  attentionTileConstants,
  chooseAttentionTiles,
  createParams,
  encodeDispatches,
  FEATURE_MAP_CODES,
  MAX_DISPATCH_FLOPS,
  MAX_WORKGROUPS_PER_DISPATCH,
  requireLogDecay,
  splitWorkgroups,
  linearKernel,
  mapFeatures,
  normalizerConstants,
  type AttentionTiles,
  type PlannedDispatch,
} from './common.ts';
import { ROWS_BLOCK, usesRowsOutput, usesWholeOutput, WHOLE_BLOCK } from './whole-output.ts';

export { usesRowsOutput, usesWholeOutput, wholeOutputBytes } from './whole-output.ts';

const outputSource = composeWgsl(CHUNK_BLOCK_WGSL, chunkOutputSource);
const outputWholeSource = composeWgsl(CHUNK_BLOCK_WGSL, chunkStatesSource, chunkOutputWholeSource);
const outputRowsSource = composeWgsl(CHUNK_BLOCK_WGSL, chunkStatesSource, chunkOutputRowsSource);

/** Each kernel of one input element type (LINEAR_INPUTS_WGSL) with the gate off or on. */
function chunkedCodes(inputs: string, gated: boolean) {
  return {
    summaries: linearKernel(summariesSource, { gated, inputs }),
    prefix: composeWgsl(gateWgsl(gated), CHUNK_STATE_SCAN_WGSL, prefixSource),
    output: linearKernel(outputSource, { tiles: true, gated, inputs }),
    outputWhole: linearKernel(outputWholeSource, { gated, inputs }),
    outputRows: linearKernel(outputRowsSource, { gated, inputs }),
  };
}

/** Each kernel with the gate off (linear-chunked) and on (gated-chunked), f32 inputs. */
const codes = {
  ungated: chunkedCodes(LINEAR_INPUTS_WGSL.f32, false),
  gated: chunkedCodes(LINEAR_INPUTS_WGSL.f32, true),
};

/**
 * What the chunked kernels read as phi(Q), phi(K) and V, and in what element type: by default the
 * f32 inputs (phi applied by mapFeatures where it is not the identity); linear-chunked-f16
 * (forms/f16/linear-f16.ts) passes f16 copies made by its own pass.
 */
export interface ChunkedInputs {
  /** The pipelines' name prefix ('linear-chunked-f16'). */
  name: string;
  /** The WGSL piece declaring the element type QKV (LINEAR_INPUTS_WGSL). */
  wgsl: string;
  /** phi(Q), phi(K) and V as the kernels read them, and the dispatches that make them. */
  prepare(ctx: FormContext): {
    q: GPUBuffer;
    k: GPUBuffer;
    v: GPUBuffer;
    dispatches: PlannedDispatch[];
  };
}

/** Threads per workgroup of the cumulative-sum kernel (a constant in the WGSL). */
const CUMSUM_WORKGROUP = 64;

/** Threads per workgroup of the prefix kernel. */
const PREFIX_WORKGROUP = 256;
/**
 * Tokens the summaries kernel stages per step: 2 * 32 * 64 floats = 16 KiB, WebGPU's default. (64
 * tokens, 32 KiB, where the device allows it, took the summaries on an H200 from 257 to 379 us at
 * 65,536 tokens: docs/PERFORMANCE.md.)
 */
const SUMMARY_TOKENS = 32;

/**
 * Override constants of the three kernels, from one tiling: the dispatch maths reads them too.
 * `mapInKernels`: the summaries and output kernels apply the feature map as they stage phi(K) and
 * phi(Q) (the whole-tile output kernel, which stages each element of Q once); otherwise a feature
 * map other than the identity is applied once by linear-feature-map-pass.wgsl and the kernels after
 * it read phi(Q) and phi(K) and map them by the identity (the sliced output kernel restages phi(Q)
 * once per key tile).
 */
export function linearChunkedConstants(
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
  tiles: AttentionTiles,
  mapInKernels = false,
): {
  summaries: Record<string, number>;
  prefix: Record<string, number>;
  output: Record<string, number>;
} {
  const featureMap = mapInKernels
    ? FEATURE_MAP_CODES[options.featureMap]
    : FEATURE_MAP_CODES.identity;
  return {
    summaries: {
      ...normalizerConstants(),
      D: dim,
      TS: Math.min(dim, 64),
      KT: SUMMARY_TOKENS,
      FEATURE_MAP: featureMap,
    },
    prefix: { WORKGROUP: PREFIX_WORKGROUP, STATE: dim * (dim + 1) },
    output: {
      ...attentionTileConstants(dim, tiles),
      FEATURE_MAP: featureMap,
      NORMALIZE: options.normalize ? 1 : 0,
    },
  };
}

/**
 * Query blocks per workgroup of linear-chunked-output-whole.wgsl at c = 64, each block's loads
 * requested during the one before: on an H200, 2 took 1.38 -> 1.33 ms at 65,536 tokens and 95 ->
 * 90 us at 4,096; 4 was as fast at 65,536 and slower at 4,096 (fewer workgroups than the GPU holds).
 * With few blocks in all, the blocks of one workgroup run one after another where they could have
 * run side by side (H200, 12 heads of 128 to 512 tokens: 8-9 us slower, call K), so two only from
 * WHOLE_BLOCKS_FROM blocks (4,096 tokens of 8 heads).
 */
const WHOLE_BLOCKS = 2;
const WHOLE_BLOCKS_FROM = 512;

/**
 * The most chunks per head for which the whole-tile output kernel sums each block's chunk state
 * from the summaries itself (SUM_STATES) and the prefix kernel does not run: one dispatch fewer,
 * paid for by each block reading the summaries of the chunks before its own (at most this many
 * less one, four at a time). On an H200 (12 heads, c = 64, softplus and the normaliser): 19.7 ->
 * 17.0 us at 128 tokens, 35.9 -> 32.8 us at 1,024; with 32, 47.7 -> 54 us at 2,048
 * (docs/PERFORMANCE.md).
 */
export const SUMMED_STATES_MAX_CHUNKS = 16;

/** Query blocks per workgroup of the whole-tile kernel at c = 64 for `blocks` blocks in all. */
export function wholeBlocksFor(blocks: number): number {
  return blocks >= WHOLE_BLOCKS_FROM ? WHOLE_BLOCKS : 1;
}

/** Heads whose chunk states share one buffer, so that it fits one storage binding. */
export function chunkStateHeads(
  shape: AttentionShape,
  chunkSize: number,
  maxBytes: number,
): number {
  const perHead = 4 * Math.ceil(shape.tokens / chunkSize) * shape.dim * (shape.dim + 1);
  if (perHead > maxBytes) {
    throw new CapacityError(
      `linear-chunked at T = ${formatCount(shape.tokens)}, d = ${shape.dim}, ` +
        `c = ${chunkSize} needs ${formatCount(perHead)} bytes of chunk states per head; ` +
        `this GPU allows ${formatCount(maxBytes)} bytes per buffer. A larger chunk ` +
        'size needs fewer states.',
      perHead,
      maxBytes,
    );
  }
  return Math.max(1, Math.min(shape.heads, Math.floor(maxBytes / perHead)));
}

/** Choices the device normally makes; tests force them to cover every path. */
export interface LinearChunkedTuning {
  /**
   * The sliced output kernel's tiling; given, the sliced kernel runs. Default: the whole-tile
   * kernel where it serves (usesWholeOutput), else the largest tiling that fits.
   */
  tiles?: AttentionTiles;
  /**
   * Whether the summaries and output kernels apply the feature map as they stage (f32 inputs
   * only). Default: where the whole-tile output kernel runs; tests force it elsewhere.
   */
  mapInKernels?: boolean;
  /** Query blocks per workgroup of the whole-tile kernel at c = 64; default wholeBlocksFor. */
  wholeBlocks?: number;
  /**
   * Whether the whole-tile output kernel sums the chunk states from the summaries, with no prefix
   * kernel (the whole-tile and row-slice kernels only). Default: where a head has at most
   * SUMMED_STATES_MAX_CHUNKS chunks; never when the states are kept for a backward pass (`keep`).
   */
  summedStates?: boolean;
  /**
   * Whether the output runs as linear-chunked-output-rows.wgsl (where the whole-tile kernel serves
   * and c = 64). Default: usesRowsOutput.
   */
  rowsOutput?: boolean;
  /** Default: MAX_DISPATCH_FLOPS. */
  maxDispatchFlops?: number;
  /** Largest chunk-states buffer; default: the device's storage binding and buffer limits. */
  maxStateBytes?: number;
  /**
   * Called once with the buffers the backward pass reuses (src/gpu/backward/linear.ts): the
   * exclusive chunk states of the last head group and, gated, the cumulative log-decays.
   */
  keep?: (saved: { states: GPUBuffer; cum?: GPUBuffer; groupHeads: number }) => void;
  /**
   * Probes only: encode just these phases, to time each alone (the phases left out do not run, so
   * the ones kept read stale buffers; their work is the same). Default: every phase.
   */
  phases?: readonly ChunkedPhase[];
}

/** The form's phases in order: the feature map (or the inputs' own pass), cum, 1, 2, 3. */
export type ChunkedPhase = 'inputs' | 'cumsum' | 'summaries' | 'prefix' | 'output';

/**
 * The form with forced tuning (tests use it to cover tilings and splits the device would not pick);
 * `gated` turns on the per-token decay (the gated-chunked form, log-decays in ctx.logDecay);
 * `inputs` other inputs than the f32 ones (the ungated form only).
 */
export function createLinearChunkedWith(
  tuning: LinearChunkedTuning = {},
  gated = false,
  inputs?: ChunkedInputs,
): FormFactory {
  if (inputs && gated) throw new Error('Chunked inputs other than f32 are for the ungated form.');
  const inputCode = inputs ? chunkedCodes(inputs.wgsl, false) : undefined;
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    const logDecay = gated ? requireLogDecay(ctx) : undefined;
    const family = inputs?.name ?? (gated ? 'gated-chunked' : 'linear-chunked');
    const code = inputCode ?? (gated ? codes.gated : codes.ungated);
    const { heads: H, tokens: T, dim: d } = shape;
    const c = options.chunkSize;
    const chosen =
      tuning.tiles ?? chooseAttentionTiles(device.limits.maxComputeWorkgroupStorageSize, d);
    const whole =
      tuning.tiles === undefined &&
      usesWholeOutput(d, c, device.limits.maxComputeWorkgroupStorageSize);
    // The whole-tile kernel stages each element of Q once and the summaries each element of K
    // once, so they map them as they stage (after every load of a tile is issued): no pass, no
    // phi(Q) and phi(K) buffers. linear-chunked-f16's inputs are mapped by its own pass.
    const mapInKernels = !inputs && (tuning.mapInKernels ?? whole);
    // With few blocks, one workgroup per 16 rows (linear-chunked-output-rows.wgsl) instead.
    const rows =
      whole &&
      c === WHOLE_BLOCK &&
      (tuning.rowsOutput ??
        usesRowsOutput(d, c, device.limits.maxComputeWorkgroupStorageSize, H, T));
    // Query blocks per workgroup of the whole-tile kernel: several in turn only with one key tile
    // per block (c = 64), where the next block's loads can be requested during this one's work;
    // one for linear-chunked-f16, whose output phase was not timed with two in a call of its own.
    const wholeBlocks =
      whole && c === WHOLE_BLOCK && !rows
        ? (tuning.wholeBlocks ?? (inputs ? 1 : wholeBlocksFor(H * Math.ceil(T / WHOLE_BLOCK))))
        : 1;
    const constants = linearChunkedConstants(d, options, chosen, mapInKernels);
    const chunks = Math.ceil(T / c);
    const stateFloats = d * (d + 1);
    const maxBytes =
      tuning.maxStateBytes ??
      Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const groupHeads = chunkStateHeads(shape, c, maxBytes);
    // The output kernel sums each block's state from the summaries: no prefix dispatch. Not with
    // `keep`: the backward pass reads the exclusive states that the prefix leaves in place.
    const summedStates =
      whole && !tuning.keep && (tuning.summedStates ?? chunks <= SUMMED_STATES_MAX_CHUNKS);
    const summaries = getPipeline(
      device,
      `${family}-summaries`,
      code.summaries,
      constants.summaries,
    );
    const stagedConstants = {
      ...normalizerConstants(),
      D: d,
      FEATURE_MAP: constants.output.FEATURE_MAP!,
      NORMALIZE: constants.output.NORMALIZE!,
      SUM_STATES: summedStates ? 1 : 0,
    };
    const output = rows
      ? getPipeline(device, `${family}-output-rows`, code.outputRows, stagedConstants)
      : whole
        ? getPipeline(device, `${family}-output-whole`, code.outputWhole, {
            ...stagedConstants,
            ONE_TILE: c === WHOLE_BLOCK ? 1 : 0,
            BLOCKS: wholeBlocks,
          })
        : getPipeline(device, `${family}-output`, code.output, constants.output);

    const dispatches: PlannedDispatch[] = [];
    const push = (phase: ChunkedPhase, ...planned: PlannedDispatch[]) => {
      if (!tuning.phases || tuning.phases.includes(phase)) dispatches.push(...planned);
    };
    // 0. The feature map, once per element of Q and K (none for the identity, or when the kernels
    // map as they stage); or the inputs' own pass (linear-chunked-f16: phi(Q), phi(K) and V
    // rounded to f16).
    const mapped = inputs
      ? inputs.prepare(ctx)
      : mapInKernels
        ? { q: ctx.q, k: ctx.k, v: ctx.v, dispatches: [] }
        : { ...mapFeatures(ctx), v: ctx.v };
    const phiQ = mapped.q;
    const phiK = mapped.k;
    const values = mapped.v;
    push('inputs', ...mapped.dispatches);
    const maxFlops = tuning.maxDispatchFlops ?? MAX_DISPATCH_FLOPS;
    const states = ctx.createBuffer({
      label: `${label} chunk states (${groupHeads} heads)`,
      size: 4 * groupHeads * chunks * stateFloats,
      usage: GPUBufferUsage.STORAGE,
    });
    // The prefix kernel and its carry between dispatches, unless the output kernel sums the states.
    const prefix = summedStates
      ? undefined
      : {
          pipeline: getPipeline(device, `${family}-prefix`, code.prefix, constants.prefix),
          carry: ctx.createBuffer({
            label: `${label} prefix carry`,
            size: 4 * groupHeads * stateFloats,
            usage: GPUBufferUsage.STORAGE,
          }),
        };

    // 0. With the gate on: the log-decays summed from each chunk's start (one thread per
    // (head, chunk), up to c adds each), which the three kernels read instead of g.
    let cum: GPUBuffer | undefined;
    if (logDecay) {
      cum = ctx.createBuffer({
        label: `${label} cumulative log-decay`,
        size: 4 * H * T,
        usage: GPUBufferUsage.STORAGE,
      });
      const cumsum = getPipeline(
        device,
        'gated-chunked-cumsum',
        composeWgsl(CHUNK_PAIRS_WGSL, cumsumSource),
      );
      const pairs = H * chunks;
      const workgroups = Math.ceil(pairs / CUMSUM_WORKGROUP);
      const x = Math.min(workgroups, MAX_WORKGROUPS_PER_DISPATCH);
      push('cumsum', {
        pipeline: cumsum,
        bindGroup: bindBuffers(device, cumsum, `${label} cumsum`, [
          createParams(ctx.createBuffer, device, `${label} cumsum params`, [T, c, chunks, pairs]),
          logDecay,
          cum,
        ]),
        workgroups: [x, Math.ceil(workgroups / x)],
      });
    }
    tuning.keep?.({ states, ...(cum ? { cum } : {}), groupHeads });
    const tileSide = constants.summaries.TS!;
    const tilesPerChunk = (d / tileSide) ** 2;
    const BQ = rows ? ROWS_BLOCK : whole ? WHOLE_BLOCK : 4 * constants.output.TY!;
    const blocksPerHead = Math.ceil(T / BQ);
    for (let h0 = 0; h0 < H; h0 += groupHeads) {
      const G = Math.min(groupHeads, H - h0);
      const group = `${label} heads ${h0}..${h0 + G}`;
      // 1. Summaries: (head, chunk, tile) workgroups, 2 c TS^2 FLOPs each.
      const sRanges = splitWorkgroups(
        G * chunks * tilesPerChunk,
        () => 2 * c * tileSide ** 2,
        maxFlops,
      );
      sRanges.forEach((range, i) => {
        const name = `${group} summaries ${i + 1}/${sRanges.length}`;
        const params = createParams(ctx.createBuffer, device, `${name} params`, [
          T,
          range.offset,
          chunks,
          h0,
          c,
        ]);
        push('summaries', {
          pipeline: summaries,
          bindGroup: bindBuffers(device, summaries, name, [params, phiK, values, states], cum),
          workgroups: [range.count],
        });
      });
      // 2. Exclusive prefix: chunk ranges of bounded element-steps (memory-bound: 8 bytes each).
      const elements = G * stateFloats;
      const chunksPerDispatch = Math.max(1, Math.floor(maxFlops / 16 / elements));
      const groups = Math.ceil(elements / PREFIX_WORKGROUP);
      const gridX = Math.min(groups, MAX_WORKGROUPS_PER_DISPATCH);
      for (let b0 = 0; prefix && b0 < chunks; b0 += chunksPerDispatch) {
        const b1 = Math.min(chunks, b0 + chunksPerDispatch);
        const name = `${group} prefix chunks ${b0}..${b1}`;
        const params = createParams(ctx.createBuffer, device, `${name} params`, [
          chunks,
          b0,
          b1,
          elements,
          T,
          c,
          h0,
        ]);
        push('prefix', {
          pipeline: prefix.pipeline,
          bindGroup: bindBuffers(
            device,
            prefix.pipeline,
            name,
            [params, states, prefix.carry],
            cum,
          ),
          workgroups: [gridX, Math.ceil(groups / gridX)],
        });
      }
      // 3. Output: (head, query block) workgroups; phi(Q) S_b is 4 BQ d^2 FLOPs, the causal
      // attention inside the chunk at most 4 d BQ max(c, BQ) (key tiles of 64 from the chunk start).
      const keysPerBlock = Math.ceil(Math.max(c, BQ) / 64) * 64;
      const oRanges = splitWorkgroups(
        G * blocksPerHead,
        () => 4 * BQ * d * d + 4 * d * BQ * keysPerBlock,
        maxFlops,
      );
      oRanges.forEach((range, i) => {
        const name = `${group} output ${i + 1}/${oRanges.length}`;
        const params = createParams(ctx.createBuffer, device, `${name} params`, [
          T,
          range.offset,
          blocksPerHead,
          h0,
          c,
          chunks,
          range.offset + range.count,
        ]);
        push('output', {
          pipeline: output,
          bindGroup: bindBuffers(
            device,
            output,
            name,
            [params, phiQ, phiK, values, ctx.out, states],
            cum,
          ),
          workgroups: [Math.ceil(range.count / wholeBlocks)],
        });
      });
    }
    return {
      encode(encoder, timestamps) {
        encodeDispatches(encoder, label, dispatches, passTimestamps(timestamps, 0, 1));
      },
    };
  };
}

/** The FormFactory the dispatcher registers for 'linear-chunked'. */
export const createLinearChunked: FormFactory = createLinearChunkedWith();
