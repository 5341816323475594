/**
 * softmax-flash: tiled causal softmax attention with an online softmax, in one of seven kernels
 * (where subgroups exist: kernels/softmax-flash-outer.wgsl, or -wide.wgsl where the outer
 * kernel's tiles do not fit, up to d = 64, and at d = 128
 * softmax-flash-sliced-narrow.wgsl, -sliced.wgsl or -quad.wgsl; otherwise softmax-flash.wgsl and
 * softmax-flash-rows.wgsl). The tile plan below feeds both the shaders' constants and the
 * dispatch maths.
 */
import rowsSource from '../../kernels/softmax-flash-rows.wgsl?raw';
import quadSource from '../../kernels/softmax-flash-quad.wgsl?raw';
import slicedSource from '../../kernels/softmax-flash-sliced.wgsl?raw';
import narrowSource from '../../kernels/softmax-flash-sliced-narrow.wgsl?raw';
import outerSource from '../../kernels/softmax-flash-outer.wgsl?raw';
import wideSource from '../../kernels/softmax-flash-wide.wgsl?raw';
import tiledSource from '../../kernels/softmax-flash.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import {
  composeWgsl,
  SOFTMAX_FLASH_PADDED_WGSL,
  SOFTMAX_FLASH_QUADS_WGSL,
  SOFTMAX_FLASH_ROWS4_WGSL,
  SOFTMAX_FLASH_SHUFFLE_WGSL,
  SOFTMAX_FLASH_SLICES_WGSL,
  SOFTMAX_FLASH_SUBGROUP_WGSL,
  SOFTMAX_FLASH_WGSL,
} from '../../wgsl.ts';
import type { FormContext, FormFactory, FormKernel } from '../form.ts';
import { passTimestamps } from '../form.ts';
import {
  DISPATCH_FLOP_BUDGET,
  encodeDispatches,
  f32Bits,
  planSlices,
  prepareDispatches,
} from '../../dispatch.ts';
import type { Slice } from '../../dispatch.ts';

/**
 * A kernel and its tiles. Register-tiled kernel (kernels/softmax-flash.wgsl): thread (ty, tx)
 * computes a 4 x 4 block of scores and owns 4 rows x 2 vec4 of the output, so TX = D / 8 threads
 * along the keys and BC = 4 TX = D / 2 keys per tile; BR = 4 TY rows. Wide and quad: see
 * planWideTiles.
 */
export interface FlashTiles {
  /**
   * Which kernel: 'wide' (softmax-flash-wide.wgsl), 'outer' (softmax-flash-outer.wgsl: the wide
   * kernel's tiles with both products as outer products), 'quad' (softmax-flash-quad.wgsl), 'sliced'
   * (softmax-flash-sliced.wgsl) or 'narrow' (softmax-flash-sliced-narrow.wgsl), needing subgroups
   * of at least TX invocations; 'tiled' (softmax-flash.wgsl) or 'rows' (softmax-flash-rows.wgsl).
   */
  kernel: 'wide' | 'outer' | 'quad' | 'sliced' | 'narrow' | 'tiled' | 'rows';
  /** Query rows per workgroup. */
  BR: number;
  /** Keys per tile. */
  BC: number;
  /** Threads along the keys (tiled: BC / 4; wide: D / 8; quad: D / 16) or per row (rows: D / 16). */
  TX: number;
  /** Threads per workgroup. */
  WG: number;
  /** Workgroup memory the kernel declares, bytes. */
  workgroupBytes: number;
  /** wide and quad: P's first column in the K/P array (0: over K) and that array's columns. */
  POFF?: number;
  KW?: number;
  /**
   * wide and quad: whether the next K/V tile is loaded into registers during the current one
   * (default: when a thread's share is at most PREFETCH_MAX_VEC4 vec4 of each).
   */
  prefetch?: boolean;
}

/**
 * Tiles of softmax-flash-wide.wgsl (thread (ty, tx) owns 4 rows x 8 keys of scores and 4 rows x
 * 2 vec4 of the output, so TX = D / 8 and BC = D), of softmax-flash-quad.wgsl (4 rows x 4 keys
 * and 4 rows x 4 vec4: TX = D / 16, BC = D / 4, for d = 128, whose 64-key tiles would not fit
 * 48 KiB); BR = 4 TY, the tallest
 * that fits (each staged key serves more rows). P gets its own columns where they fit, else it
 * goes over K (which needs BR <= BC). Workgroup memory: Q, K (and P), V, D / 4 vec4 per row or key.
 */
export function planWideTiles(
  dim: number,
  maxWorkgroupBytes: number,
  maxThreads: number,
  subgroupMinSize: number,
  kernel: 'wide' | 'outer' | 'quad' = 'wide',
): FlashTiles | null {
  // wide and outer: 8 keys and 2 output quads per thread (BC = D); quad: 4 keys and 4 quads
  // (BC = D / 4).
  const TX = kernel === 'quad' ? dim / 16 : dim / 8;
  const dims = kernel === 'quad' ? [32, 64, 128] : [16, 32, 64];
  if (!dims.includes(dim) || subgroupMinSize < TX) return null;
  const BC = kernel === 'quad' ? dim / 4 : dim;
  const d4 = dim / 4;
  for (const TY of [32, 16, 8]) {
    const BR = 4 * TY;
    const WG = TX * TY;
    // Every thread stages the same whole number of K/V vec4s (NF) per tile, at most
    // STAGED_MAX_VEC4 (the named registers of softmax-flash-subgroup.wgsl's Staged).
    const NF = (BC * d4) / WG;
    if (WG > maxThreads || BR > 128 || !Number.isInteger(NF) || NF > STAGED_MAX_VEC4) continue;
    if (kernel === 'outer') {
      // Q and K transposed, P over K (kt: BC rows of max(2 TX, TY) vec4), V as in the wide kernel.
      const workgroupBytes = 16 * BC * (TY + outerColumns(TX, TY) + d4);
      if (workgroupBytes <= maxWorkgroupBytes) {
        return { kernel, BR, BC, TX, WG, workgroupBytes, POFF: 0, KW: BC };
      }
      continue;
    }
    const options = [{ POFF: BC, KW: BC + BR }];
    if (BR <= BC) options.push({ POFF: 0, KW: BC });
    for (const { POFF, KW } of options) {
      const workgroupBytes = 16 * d4 * (BR + KW + BC);
      if (workgroupBytes <= maxWorkgroupBytes) {
        return { kernel, BR, BC, TX, WG, workgroupBytes, POFF, KW };
      }
    }
  }
  return null;
}

/** Columns (vec4) of the outer kernel's K/P array: K's 2 TX key slots, or P's TY row groups. */
function outerColumns(TX: number, TY: number): number {
  return Math.max(2 * TX, TY);
}

/**
 * Whether the wide and quad kernels load the next K/V tile into registers during the current one:
 * when a thread's share of a tile is at most 8 vec4 of K and 8 of V (at d = 64, 8: 18.9 ms
 * instead of 20.0 at T = 16,384 on the H200); more would cost too many registers.
 */
export const PREFETCH_MAX_VEC4 = 8;

/** The most K (and V) vec4s a thread of the wide and quad kernels stages per tile. */
export const STAGED_MAX_VEC4 = 16;

/**
 * softmax-flash-wide.wgsl (or -quad) with its shape constants (inner array sizes must be
 * constants).
 */
export function wideSourceFor(dim: number, tiles: FlashTiles): string {
  const { BR, BC, TX, WG } = tiles;
  const d4 = dim / 4;
  const constants = {
    D4: d4,
    TX,
    TY: BR / 4,
    BR,
    BC,
    WG,
    POFF: tiles.POFF!,
    KW: tiles.KW!,
    NF: (BC * d4) / WG,
    ...(tiles.kernel === 'outer' ? { KPW: outerColumns(TX, BR / 4) } : {}),
  };
  const lines = Object.entries(constants).map(([name, value]) => `const ${name}: u32 = ${value}u;`);
  const prefetch = tiles.prefetch ?? constants.NF <= PREFETCH_MAX_VEC4;
  lines.push(`const PREFETCH: bool = ${prefetch};`);
  const { kernel } = tiles;
  const source = kernel === 'quad' ? quadSource : kernel === 'outer' ? outerSource : wideSource;
  return composeWgsl(
    withConstants(source, lines),
    SOFTMAX_FLASH_WGSL,
    SOFTMAX_FLASH_SHUFFLE_WGSL,
    SOFTMAX_FLASH_SUBGROUP_WGSL,
    ...(kernel === 'quad' ? [SOFTMAX_FLASH_QUADS_WGSL] : []),
    ...(kernel === 'wide' || kernel === 'outer' ? [SOFTMAX_FLASH_ROWS4_WGSL] : []),
  );
}

/** A kernel's source with constant declarations after its first line (`enable subgroups;`). */
function withConstants(source: string, lines: readonly string[]): string {
  const [first, ...rest] = source.split('\n');
  return [first, ...lines, ...rest].join('\n');
}

/**
 * Tiles of softmax-flash-sliced.wgsl (thread (ty, tx) owns 4 rows x 8 keys of scores and 4 rows
 * x 4 output quads, so TX = D / 16 and BC = 8 TX = D / 2) or, narrow, of
 * softmax-flash-sliced-narrow.wgsl (4 rows x 4 keys and 4 rows x 2 quads: TX = D / 8, BC = 4 TX
 * = D / 2, twice the threads); BR = BC (TY = BR / 4): at d = 128, 64 x 64 tiles, 128 or 256
 * threads. Workgroup memory: Q and K of one half of the dimensions, or V whole (D4 x BC vec4),
 * and P (BC / 4 x BR vec4): 48 KiB at d = 128. Null where it does not fit or the subgroups are
 * smaller than TX.
 */
export function planSlicedTiles(
  dim: number,
  maxWorkgroupBytes: number,
  maxThreads: number,
  subgroupMinSize: number,
  kernel: 'sliced' | 'narrow' = 'sliced',
): FlashTiles | null {
  if (![16, 32, 64, 128].includes(dim)) return null;
  const d4 = dim / 4;
  const TX = kernel === 'sliced' ? d4 / 4 : d4 / 2;
  const BC = d4 * 2;
  const BR = BC;
  const WG = TX * (BR / 4);
  const workgroupBytes = 16 * (d4 * BC + (BC / 4) * BR);
  if (subgroupMinSize < TX || WG > maxThreads || workgroupBytes > maxWorkgroupBytes) return null;
  return { kernel, BR, BC, TX, WG, workgroupBytes };
}

/** softmax-flash-sliced.wgsl (or -sliced-narrow) with its shape constants. */
export function slicedSourceFor(dim: number, tiles: FlashTiles): string {
  const { BR, BC, TX, WG } = tiles;
  const d4 = dim / 4;
  const s4 = d4 / 2;
  const constants = {
    D4: d4,
    S4: s4,
    TX,
    TY: BR / 4,
    BR,
    BC,
    WG,
    NS: (s4 * BR) / WG,
    NV: (BC * d4) / WG,
  };
  const lines = Object.entries(constants).map(([name, value]) => `const ${name}: u32 = ${value}u;`);
  return composeWgsl(
    withConstants(tiles.kernel === 'narrow' ? narrowSource : slicedSource, lines),
    SOFTMAX_FLASH_WGSL,
    SOFTMAX_FLASH_SHUFFLE_WGSL,
    SOFTMAX_FLASH_SLICES_WGSL,
    SOFTMAX_FLASH_ROWS4_WGSL,
    ...(tiles.kernel === 'narrow' ? [] : [SOFTMAX_FLASH_QUADS_WGSL]),
  );
}

/** Workgroup memory of softmax-flash.wgsl: qs and ks (rows padded by a vec4), vs, ps, red. */
export function flashWorkgroupBytes(dim: number, BR: number, BC: number): number {
  const d4 = dim / 4;
  return 16 * (BR * (d4 + 1) + BC * (d4 + 1) + BC * d4 + BR * (BC / 4 + 1)) + 4 * BR * (BC / 4);
}

/** Workgroup memory of softmax-flash-rows.wgsl (qs and ks padded by a vec4 per row, ss by an f32). */
export function flashRowsWorkgroupBytes(dim: number, BR: number, BC: number): number {
  const d4 = dim / 4;
  return 16 * (BR * (d4 + 1) + BC * (d4 + 1) + BC * d4) + 4 * BR * (BC + 1);
}

/**
 * Picks the kernel and its tiles. With subgroups of at least D / 8 invocations (subgroupMinSize;
 * 0 when the device has none), at D <= 64 the outer kernel (the wide kernel's tiles with both
 * products as outer products: 16.1 ms at T = 16,384 on the H200, against 16.7 for the wide kernel
 * with FMA chains and 18.2 without), else the wide kernel, and at D = 128 the narrow sliced kernel (planSlicedTiles; 35.3
 * ms there, against 38.1 for the sliced kernel and 89.5 for the quad kernel), or with subgroups of
 * 8 to 15 the sliced kernel (D / 16), or the quad kernel. Else the register-tiled kernel needs D = 8 TX (D = 16, 32, 64) and
 * BC = D / 2; it takes the tallest BR that fits the workgroup memory and invocation limits (each
 * staged key is reused by more rows): the H200's 48 KiB gives 64 x 32 with 128 threads at d = 64,
 * SwiftShader's 32 KiB 32 x 32. Otherwise (d = 128, or too little memory) the row kernel: D / 16
 * threads per row, the most reuse BR BC / (BR + BC) among tiles of at least 64 threads.
 */
export function planFlashTiles(
  dim: number,
  maxWorkgroupBytes: number,
  maxInvocations: number,
  subgroupMinSize = 0,
): FlashTiles {
  const maxThreads = Math.min(256, maxInvocations);
  const large = (): FlashTiles | null =>
    planSlicedTiles(dim, maxWorkgroupBytes, maxThreads, subgroupMinSize, 'narrow') ??
    planSlicedTiles(dim, maxWorkgroupBytes, maxThreads, subgroupMinSize, 'sliced') ??
    planWideTiles(dim, maxWorkgroupBytes, maxThreads, subgroupMinSize, 'quad');
  const wide =
    planWideTiles(dim, maxWorkgroupBytes, maxThreads, subgroupMinSize, 'outer') ??
    planWideTiles(dim, maxWorkgroupBytes, maxThreads, subgroupMinSize) ??
    (dim > 64 ? large() : null);
  if (wide) return wide;
  if (dim % 8 === 0 && dim <= 64) {
    const TX = dim / 8;
    const BC = 4 * TX;
    let tiled: FlashTiles | null = null;
    for (const BR of [16, 32, 64, 128]) {
      const WG = (BR / 4) * TX;
      const workgroupBytes = flashWorkgroupBytes(dim, BR, BC);
      if (WG <= maxThreads && workgroupBytes <= maxWorkgroupBytes) {
        tiled = { kernel: 'tiled', BR, BC, TX, WG, workgroupBytes };
      }
    }
    if (tiled && tiled.WG >= 32) return tiled;
  }
  const TPR = Math.max(1, dim / 16);
  let best: FlashTiles | null = null;
  let bestKey: number[] = [];
  for (const BR of [4, 8, 16, 32, 64, 128, 256]) {
    for (const BC of [4, 8, 16, 32, 64]) {
      const WG = BR * TPR;
      const workgroupBytes = flashRowsWorkgroupBytes(dim, BR, BC);
      if (WG > maxThreads || workgroupBytes > maxWorkgroupBytes) continue;
      const key = [WG >= 64 ? 1 : 0, (BR * BC) / (BR + BC), BR];
      const better = key.findIndex((value, i) => value !== bestKey[i]);
      if (!best || (better >= 0 && key[better]! > bestKey[better]!)) {
        best = { kernel: 'rows', BR, BC, TX: TPR, WG, workgroupBytes };
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

/**
 * Keys one workgroup of the tiled kernel walks per dispatch. Rows longer than this are walked in
 * chunks, one dispatch per chunk, the online-softmax state carried between them. Bounding the
 * work of one workgroup (2^26 FLOPs at d = 64, BR = 64) does two things: a dispatch of
 * DISPATCH_FLOP_BUDGET holds at least 2,048 equal workgroups, enough to fill a big GPU several
 * times over (whole rows at T = 65,536 gave 128 workgroups per dispatch on 132 SMs), and no
 * single workgroup, the critical path of a dispatch on a slow GPU, grows with T.
 */
export const FLASH_CHUNK_KEYS = 2048;

/**
 * Key tiles per chunk: whole rows when the whole run fits one dispatch (no barrier at all, and
 * measured fastest up to T = 8,192 on the H200), else FLASH_CHUNK_KEYS.
 */
export function flashChunkTiles(
  heads: number,
  tokens: number,
  dim: number,
  BR: number,
  BC: number,
  budget = DISPATCH_FLOP_BUDGET,
): number {
  const blocks = Math.ceil(tokens / BR);
  let total = 0;
  for (let block = 0; block < blocks; block++) total += heads * flashItemFlops(dim, BR, block);
  return total <= budget ? Math.ceil(tokens / BC) : FLASH_CHUNK_KEYS / BC;
}

/** One dispatch of the chunked plan: items offset..offset+count-1 of chunk `chunk`. */
export interface FlashSlice extends Slice {
  chunk: number;
}

/**
 * The dispatches of the tiled kernel. Chunk c walks key tiles [c chunkTiles, (c + 1) chunkTiles)
 * of every block that reaches them; those are the last blocks, so item i of chunk c is head
 * i % heads of block blocks - 1 - floor(i / heads), heaviest first as in the unchunked order.
 * Each chunk is cut by the FLOP budget on its own: a dispatch never holds two chunks of one row
 * (the second reads the state the first writes).
 */
export function planFlashSlices(
  heads: number,
  tokens: number,
  dim: number,
  BR: number,
  BC: number,
  chunkTiles: number,
  budget?: number,
): FlashSlice[] {
  const blocks = Math.ceil(tokens / BR);
  const tilesOf = (block: number) => Math.floor((Math.min((block + 1) * BR, tokens) - 1) / BC) + 1;
  const chunks = Math.ceil(tilesOf(blocks - 1) / chunkTiles);
  const slices: FlashSlice[] = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    const begin = chunk * chunkTiles;
    // Blocks that reach this chunk: the last ones, since tilesOf grows with the block.
    let reaching = 0;
    while (reaching < blocks && tilesOf(blocks - 1 - reaching) > begin) reaching++;
    const cost = (item: number) => {
      const tiles = Math.min(tilesOf(blocks - 1 - Math.floor(item / heads)), begin + chunkTiles);
      return 4 * dim * BR * BC * (tiles - begin);
    };
    for (const slice of planSlices(heads * reaching, cost, budget)) {
      slices.push({ ...slice, chunk });
    }
  }
  return slices;
}

/** The smallest subgroup size the device may run; 0 without the subgroups feature. */
export function flashSubgroupSize(device: GPUDevice): number {
  if (!device.features.has('subgroups')) return 0;
  return device.adapterInfo?.subgroupMinSize ?? 0;
}

/** softmax-flash's factory. */
export const createSoftmaxFlash: FormFactory = (ctx) => createSoftmaxFlashKernel(ctx);

/**
 * softmax-flash with a chosen chunk length in key tiles (default: flashChunkTiles), so that tests
 * can walk the chunked path at lengths SwiftShader runs in seconds, and optionally chosen tiles
 * (default: planFlashTiles for the device), so that they can walk every tile path.
 */
export function createSoftmaxFlashKernel(
  ctx: FormContext,
  chunkTiles?: number,
  forcedTiles?: FlashTiles,
): FormKernel {
  const { device, shape, label } = ctx;
  const { heads, tokens, dim } = shape;
  const tiles =
    forcedTiles ??
    planFlashTiles(
      dim,
      device.limits.maxComputeWorkgroupStorageSize,
      device.limits.maxComputeInvocationsPerWorkgroup,
      flashSubgroupSize(device),
    );
  const { kernel, BR, BC, TX, WG } = tiles;
  const pipeline =
    kernel === 'wide' || kernel === 'quad' || kernel === 'outer'
      ? getPipeline(
          device,
          `attention/softmax-flash-${kernel} D=${dim} BR=${BR} POFF=${tiles.POFF}` +
            (tiles.prefetch === undefined ? '' : ` prefetch=${tiles.prefetch}`),
          wideSourceFor(dim, tiles),
        )
      : kernel === 'sliced' || kernel === 'narrow'
        ? getPipeline(
            device,
            `attention/softmax-flash-${kernel} D=${dim} BR=${BR}`,
            slicedSourceFor(dim, tiles),
          )
        : kernel === 'tiled'
          ? getPipeline(
              device,
              'attention/softmax-flash',
              composeWgsl(tiledSource, SOFTMAX_FLASH_WGSL, SOFTMAX_FLASH_PADDED_WGSL),
              {
                D: dim,
                BR,
                BC,
                TX,
                WG,
              },
            )
          : getPipeline(
              device,
              'attention/softmax-flash-rows',
              composeWgsl(rowsSource, SOFTMAX_FLASH_WGSL, SOFTMAX_FLASH_PADDED_WGSL),
              {
                D: dim,
                BR,
                BC,
                TPR: TX,
                WG,
              },
            );
  const blocks = Math.ceil(tokens / BR);
  const scale = f32Bits(1 / Math.sqrt(dim));
  let prepared;
  if (kernel !== 'rows') {
    const tilesPerChunk = chunkTiles ?? flashChunkTiles(heads, tokens, dim, BR, BC);
    const slices = planFlashSlices(heads, tokens, dim, BR, BC, tilesPerChunk);
    const chunked = slices.some((slice) => slice.chunk > 0);
    // (max, sum) per row between chunks; a single chunk never touches it.
    const state = ctx.createBuffer({
      label: `${label} flash state`,
      size: chunked ? 8 * heads * tokens : 16,
      usage: GPUBufferUsage.STORAGE,
    });
    prepared = prepareDispatches(
      device,
      ctx.createBuffer,
      `${label} flash`,
      pipeline,
      slices.map(({ offset, count, chunk }) => ({
        params: [tokens, heads, blocks, offset, count, scale, chunk, tilesPerChunk],
        storage: [ctx.q, ctx.k, ctx.v, ctx.out, state],
        count,
      })),
    );
  } else {
    // Items run heaviest block first: item / heads counts blocks down from the last.
    const slices = planSlices(heads * blocks, (item) =>
      flashItemFlops(dim, BR, blocks - 1 - Math.floor(item / heads)),
    );
    prepared = prepareDispatches(
      device,
      ctx.createBuffer,
      `${label} flash`,
      pipeline,
      slices.map(({ offset, count }) => ({
        params: [tokens, heads, blocks, offset, count, scale, 0, 0],
        storage: [ctx.q, ctx.k, ctx.v, ctx.out],
        count,
      })),
    );
  }
  return {
    encode(encoder, timestamps) {
      const pass = encoder.beginComputePass({
        label: `${label} flash ${kernel} BR=${BR} BC=${BC}`,
        timestampWrites: passTimestamps(timestamps, 0, 1),
      });
      encodeDispatches(pass, pipeline, prepared);
      pass.end();
    },
  };
}
