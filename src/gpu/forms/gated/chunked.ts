/**
 * `gated-chunked`: chunks of c tokens with a per-token decay, in four kernels:
 *   0. gated-chunked-cumsum.wgsl: cum_t, the log-decay summed from the chunk's start to t;
 *   1. gated-chunked-summaries.wgsl: P_b = sum_t exp(cum_e - cum_t) phi(k_t) v_t^T (e: the chunk's
 *      last token) and z_b likewise, every chunk in parallel;
 *   2. gated-chunked-prefix.wgsl: S_{b+1} = exp(cum_e) S_b + P_b, the decayed exclusive prefix;
 *   3. gated-chunked-output.wgsl: exp(cum_i) phi(q_i) S_b plus the decayed causal attention form
 *      inside the chunk.
 * Every exponent is a difference cum_i - cum_j with j <= i, or a cum itself: never positive. The
 * tiles, chunk-state grouping and dispatch bounds are those of linear-chunked (linear/chunked.ts);
 * the work is the same up to O(T d + (T / c) d^2) multiplications by decays.
 */
import cumsumSource from '../../kernels/gated-chunked-cumsum.wgsl?raw';
import outputSource from '../../kernels/gated-chunked-output.wgsl?raw';
import prefixSource from '../../kernels/gated-chunked-prefix.wgsl?raw';
import summariesSource from '../../kernels/gated-chunked-summaries.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import { passTimestamps, type FormFactory } from '../form.ts';
import {
  chunkStateHeads,
  linearChunkedConstants,
  type LinearChunkedTuning,
} from '../linear/chunked.ts';
import {
  bindBuffers,
  chooseAttentionTiles,
  createParams,
  encodeDispatches,
  MAX_DISPATCH_FLOPS,
  MAX_WORKGROUPS_PER_DISPATCH,
  splitWorkgroups,
  withFeatureMap,
  type PlannedDispatch,
} from '../linear/common.ts';

const summariesCode = withFeatureMap(summariesSource);
const outputCode = withFeatureMap(outputSource);

/** Threads per workgroup of the cumulative-sum kernel (a constant in the WGSL). */
const CUMSUM_WORKGROUP = 64;

/** The form with forced tuning (tests use it to cover tilings and splits the device would not pick). */
export function createGatedChunkedWith(tuning: LinearChunkedTuning = {}): FormFactory {
  return (ctx) => {
    const { device, shape, options, label } = ctx;
    const logDecay = ctx.logDecay;
    if (!logDecay) throw new Error(`${label}: the dispatcher gave no logDecay buffer.`);
    const { heads: H, tokens: T, dim: d } = shape;
    const c = options.chunkSize;
    const chosen =
      tuning.tiles ?? chooseAttentionTiles(device.limits.maxComputeWorkgroupStorageSize, d);
    const constants = linearChunkedConstants(d, options, chosen);
    const cumsum = getPipeline(device, 'gated-chunked-cumsum', cumsumSource);
    const summaries = getPipeline(
      device,
      'gated-chunked-summaries',
      summariesCode,
      constants.summaries,
    );
    const prefix = getPipeline(device, 'gated-chunked-prefix', prefixSource, constants.prefix);
    const output = getPipeline(device, 'gated-chunked-output', outputCode, constants.output);

    const chunks = Math.ceil(T / c);
    const stateFloats = d * (d + 1);
    const maxBytes =
      tuning.maxStateBytes ??
      Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const maxFlops = tuning.maxDispatchFlops ?? MAX_DISPATCH_FLOPS;
    const groupHeads = chunkStateHeads(shape, c, maxBytes);
    const states = ctx.createBuffer({
      label: `${label} chunk states (${groupHeads} heads)`,
      size: 4 * groupHeads * chunks * stateFloats,
      usage: GPUBufferUsage.STORAGE,
    });
    const carry = ctx.createBuffer({
      label: `${label} prefix carry`,
      size: 4 * groupHeads * stateFloats,
      usage: GPUBufferUsage.STORAGE,
    });
    const cum = ctx.createBuffer({
      label: `${label} cumulative log-decay`,
      size: 4 * H * T,
      usage: GPUBufferUsage.STORAGE,
    });

    const dispatches: PlannedDispatch[] = [];
    // 0. Cumulative log-decays: one thread per (head, chunk), up to c adds each.
    const pairs = H * chunks;
    const cumsumGroups = Math.ceil(pairs / CUMSUM_WORKGROUP);
    const cumsumX = Math.min(cumsumGroups, MAX_WORKGROUPS_PER_DISPATCH);
    dispatches.push({
      pipeline: cumsum,
      bindGroup: bindBuffers(device, cumsum, `${label} cumsum`, [
        createParams(ctx.createBuffer, device, `${label} cumsum params`, [T, c, chunks, pairs]),
        logDecay,
        cum,
      ]),
      workgroups: [cumsumX, Math.ceil(cumsumGroups / cumsumX)],
    });

    const tileSide = constants.summaries.TS!;
    const tilesPerChunk = (d / tileSide) ** 2;
    const BQ = 4 * constants.output.TY!;
    const blocksPerHead = Math.ceil(T / BQ);
    const prefixWorkgroup = constants.prefix.WORKGROUP!;
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
        dispatches.push({
          pipeline: summaries,
          bindGroup: bindBuffers(device, summaries, name, [params, ctx.k, ctx.v, states, cum]),
          workgroups: [range.count],
        });
      });
      // 2. Decayed exclusive prefix: chunk ranges of bounded element-steps.
      const elements = G * stateFloats;
      const chunksPerDispatch = Math.max(1, Math.floor(maxFlops / 16 / elements));
      const groups = Math.ceil(elements / prefixWorkgroup);
      const gridX = Math.min(groups, MAX_WORKGROUPS_PER_DISPATCH);
      for (let b0 = 0; b0 < chunks; b0 += chunksPerDispatch) {
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
        dispatches.push({
          pipeline: prefix,
          bindGroup: bindBuffers(device, prefix, name, [params, states, carry, cum]),
          workgroups: [gridX, Math.ceil(groups / gridX)],
        });
      }
      // 3. Output: (head, query block) workgroups, as linear-chunked.
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
        ]);
        dispatches.push({
          pipeline: output,
          bindGroup: bindBuffers(device, output, name, [
            params,
            ctx.q,
            ctx.k,
            ctx.v,
            ctx.out,
            states,
            cum,
          ]),
          workgroups: [range.count],
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

/** The FormFactory the registry lists for 'gated-chunked'. */
export const createGatedChunked: FormFactory = createGatedChunkedWith();
