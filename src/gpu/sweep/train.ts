/**
 * Training-step sweeps: the forward and backward pass of attention alone (src/gpu/backward/),
 * timed as one unit of work per context length, records with task 'train' beside the forward
 * sweep's 'forward' ones. FLOPs are three times the forward's model FLOPs (the usual convention:
 * the backward costs twice the forward), so GFLOP/s compare with the forward records'.
 */
import { createAttentionTraining } from '../backward/index.ts';
import { isTrainableForm, TRAINABLE_FORMS, type TrainableForm } from '../forms/registry.ts';
import { DEFAULT_MEMORY_CAP_BYTES, trainingCapacityError } from '../capacity.ts';
import { estimateCost } from '../costs.ts';
import { ShapeError } from '../errors.ts';
import { requireDevice, requireObject } from '../guard.ts';
import { type AttentionShape, type ResidentAttention } from '../types.ts';
import { logDecayFor, randomInputs } from './inputs.ts';
import { formOptions } from './plans.ts';
import { runPlans } from './runner.ts';
import {
  DEFAULT_SWEEP_TOKENS,
  type AttentionSweepOptions,
  type PointPlan,
  type SweepEvent,
  type SweepGpu,
} from './types.ts';

/** Times a training step (forward + backward) of each trainable form at every context length. */
export function sweepTraining(
  gpu: SweepGpu,
  options: AttentionSweepOptions = {},
): AsyncGenerator<SweepEvent> {
  return sweepTrainableForms('sweepTraining', gpu, options, planTraining);
}

/**
 * The body every training sweep shares: checks the GPU and that each requested form has a backward
 * pass, then times planPoint's point for every context length (shortest first) and form.
 */
export async function* sweepTrainableForms(
  name: string,
  gpu: SweepGpu,
  options: AttentionSweepOptions,
  planPoint: (
    gpu: SweepGpu,
    common: AttentionSweepOptions,
    form: TrainableForm,
    tokens: number,
  ) => PointPlan,
): AsyncGenerator<SweepEvent> {
  requireObject(gpu, name, 'a GPU {device, info} (a ready outcome of acquireGpu)');
  requireDevice(gpu.device, name);
  const forms: TrainableForm[] = [];
  for (const form of options.forms ?? TRAINABLE_FORMS) {
    if (!isTrainableForm(form)) {
      throw new ShapeError(
        `${form} has no backward pass; the trainable forms are ${TRAINABLE_FORMS.join(', ')}.`,
      );
    }
    forms.push(form);
  }
  const tokens = [...(options.tokens ?? DEFAULT_SWEEP_TOKENS)].sort((a, b) => a - b);
  const plans: PointPlan[] = [];
  for (const t of tokens) for (const form of forms) plans.push(planPoint(gpu, options, form, t));
  yield* runPlans(gpu, plans, options);
}

function planTraining(
  gpu: SweepGpu,
  common: AttentionSweepOptions,
  form: TrainableForm,
  tokens: number,
): PointPlan {
  const shape: AttentionShape = { heads: common.heads ?? 12, tokens, dim: common.dim ?? 64 };
  const { options, featureMap, normalize, chunk } = formOptions(form, common, common.chunkSize);
  const forward = estimateCost(form, shape, {
    ...options,
    workgroupStorageBytes: gpu.device.limits.maxComputeWorkgroupStorageSize,
  });
  const n = shape.heads * shape.tokens * shape.dim;
  return {
    series: `train/${form}/${chunk ?? ''}`,
    tokens,
    base: {
      task: 'train',
      form,
      featureMap,
      normalize,
      heads: shape.heads,
      tokens,
      dim: shape.dim,
      chunkSize: chunk,
    },
    flops: 3 * forward.flops,
    // Refused here with the sentence, before anything is allocated: the largest buffer the step
    // creates (all heads in one) and its working memory, not the forward's largest per head.
    capacity:
      trainingCapacityError(
        form,
        shape,
        options,
        gpu.device.limits,
        common.memoryLimitBytes ?? DEFAULT_MEMORY_CAP_BYTES,
      )?.message ?? null,
    inputBytes: 3 * 4 * n,
    create: async () => {
      const step = createAttentionTraining(gpu.device, shape, options);
      const { device } = gpu;
      const b = step.buffers;
      // A resident form's face (shape, options, write), so that the runner rotates the inputs.
      const work: ResidentAttention = {
        ...step,
        write(q, k, v, logDecay) {
          device.queue.writeBuffer(b.q, 0, q);
          device.queue.writeBuffer(b.k, 0, k);
          device.queue.writeBuffer(b.v, 0, v);
          if (b.logDecay && logDecay) device.queue.writeBuffer(b.logDecay, 0, logDecay);
        },
        run: async () => {
          const encoder = device.createCommandEncoder();
          step.encode(encoder);
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
        },
        read: () => Promise.reject(new Error('a training step is timed, not read')),
      };
      try {
        // Never time on zeros: random inputs and upstream gradient.
        work.write(randomInputs(n), randomInputs(n), randomInputs(n), logDecayFor(form, shape));
        device.queue.writeBuffer(b.dOut, 0, randomInputs(n));
      } catch (error) {
        step.destroy();
        throw error;
      }
      return work;
    },
  };
}
