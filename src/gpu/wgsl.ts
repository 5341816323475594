/**
 * WGSL composition: a kernel is its own file plus the shared pieces it uses (the feature map, the
 * gate), joined in order into one module, the way webgpu-samples prepends its common.wgsl. WGSL
 * resolves module-scope names in any order, so a piece may use the kernel's declarations and the
 * kernel the piece's.
 */
import attentionTilesSource from './kernels/linear-attention-tiles.wgsl?raw';
import featureMapSource from './kernels/linear-feature-map.wgsl?raw';
import normalizerSource from './kernels/linear-normalizer.wgsl?raw';
import gateOffSource from './kernels/gate-off.wgsl?raw';
import gateOnSource from './kernels/gate-on.wgsl?raw';
import flashCommonSource from './kernels/softmax-flash-common.wgsl?raw';
import flashSubgroupSource from './kernels/softmax-flash-subgroup.wgsl?raw';
import flashShuffleSource from './kernels/softmax-flash-shuffle.wgsl?raw';
import flashRows4Source from './kernels/softmax-flash-rows4.wgsl?raw';
import flashQuadsSource from './kernels/softmax-flash-quads.wgsl?raw';
import flashSlicesSource from './kernels/softmax-flash-slices.wgsl?raw';
import workgroupReduceSource from './kernels/workgroup-reduce.wgsl?raw';
import dispatchGridSource from './kernels/dispatch-grid.wgsl?raw';
import flashPaddedSource from './kernels/softmax-flash-padded.wgsl?raw';
import naiveCommonSource from './kernels/softmax-naive-common.wgsl?raw';
import chunkPairsSource from './kernels/chunk-pairs.wgsl?raw';
import rowThreadsSource from './kernels/row-threads.wgsl?raw';
import threadItemsSource from './kernels/thread-items.wgsl?raw';
import chunkStateScanSource from './kernels/chunk-state-scan.wgsl?raw';
import chunkBlockSource from './kernels/linear-chunked-block.wgsl?raw';
import inputsF32Source from './kernels/linear-inputs-f32.wgsl?raw';
import inputsF16Source from './kernels/linear-inputs-f16.wgsl?raw';
import inputsF16EmulatedSource from './kernels/linear-inputs-f16-emulated.wgsl?raw';

/** The pieces, one source each, joined into one module. */
export function composeWgsl(...pieces: readonly string[]): string {
  return pieces.join('\n');
}

/** The feature map phi (linear and gated kernels); its code is the FEATURE_MAP override. */
export const FEATURE_MAP_WGSL: string = featureMapSource;

/** The normaliser's epsilon as the override EPS (pass normalizerConstants() from the forms). */
export const NORMALIZER_WGSL: string = normalizerSource;

/** The tiles and phi(Q), phi(K) staging of linear-attention.wgsl and linear-chunked-output.wgsl. */
export const ATTENTION_TILES_WGSL: string = attentionTilesSource;

/**
 * The element type QKV in which the chunked linear kernels read phi(Q), phi(K) and V: 'f32' (every
 * float32 form), 'f16' (linear-chunked-f16, shader-f16), 'f16-emulated' (f32 storage holding
 * f16-rounded values, where shader-f16 is absent). Composed first: the f16 piece enables f16.
 */
export const LINEAR_INPUTS_WGSL: Readonly<Record<'f32' | 'f16' | 'f16-emulated', string>> = {
  f32: inputsF32Source,
  f16: inputsF16Source,
  'f16-emulated': inputsF16EmulatedSource,
};

/** The chunked output kernels' uniforms and grid prologue (chunkBlock: head and query block). */
export const CHUNK_BLOCK_WGSL: string = chunkBlockSource;

/** One thread per (head, chunk) pair: Params, the uniform and the entry point (chunkPair). */
export const CHUNK_PAIRS_WGSL: string = composeWgsl(chunkPairsSource, threadItemsSource);

/** One thread per (head, token) row: Params, the uniform and the entry point (threadItem). */
export const ROW_THREADS_WGSL: string = composeWgsl(rowThreadsSource, threadItemsSource);

/** The scan over chunks of every state element: Params, `carry`, chunkDecay, the entry point. */
export const CHUNK_STATE_SCAN_WGSL: string = chunkStateScanSource;

/** The grid prologue of a sliced dispatch: workItem (or NO_ITEM). */
export const DISPATCH_GRID_WGSL: string = dispatchGridSource;

/** The softmax-flash kernels' constants, uniform (binding 0), buffers and flashWork (with the grid). */
export const SOFTMAX_FLASH_WGSL: string = composeWgsl(flashCommonSource, dispatchGridSource);

/** The softmax-naive kernels' uniform (binding 0), with the grid prologue. */
export const SOFTMAX_NAIVE_WGSL: string = composeWgsl(naiveCommonSource, dispatchGridSource);

/** The tiled and row kernels' K/V staging into padded rows (stagePaddedTile). */
export const SOFTMAX_FLASH_PADDED_WGSL: string = flashPaddedSource;

/** The wide and quad kernels' workgroup tiles and K/V tile staging. */
export const SOFTMAX_FLASH_SUBGROUP_WGSL: string = flashSubgroupSource;

/** Row max and sum over a row's adjacent invocations by subgroup shuffles (hmax, hsum too). */
export const SOFTMAX_FLASH_SHUFFLE_WGSL: string = flashShuffleSource;

/** Four rows of two vec4 (Rows4): scores and their online-softmax steps, or two output quads. */
export const SOFTMAX_FLASH_ROWS4_WGSL: string = flashRows4Source;

/** A row's output as a mat4x4 of four quads: finishRow and loadRow (quad and sliced kernels). */
export const SOFTMAX_FLASH_QUADS_WGSL: string = flashQuadsSource;

/** The sliced kernels' workgroup memory (qk, ps) and their staging: stageSlice, stageValues, value. */
export const SOFTMAX_FLASH_SLICES_WGSL: string = flashSlicesSource;

/** workgroupMax and workgroupSum (a tree in workgroup memory `red` of WG entries). */
export const WORKGROUP_REDUCE_WGSL: string = workgroupReduceSource;

/**
 * The gate of the linear kernels: on (gated forms: binding 7 holds log-decays, see GATE_BINDING)
 * or off (the decay work compiled away).
 */
export function gateWgsl(gated: boolean): string {
  return gated ? gateOnSource : gateOffSource;
}

/** The binding gate-on.wgsl reads its log-decays from. */
export const GATE_BINDING = 7;
