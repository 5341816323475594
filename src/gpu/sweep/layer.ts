/**
 * Training-step sweeps of one whole pre-norm transformer layer (src/gpu/train/layer.ts): at batch
 * 1, heads x dim = dModel (768 by default), MLP 4 dModel, GELU; forward and backward of every
 * parameter and the layer's input for a random upstream gradient, no optimizer step. Records with
 * task 'layer' beside the attention-alone 'train' ones; `form` is the attention form inside the
 * layer (the trainable form of its family). FLOPs: three times the forward's model FLOPs.
 * Inputs are not rewritten between samples (the layer's parameters and activations stay put).
 */
import { formSpec, type TrainableForm } from '../forms/registry.ts';
import { FAST_ATTENTION_CHUNK } from '../train/attention-fast.ts';
import {
  createLayerTraining,
  initialLayerParameters,
  layerCapacityReason,
  layerFlops,
  resolveLayerConfig,
} from '../train/layer.ts';
import { randomInputs } from './inputs.ts';
import { formOptions } from './plans.ts';
import { sweepTrainableForms } from './train.ts';
import {
  type AttentionSweepOptions,
  type PointPlan,
  type SweepEvent,
  type SweepGpu,
} from './types.ts';

/** Times one layer's training step with each trainable form's attention at every context length. */
export function sweepLayerTraining(
  gpu: SweepGpu,
  options: AttentionSweepOptions = {},
): AsyncGenerator<SweepEvent> {
  return sweepTrainableForms('sweepLayerTraining', gpu, options, planLayer);
}

function planLayer(
  gpu: SweepGpu,
  common: AttentionSweepOptions,
  form: TrainableForm,
  tokens: number,
): PointPlan {
  const heads = common.heads ?? 12;
  const dim = common.dim ?? 64;
  // The layer's chunked attention runs at the backward kernels' chunk (attention-fast.ts).
  const { featureMap, normalize, chunk } = formOptions(form, common, FAST_ATTENTION_CHUNK);
  const config = resolveLayerConfig({
    form: formSpec(form).family,
    tokens,
    heads,
    dModel: heads * dim,
    ...(featureMap === null ? {} : { featureMap }),
    ...(normalize === null ? {} : { normalize }),
  });
  return {
    series: `layer/${form}/${chunk ?? ''}`,
    tokens,
    base: {
      task: 'layer',
      form,
      featureMap,
      normalize,
      heads,
      tokens,
      dim,
      chunkSize: chunk,
    },
    flops: layerFlops(config),
    capacity: layerCapacityReason(config, gpu.device.limits, common.memoryLimitBytes),
    inputBytes: 0,
    create: async () => {
      const layer = createLayerTraining(gpu.device, config);
      try {
        // Never time on zeros: seeded parameters, random input and upstream gradient.
        const { device } = gpu;
        const n = config.batch * tokens * config.dModel;
        device.queue.writeBuffer(layer.buffers.params, 0, initialLayerParameters(config, tokens));
        device.queue.writeBuffer(layer.buffers.x, 0, randomInputs(n));
        device.queue.writeBuffer(layer.buffers.dOut, 0, randomInputs(n));
      } catch (error) {
        layer.destroy();
        throw error;
      }
      return layer;
    },
  };
}
