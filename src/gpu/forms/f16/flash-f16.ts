/**
 * softmax-flash with f16 inputs on matrix units (kernels/softmax-flash-f16-mma.wgsl): Q, K, V are
 * rounded to f16 where they are staged, S = Q K^T and P V are 16 x 16 x 16 products with f32
 * accumulation (WebGPU's experimental subgroup matrices: tensor cores on NVIDIA, simdgroup
 * matrices on Apple), the online softmax stays in f32. The same kernel composes with a plain-WGSL
 * version of the few matrix builtins it uses (softmax-flash-f16-sgm-emulated.wgsl) so that its
 * tiling runs, slowly, where no device offers them.
 */
import kernelSource from '../../kernels/softmax-flash-f16-mma.wgsl?raw';
import sgmSource from '../../kernels/softmax-flash-f16-sgm.wgsl?raw';
import emulatedSource from '../../kernels/softmax-flash-f16-sgm-emulated.wgsl?raw';
import lanesSource from '../../kernels/softmax-flash-f16-sgm-lanes.wgsl?raw';
import { getPipeline } from '../../pipelines.ts';
import { composeWgsl, SOFTMAX_FLASH_WGSL } from '../../wgsl.ts';
import type { FormContext, FormFactory, FormKernel } from '../form.ts';
import { passTimestamps } from '../form.ts';
import { missingFeatures } from '../spec.ts';
import { encodeDispatches, f32Bits, prepareDispatches } from '../../dispatch.ts';
import { flashChunkTiles, planFlashSlices } from '../softmax/flash.ts';

/** The WebGPU features the matrix kernel needs (Chromium's experimental name for the second). */
export const SUBGROUP_MATRIX_FEATURE = 'chromium-experimental-subgroup-matrix';
export const MMA_FEATURES: readonly string[] = ['shader-f16', SUBGROUP_MATRIX_FEATURE];

/** Tiles of softmax-flash-f16-mma.wgsl. */
export interface F16MmaTiles {
  /** Subgroups per workgroup, each owning 16 query rows: BR = 16 NS. */
  NS: number;
  /** Keys per tile (a multiple of 16). */
  BC: number;
  /** Invocations per subgroup the kernel assumes (the device's one subgroup size). */
  SGS: number;
  /** Workgroup memory, bytes. */
  workgroupBytes: number;
}

/**
 * Workgroup memory of the kernel: K and V tiles, Q-then-P and S-then-PV (rows of
 * max(BC, D)), the row reductions. `hBytes` is 2 for f16 storage, 4 where f32 stands in.
 */
export function f16MmaWorkgroupBytes(
  dim: number,
  NS: number,
  BC: number,
  SGS: number,
  hBytes: number,
): number {
  const BR = 16 * NS;
  const PW = Math.max(BC, dim);
  return 2 * BC * dim * hBytes + BR * PW * hBytes + BR * PW * 4 + BR * (SGS / 16) * 4;
}

/**
 * The tallest tile (most subgroups, then most keys per tile) that fits the device: NS in 4, 2,
 * 1 (at most maxSubgroups) and BC in 64, 32, 16. Null when d is not a multiple of 16 or the subgroup size is not one of
 * 16, 32, 64 (each row is split between SGS / 16 threads).
 */
export function planF16MmaTiles(
  dim: number,
  maxWorkgroupBytes: number,
  maxInvocations: number,
  SGS: number,
  hBytes: number,
  maxSubgroups = 4,
): F16MmaTiles | null {
  if (dim % 16 !== 0 || dim > 256 || ![16, 32, 64].includes(SGS)) return null;
  const TPR = SGS / 16;
  if ((dim / 4) % TPR !== 0) return null;
  for (const NS of [4, 2, 1]) {
    if (NS > maxSubgroups) continue;
    if (NS * SGS > Math.min(256, maxInvocations)) continue;
    for (const BC of [64, 32, 16]) {
      const workgroupBytes = f16MmaWorkgroupBytes(dim, NS, BC, SGS, hBytes);
      if (workgroupBytes <= maxWorkgroupBytes) return { NS, BC, SGS, workgroupBytes };
    }
  }
  return null;
}

/**
 * Why this device cannot run the matrix kernel, as a sentence, or null: it needs shader-f16,
 * subgroup matrices with a 16 x 16 x 16 f16 x f16 -> f32 configuration, and one subgroup size.
 */
export function f16MmaUnsupported(device: GPUDevice): string | null {
  const missing = missingFeatures('softmax-flash-f16-mma', MMA_FEATURES, device);
  if (missing) return missing;
  const info = device.adapterInfo as GPUAdapterInfo & {
    subgroupMatrixConfigs?: readonly {
      componentType: string;
      resultComponentType: string;
      M: number;
      N: number;
      K: number;
    }[];
  };
  // Where the device's adapter info does not list the configurations, or lists objects whose
  // fields Dawn's Node bindings leave undefined (seen on the H200), the pipeline's creation is
  // the test.
  const configs = info?.subgroupMatrixConfigs;
  const readable = configs?.some((c) => typeof c.componentType === 'string') ?? false;
  const ok =
    !readable ||
    configs!.some(
      (c) =>
        c.componentType === 'f16' &&
        c.resultComponentType === 'f32' &&
        c.M === 16 &&
        c.N === 16 &&
        c.K === 16,
    );
  if (!ok) {
    return 'softmax-flash-f16-mma needs 16 x 16 x 16 subgroup matrices of f16 with f32 results, which this GPU does not offer.';
  }
  if (!info.subgroupMinSize || info.subgroupMinSize !== info.subgroupMaxSize) {
    return 'softmax-flash-f16-mma needs a GPU with one subgroup size; this one varies it.';
  }
  return null;
}

/**
 * How the matrix operations are compiled: 'native', the device's subgroup matrices (f16 storage);
 * 'lanes', shared out among the invocations in plain WGSL (softmax-flash-f16, shader-f16 alone);
 * 'emulated', whole in every invocation (tests). `storage` 'f32' stands in for f16 where
 * shader-f16 is absent, every stored value rounded to f16 (same arithmetic; for tests).
 */
export type F16MmaMode = 'native' | 'lanes' | 'emulated';

/** How the native kernel finds its subgroup: one per workgroup, or the subgroup_id builtin. */
export type SubgroupIndex = 'single' | 'subgroup-id';

/** why the device cannot run softmax-flash-f16 (plain shader-f16), or null. */
export function f16PlainUnsupported(device: GPUDevice): string | null {
  return missingFeatures('softmax-flash-f16', ['shader-f16'], device);
}

/** The module of the kernel for these tiles: header, constants, kernel, shared pieces. */
export function f16MmaSource(
  dim: number,
  tiles: F16MmaTiles,
  mode: F16MmaMode,
  storage: 'f16' | 'f32' = mode === 'emulated' ? 'f32' : 'f16',
  subgroupIndex: SubgroupIndex = 'single',
  flushSubnormals = false,
): string {
  const { NS, BC, SGS } = tiles;
  const TPR = SGS / 16;
  // Which subgroup's rows an invocation's matrix operations work on: 0 with one subgroup per
  // workgroup (the only form whose offsets the uniformity analysis accepts on Dawn's Vulkan
  // backend, seen on the H200), the subgroup_id builtin, or local_invocation_index / SGS where
  // no matrix builtin runs (lanes, emulated).
  // (In call 1b the subgroup_id variant read the builtin through the struct that also held
  // local_invocation_index and was rejected as non-uniform; a micro-kernel reading subgroup_id as
  // its own parameter compiled and ran. The builtin now has its own struct; not yet run.)
  const sgid = mode === 'native' && subgroupIndex === 'subgroup-id';
  const index = mode !== 'native' ? 's.id.x / SGS' : sgid ? 's.id' : '0u';
  const lanes = [
    'struct Lanes { @builtin(local_invocation_index) lid: u32 }',
    sgid
      ? 'struct SubgroupIds { @builtin(subgroup_id) id: u32 }'
      : 'struct SubgroupIds { @builtin(local_invocation_id) id: vec3<u32> }',
  ].join('\n');
  const header = [
    ...(storage === 'f16' ? ['enable f16;'] : []),
    ...(mode === 'native'
      ? [
          ...(subgroupIndex === 'subgroup-id' ? ['enable subgroups;'] : []),
          'enable chromium_experimental_subgroup_matrix;',
          'diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);',
        ]
      : []),
    lanes,
    `fn subgroupOf(s: SubgroupIds) -> u32 { return ${index}; }`,
    storage === 'f16' ? 'alias h = f16;' : 'alias h = f32;',
    storage === 'f16'
      ? 'fn toH(x: f32) -> h { return h(x); }'
      : flushSubnormals
        ? // As a driver that flushes f16 subnormals to zero (the H200's did).
          'fn toH(x: f32) -> h { let r = unpack2x16float(pack2x16float(vec2<f32>(x, 0.0))).x; return select(r, 0.0, abs(r) < 6.103515625e-5); }'
        : 'fn toH(x: f32) -> h { return unpack2x16float(pack2x16float(vec2<f32>(x, 0.0))).x; }',
  ];
  const constants = {
    D: dim,
    D4: dim / 4,
    D16: dim / 16,
    NS,
    BR: 16 * NS,
    BC,
    SGS,
    WG: NS * SGS,
    TPR,
    KC: BC / TPR,
    OC: dim / 4 / TPR,
    PW: Math.max(BC, dim),
  };
  const lines = Object.entries(constants).map(([name, value]) => `const ${name}: u32 = ${value}u;`);
  return composeWgsl(
    [...header, ...lines].join('\n'),
    kernelSource,
    SOFTMAX_FLASH_WGSL,
    { native: sgmSource, lanes: lanesSource, emulated: emulatedSource }[mode],
  );
}

/** Test hooks: how the matrix operations run, storage, a chunk length in key tiles, tiles. */
export interface F16MmaOverrides {
  mode?: F16MmaMode;
  subgroupIndex?: SubgroupIndex;
  storage?: 'f16' | 'f32';
  /** f32 storage only: flush values below 2^-14 to zero when rounding, as some drivers do. */
  flushSubnormals?: boolean;
  chunkTiles?: number;
  tiles?: F16MmaTiles;
}

/** softmax-flash-f16-mma's factory (the device's subgroup matrices). */
export const createSoftmaxFlashF16Mma: FormFactory = (ctx) => createF16MmaKernel(ctx);

/** softmax-flash-f16's factory (the same kernel, its products shared out in plain WGSL). */
export const createSoftmaxFlashF16: FormFactory = (ctx) =>
  createF16MmaKernel(ctx, { mode: 'lanes' });

export function createF16MmaKernel(ctx: FormContext, overrides: F16MmaOverrides = {}): FormKernel {
  const { device, shape, label } = ctx;
  const { heads, tokens, dim } = shape;
  const mode = overrides.mode ?? 'native';
  const subgroupIndex = overrides.subgroupIndex ?? 'single';
  const storage = overrides.storage ?? (mode === 'emulated' ? 'f32' : 'f16');
  const why =
    mode === 'native'
      ? f16MmaUnsupported(device)
      : storage === 'f16'
        ? f16PlainUnsupported(device)
        : null;
  if (why) throw new Error(why);
  // The lanes and emulated operations group invocations by 32 themselves (no subgroup is used).
  const SGS = mode === 'native' ? device.adapterInfo.subgroupMaxSize : 32;
  const tiles =
    overrides.tiles ??
    planF16MmaTiles(
      dim,
      device.limits.maxComputeWorkgroupStorageSize,
      device.limits.maxComputeInvocationsPerWorkgroup,
      SGS,
      storage === 'f16' ? 2 : 4,
      mode === 'native' && subgroupIndex === 'single' ? 1 : 4,
    );
  if (!tiles) {
    throw new Error(
      `softmax-flash-f16-mma: no tile fits d = ${dim} (a multiple of 16 is needed) in ` +
        `${device.limits.maxComputeWorkgroupStorageSize} bytes of workgroup memory.`,
    );
  }
  const BR = 16 * tiles.NS;
  const BC = tiles.BC;
  const pipeline = getPipeline(
    device,
    `attention/softmax-flash-f16-mma ${mode} ${storage}${overrides.flushSubnormals ? ' ftz' : ''} ${subgroupIndex} D=${dim} NS=${tiles.NS} BC=${BC} SGS=${tiles.SGS}`,
    f16MmaSource(dim, tiles, mode, storage, subgroupIndex, overrides.flushSubnormals ?? false),
  );
  const blocks = Math.ceil(tokens / BR);
  const tilesPerChunk = overrides.chunkTiles ?? flashChunkTiles(heads, tokens, dim, BR, BC);
  const slices = planFlashSlices(heads, tokens, dim, BR, BC, tilesPerChunk);
  const chunked = slices.some((slice) => slice.chunk > 0);
  const state = ctx.createBuffer({
    label: `${label} flash state`,
    size: chunked ? 8 * heads * tokens : 16,
    usage: GPUBufferUsage.STORAGE,
  });
  const scale = f32Bits(1 / Math.sqrt(dim));
  const prepared = prepareDispatches(
    device,
    ctx.createBuffer,
    `${label} flash-f16`,
    pipeline,
    slices.map(({ offset, count, chunk }) => ({
      params: [tokens, heads, blocks, offset, count, scale, chunk, tilesPerChunk],
      storage: [ctx.q, ctx.k, ctx.v, ctx.out, state],
      count,
    })),
  );
  return {
    encode(encoder, timestamps) {
      const pass = encoder.beginComputePass({
        label: `${label} flash-f16 ${mode} BR=${BR} BC=${BC}`,
        timestampWrites: passTimestamps(timestamps, 0, 1),
      });
      encodeDispatches(pass, pipeline, prepared);
      pass.end();
    },
  };
}
