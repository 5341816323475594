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
 * The gate of the linear kernels: on (gated forms: binding 7 holds log-decays, see GATE_BINDING)
 * or off (the decay work compiled away).
 */
export function gateWgsl(gated: boolean): string {
  return gated ? gateOnSource : gateOffSource;
}

/** The binding gate-on.wgsl reads its log-decays from. */
export const GATE_BINDING = 7;
