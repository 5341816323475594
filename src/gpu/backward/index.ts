/**
 * Attention for training: a forward pass that keeps what the backward needs, and the backward
 * pass, on the GPU, for softmax-flash (FlashAttention-2-style: the probabilities are recomputed
 * from each row's saved log-sum-exp), linear-chunked and gated-chunked (chunked, with the
 * forward's feature map and normaliser; a reverse-direction chunk state carries dK and dV, the
 * forward state dQ; gated also returns dL/dg).
 *
 * API (framework-free; page, worker and Node):
 *   const step = createAttentionTraining(device, { heads, tokens, dim }, { form, ... }, buffers?);
 *   step.buffers.{q, k, v, logDecay?}   inputs, [heads][tokens][dim] f32 ([heads][tokens] for g)
 *   step.encodeForward(encoder)         writes step.buffers.out (and keeps row statistics or
 *                                       chunk states for the backward)
 *   step.buffers.dOut                   dL/dout, written by the caller (a loss kernel, an upload)
 *   step.encodeBackward(encoder)        writes step.buffers.{dq, dk, dv, dLogDecay?}
 *   step.destroy()                      frees what it created (never buffers passed in)
 * Pass any of the buffers in `buffers` (usage STORAGE) to train on tensors the caller owns, e.g. a
 * trainer's projections; the rest are created (STORAGE | COPY_SRC | COPY_DST). Attention is
 * causal, softmax scaled by 1/sqrt(d), one problem of `heads` heads (a batch is more heads).
 * `runAttentionBackward` does one step from CPU arrays, for tests and checks.
 */
import { CapacityError, ShapeError } from '../errors.ts';
import { estimateCost } from '../costs.ts';
import { encodeDispatches } from '../forms/linear/common.ts';
import { formatCount } from '../format.ts';
import { isTrainableForm, TRAINABLE_FORMS } from '../forms/registry.ts';
import { requireDevice } from '../guard.ts';
import { submitAndRead } from '../readback.ts';
import type {
  AttentionOptions,
  AttentionShape,
  GpuWork,
  ResolvedOptions,
  TimestampTarget,
} from '../types.ts';
import { validateLogDecay, validateOptions, validateShape } from '../validate.ts';
import { planLinearTraining } from './linear.ts';
import { BACKWARD_WORKGROUP_BYTES, createOwner } from './plan.ts';
import { planSoftmaxTraining } from './softmax.ts';
import type { TrainingBuffers } from './types.ts';

export type { TrainingBuffers } from './types.ts';
export { BACKWARD_CHUNK_SIZES } from './linear.ts';
export {
  featureMapDerivative,
  referenceLinearGradients,
  referenceSoftmaxGradients,
  type AttentionGradients,
  type GradientRows,
} from './reference.ts';

// Which forms have a backward pass is the form registry's to say (FormSpec.trainable).
export { isTrainableForm, TRAINABLE_FORMS, type TrainableForm } from '../forms/registry.ts';

/** One attention training step for one shape: forward and backward, run as often as wanted. */
export interface AttentionTraining extends GpuWork {
  readonly shape: AttentionShape;
  readonly options: ResolvedOptions;
  readonly buffers: TrainingBuffers;
  /** Encodes the forward pass (its own compute passes). */
  encodeForward(encoder: GPUCommandEncoder): void;
  /** Encodes the backward pass (one compute pass); reads buffers.dOut. */
  encodeBackward(encoder: GPUCommandEncoder): void;
  /**
   * Forward then backward (GpuWork, for timing): timestamps at the start of the forward and the
   * end of the backward. `flops` counts the forward's model FLOPs times 3, the usual convention
   * for a training step (the backward twice the forward).
   */
  encode(encoder: GPUCommandEncoder, timestamps?: TimestampTarget): void;
}

/**
 * Creates the training step of `options.form` (one of TRAINABLE_FORMS) for one shape. Throws a
 * ShapeError for a form without a backward or a chunk size over 64, a CapacityError when a
 * buffer would not fit the device.
 */
export function createAttentionTraining(
  device: GPUDevice,
  shape: AttentionShape,
  options: AttentionOptions,
  given: Partial<TrainingBuffers> = {},
): AttentionTraining {
  requireDevice(device, 'createAttentionTraining');
  validateShape(shape);
  const resolved = validateOptions(options);
  if (!isTrainableForm(resolved.form)) {
    throw new ShapeError(
      `${resolved.form} has no backward pass; the trainable forms are ${TRAINABLE_FORMS.join(', ')}.`,
    );
  }
  if (device.limits.maxComputeWorkgroupStorageSize < BACKWARD_WORKGROUP_BYTES) {
    throw new CapacityError(
      `The backward kernels need ${formatCount(BACKWARD_WORKGROUP_BYTES)} bytes of workgroup ` +
        `memory; this GPU allows ${formatCount(device.limits.maxComputeWorkgroupStorageSize)}.`,
      BACKWARD_WORKGROUP_BYTES,
      device.limits.maxComputeWorkgroupStorageSize,
    );
  }
  const { heads: H, tokens: T, dim: d } = shape;
  const gated = resolved.form === 'gated-chunked';
  const label = `train/${resolved.form} H=${H} T=${T} d=${d}`;
  const bytes = 4 * H * T * d;
  const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (bytes > maxBytes) {
    throw new CapacityError(
      `${label} needs ${formatCount(bytes)} bytes per tensor; this GPU allows ` +
        `${formatCount(maxBytes)} bytes per buffer. Fewer heads per step need less.`,
      bytes,
      maxBytes,
    );
  }
  const owner = createOwner(device);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const tensor = (name: keyof TrainingBuffers, size = bytes): GPUBuffer =>
    given[name] ?? owner.create({ label: `${label} ${name}`, size, usage });
  const buffers: TrainingBuffers = {
    q: tensor('q'),
    k: tensor('k'),
    v: tensor('v'),
    out: tensor('out'),
    dOut: tensor('dOut'),
    dq: tensor('dq'),
    dk: tensor('dk'),
    dv: tensor('dv'),
    ...(gated
      ? { logDecay: tensor('logDecay', 4 * H * T), dLogDecay: tensor('dLogDecay', 4 * H * T) }
      : {}),
  };
  let plan;
  try {
    plan =
      resolved.form === 'softmax-flash'
        ? planSoftmaxTraining(device, owner, shape, buffers, label)
        : planLinearTraining(device, owner, shape, resolved, buffers, label);
  } catch (error) {
    owner.destroy();
    throw error;
  }
  const encodeBackward = (
    encoder: GPUCommandEncoder,
    writes?: GPUComputePassTimestampWrites,
  ): void => encodeDispatches(encoder, `${label} backward`, plan.backward, writes);
  let destroyed = false;
  return {
    label,
    shape: { heads: H, tokens: T, dim: d },
    options: resolved,
    buffers,
    flops: 3 * estimateCost(resolved.form, shape, resolved).flops,
    encodeForward: (encoder) => plan.forward(encoder),
    encodeBackward: (encoder) => encodeBackward(encoder),
    encode(encoder, timestamps) {
      if (timestamps) {
        // An empty pass carries the start time: the forward's passes are the form's own.
        encoder
          .beginComputePass({
            label: `${label} start`,
            timestampWrites: {
              querySet: timestamps.querySet,
              beginningOfPassWriteIndex: timestamps.beginIndex,
            },
          })
          .end();
      }
      plan.forward(encoder);
      encodeBackward(
        encoder,
        timestamps
          ? { querySet: timestamps.querySet, endOfPassWriteIndex: timestamps.endIndex }
          : undefined,
      );
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      owner.destroy();
    },
  };
}

/** One problem's inputs and the upstream gradient, on the CPU. */
export interface BackwardProblem extends AttentionShape {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Gated only: g_t <= 0, [heads][tokens]. */
  logDecay?: Float32Array;
  /** dL/dout, [heads][tokens][dim]. */
  dOut: Float32Array;
}

/** What one training step returns to the CPU. */
export interface BackwardResult {
  out: Float32Array;
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  dLogDecay?: Float32Array;
}

/**
 * Uploads a problem, fills every output with NaN (so an element a kernel fails to write shows),
 * runs the forward and the backward, reads the outputs back and frees everything.
 */
export async function runAttentionBackward(
  device: GPUDevice,
  problem: BackwardProblem,
  options: AttentionOptions,
): Promise<BackwardResult> {
  const { heads: H, tokens: T, dim: d } = problem;
  const n = H * T * d;
  for (const name of ['q', 'k', 'v', 'dOut'] as const) {
    const array = problem[name];
    if (!(array instanceof Float32Array) || array.length !== n) {
      throw new ShapeError(
        `${name} must be a Float32Array of heads x tokens x dim = ${formatCount(n)} values.`,
      );
    }
  }
  const step = createAttentionTraining(device, problem, options);
  const gated = step.options.form === 'gated-chunked';
  if (gated) validateLogDecay(problem.logDecay, H, T, step.options.form);
  const staging = device.createBuffer({
    label: `${step.label} staging`,
    size: 4 * n,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const b = step.buffers;
    device.queue.writeBuffer(b.q, 0, problem.q);
    device.queue.writeBuffer(b.k, 0, problem.k);
    device.queue.writeBuffer(b.v, 0, problem.v);
    device.queue.writeBuffer(b.dOut, 0, problem.dOut);
    if (gated) device.queue.writeBuffer(b.logDecay!, 0, problem.logDecay!);
    const nan = new Float32Array(n).fill(Number.NaN);
    for (const out of [b.out, b.dq, b.dk, b.dv]) device.queue.writeBuffer(out, 0, nan);
    if (gated) device.queue.writeBuffer(b.dLogDecay!, 0, nan, 0, H * T);
    const encoder = device.createCommandEncoder({ label: step.label });
    step.encodeForward(encoder);
    step.encodeBackward(encoder);
    device.queue.submit([encoder.finish()]);
    const read = (buffer: GPUBuffer, count = n) =>
      submitAndRead(device, device.createCommandEncoder(), buffer, staging, 4 * count);
    const result: BackwardResult = {
      out: await read(b.out),
      dq: await read(b.dq),
      dk: await read(b.dk),
      dv: await read(b.dv),
    };
    if (gated) result.dLogDecay = await read(b.dLogDecay!, H * T);
    return result;
  } finally {
    staging.destroy();
    step.destroy();
  }
}
