/**
 * softmax-flash: tiled causal softmax attention with an online softmax (kernels/softmax-flash.wgsl).
 * The tile plan below feeds both the shader's override constants and the dispatch maths.
 */
import source from '../kernels/softmax-flash.wgsl?raw';
import { getPipeline } from '../pipelines.ts';
import type { FormFactory } from './form.ts';
import { passTimestamps } from './form.ts';
import { encodeDispatches, f32Bits, planSlices, prepareDispatches } from './softmax-dispatch.ts';

/** Output dimensions each thread owns (the kernel's fixed vec4 x 4 accumulator). */
export const DIMS_PER_THREAD = 16;

/** Tile sizes and workgroup layout of softmax-flash for one head dimension and device. */
export interface FlashTiles {
  /** Query rows per workgroup. */
  BR: number;
  /** Keys per tile. */
  BC: number;
  /** Threads per query row: D / 16. */
  TPR: number;
  /** Threads per workgroup: BR * TPR. */
  WG: number;
  /** Workgroup memory the kernel declares, bytes. */
  workgroupBytes: number;
}

/** Workgroup memory of the kernel's four arrays (qs, ks padded by a vec4 per row; ss by an f32). */
export function flashWorkgroupBytes(dim: number, BR: number, BC: number): number {
  const d4 = dim / 4;
  return 16 * (BR * (d4 + 1) + BC * (d4 + 1) + BC * d4) + 4 * BR * (BC + 1);
}

/**
 * Picks BR and BC: the tiles must fit the workgroup memory and invocation limits; among those that
 * do, prefer workgroups of at least 64 threads, then the most reuse of each staged key per query
 * row (BR BC / (BR + BC)), then taller tiles. 16 KiB gives 16x16 at d=64 and 8x8 at d=128; the
 * H200's 48 KiB gives 64x32 and 32x16.
 */
export function planFlashTiles(
  dim: number,
  maxWorkgroupBytes: number,
  maxInvocations: number,
): FlashTiles {
  const TPR = Math.max(1, dim / DIMS_PER_THREAD);
  const maxThreads = Math.min(256, maxInvocations);
  let best: FlashTiles | null = null;
  let bestKey: number[] = [];
  for (const BR of [4, 8, 16, 32, 64, 128, 256]) {
    for (const BC of [4, 8, 16, 32, 64]) {
      const WG = BR * TPR;
      const workgroupBytes = flashWorkgroupBytes(dim, BR, BC);
      if (WG > maxThreads || workgroupBytes > maxWorkgroupBytes) continue;
      const key = [WG >= 64 ? 1 : 0, (BR * BC) / (BR + BC), BR];
      const better = key.findIndex((value, i) => value !== bestKey[i]);
      if (!best || (better >= 0 && key[better]! > bestKey[better]!)) {
        best = { BR, BC, TPR, WG, workgroupBytes };
        bestKey = key;
      }
    }
  }
  if (!best) {
    throw new Error(`softmax-flash: no tile fits ${maxWorkgroupBytes} bytes of workgroup memory.`);
  }
  return best;
}

/** FLOPs of one workgroup: QK^T and PV over every key up to its last row. */
export function flashItemFlops(dim: number, BR: number, block: number): number {
  return 4 * dim * BR * (block + 1) * BR;
}

export const createSoftmaxFlash: FormFactory = (ctx) => {
  const { device, shape, label } = ctx;
  const { heads, tokens, dim } = shape;
  const tiles = planFlashTiles(
    dim,
    device.limits.maxComputeWorkgroupStorageSize,
    device.limits.maxComputeInvocationsPerWorkgroup,
  );
  const { BR, BC, TPR, WG } = tiles;
  const pipeline = getPipeline(device, 'attention/softmax-flash', source, {
    D: dim,
    BR,
    BC,
    TPR,
    WG,
  });
  const blocks = Math.ceil(tokens / BR);
  // Items run heaviest block first: item / heads counts blocks down from the last.
  const slices = planSlices(heads * blocks, (item) =>
    flashItemFlops(dim, BR, blocks - 1 - Math.floor(item / heads)),
  );
  const prepared = prepareDispatches(
    device,
    ctx.createBuffer,
    `${label} flash`,
    pipeline,
    slices.map(({ offset, count }) => ({
      params: [tokens, heads, blocks, offset, count, f32Bits(1 / Math.sqrt(dim)), 0, 0],
      storage: [ctx.q, ctx.k, ctx.v, ctx.out],
      count,
    })),
  );
  return {
    encode(encoder, timestamps) {
      const pass = encoder.beginComputePass({
        label: `${label} flash BR=${BR} BC=${BC}`,
        timestampWrites: passTimestamps(timestamps, 0, 1),
      });
      encodeDispatches(pass, pipeline, prepared);
      pass.end();
    },
  };
};
