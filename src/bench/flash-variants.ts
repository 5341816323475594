/**
 * The benchmark CLI with softmax-flash's kernel chosen by the environment instead of the planner,
 * to time tile variants against each other on one card: `FLASH_VARIANT=sliced node
 * flash-variants.mjs --forms softmax-flash --dim 128 --verify ...` (every argument as in cli.ts).
 * Bundled by vite.flash.config.ts into `.gpu/flash/flash-variants.mjs`. Variants:
 *   plan             what planFlashTiles picks for the device (outer at d <= 64, narrow at 128)
 *   wide             softmax-flash-wide.wgsl (planWideTiles), the plan at d <= 64 until call S4
 *   sliced           softmax-flash-sliced.wgsl (planSlicedTiles)
 *   narrow           softmax-flash-sliced-narrow.wgsl (planSlicedTiles, 'narrow')
 *   quad             softmax-flash-quad.wgsl at any d it supports
 *   wide-noprefetch  the wide tiles without the register prefetch of the next K/V tile
 *   wide-br32        wide, 32 rows (64 threads), P beside K (no barrier before P)
 *   wide-br32-overk  wide, 32 rows, P over K (40 KiB at d = 64)
 * Variants measured and since removed (the wide kernel's 8 rows per thread, keys and values
 * staged apart, WGSL's vector-matrix products instead of FMA chains; softmax-flash-thin.wgsl):
 * docs/PERFORMANCE.md keeps their results and names the commit where they can be read.
 */
import { FORM_FACTORIES } from '../gpu/forms/index.ts';
import {
  createSoftmaxFlashKernel,
  flashSubgroupSize,
  planFlashTiles,
  planSlicedTiles,
  planWideTiles,
  type FlashTiles,
} from '../gpu/forms/softmax/flash.ts';

/** The tiles of a variant on this device and head size, or a sentence saying why there are none. */
function variantTiles(variant: string, device: GPUDevice, dim: number): FlashTiles | string {
  const bytes = device.limits.maxComputeWorkgroupStorageSize;
  const threads = Math.min(256, device.limits.maxComputeInvocationsPerWorkgroup);
  const subgroup = flashSubgroupSize(device);
  const planned = planFlashTiles(dim, bytes, threads, subgroup);
  const d4 = dim / 4;
  const wide32 = (overK: boolean): FlashTiles => {
    const BC = dim;
    const TX = dim / 8;
    const POFF = overK ? 0 : BC;
    const KW = overK ? BC : BC + 32;
    return {
      kernel: 'wide',
      BR: 32,
      BC,
      TX,
      WG: TX * 8,
      workgroupBytes: 16 * d4 * (32 + KW + BC),
      POFF,
      KW,
    };
  };
  switch (variant) {
    case 'plan':
      return planned;
    case 'sliced':
      return planSlicedTiles(dim, bytes, threads, subgroup) ?? `sliced: no tiles at d = ${dim}`;
    case 'narrow':
      return (
        planSlicedTiles(dim, bytes, threads, subgroup, 'narrow') ?? `narrow: no tiles at d = ${dim}`
      );
    case 'quad':
      return (
        planWideTiles(dim, bytes, threads, subgroup, variant) ??
        `${variant}: no tiles at d = ${dim}`
      );
    case 'wide':
    case 'wide-noprefetch':
    case 'outer':
    case 'outer-noprefetch': {
      const kernel = variant.startsWith('outer') ? 'outer' : 'wide';
      const tiles = planWideTiles(dim, bytes, threads, subgroup, kernel);
      if (!tiles) return `${variant}: no tiles at d = ${dim}`;
      return variant.endsWith('-noprefetch') ? { ...tiles, prefetch: false } : tiles;
    }
    case 'wide-br32':
    case 'wide-br32-overk': {
      const tiles = wide32(variant === 'wide-br32-overk');
      if (dim > 64 || subgroup < tiles.TX || tiles.workgroupBytes > bytes) {
        return `${variant}: does not fit at d = ${dim}`;
      }
      return tiles;
    }
    default:
      return `unknown FLASH_VARIANT ${variant}`;
  }
}

const variant = process.env.FLASH_VARIANT ?? 'plan';
FORM_FACTORIES['softmax-flash'] = (ctx) => {
  const tiles = variantTiles(variant, ctx.device, ctx.shape.dim);
  if (typeof tiles === 'string') throw new Error(tiles);
  process.stderr.write(
    `flash variant ${variant}: ${tiles.kernel} BR=${tiles.BR} BC=${tiles.BC} WG=${tiles.WG} ` +
      `${tiles.workgroupBytes} B prefetch=${tiles.prefetch ?? 'default'}\n`,
  );
  return createSoftmaxFlashKernel(ctx, undefined, tiles);
};

// The CLI itself (it runs on import; forms are created only after the GPU is acquired).
await import('./cli.ts');
