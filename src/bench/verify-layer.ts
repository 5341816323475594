/**
 * `--train --layer --verify`: one layer's training step (src/gpu/train/layer.ts) against the
 * float64 block of the trainer's reference (reference.ts) on a small shape with fresh random
 * parameters, inputs and upstream gradient, outputs poisoned with NaN before the run: the
 * output, dL/dx and every parameter's gradient, each as max |gpu - ref| / max |ref| over the tensor.
 */
import type { BlockConfig } from '../gpu/train/block.ts';
import type { TrainAttentionFactory } from '../gpu/train/attention.ts';
import { initialLayerParameters, runLayerGradients } from '../gpu/train/layer.ts';
import { layoutBlock } from '../gpu/train/config.ts';
import { SeededRandom } from '../gpu/train/random.ts';
import { referenceBlockBackward, referenceBlockForward } from '../gpu/train/reference.ts';

export interface LayerCheck {
  config: BlockConfig;
  /** Relative error per tensor: "y", "dx" and each parameter's name. */
  errors: Record<string, number>;
  /** The largest of `errors`. */
  worst: number;
  tolerance: number;
  ok: boolean;
  error: string | null;
}

function relativeError(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  offset = 0,
  size = want.length,
): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < size; i++) {
    const diff = Math.abs(got[offset + i]! - want[offset + i]!);
    worst = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.max(worst, diff);
    scale = Math.max(scale, Math.abs(want[offset + i]!));
  }
  // A tensor whose reference is all zeros would hide any error: report it as a failure.
  return scale > 0 ? worst / scale : Number.POSITIVE_INFINITY;
}

/** Checks one configuration's training step against float64 (relative tolerance 1e-4). */
export async function checkLayerGradients(
  device: GPUDevice,
  config: BlockConfig,
  options: { attention?: TrainAttentionFactory; seed?: number } = {},
): Promise<LayerCheck> {
  const check: LayerCheck = {
    config,
    errors: {},
    worst: Number.NaN,
    tolerance: 1e-4,
    ok: false,
    error: null,
  };
  try {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const random = new SeededRandom(seed);
    // Every parameter moved off its initial constants (gains 1, biases 0) by a random amount.
    const params = initialLayerParameters(config, seed);
    for (let i = 0; i < params.length; i++) params[i]! += 0.1 * random.normal();
    const n = config.batch * config.tokens * config.dModel;
    const x = Float32Array.from({ length: n }, () => random.normal());
    const dOut = Float32Array.from({ length: n }, () => random.normal());
    const gpu = await runLayerGradients(
      device,
      config,
      { params, x, dOut },
      options.attention ? { attention: options.attention } : {},
    );
    const layout = layoutBlock(config);
    const forward = referenceBlockForward(config, layout.block, params, Float64Array.from(x));
    const gradients = new Float64Array(layout.length);
    const dx = referenceBlockBackward(
      config,
      layout.block,
      params,
      forward.cache,
      Float64Array.from(dOut),
      gradients,
    );
    check.errors.y = relativeError(gpu.y, forward.y);
    check.errors.dx = relativeError(gpu.dx, dx);
    for (const slot of layout.slots) {
      check.errors[slot.name] = relativeError(gpu.gradients, gradients, slot.offset, slot.size);
    }
    check.worst = Math.max(...Object.values(check.errors));
    check.ok = check.worst <= check.tolerance;
  } catch (error) {
    check.error = error instanceof Error ? error.message : String(error);
  }
  return check;
}
