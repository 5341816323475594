/**
 * The attention dispatcher: validates a problem, checks it fits the device, owns the resident q,
 * k, v and output buffers (split by heads where one binding cannot hold them all) and hands them
 * to the form's factory (src/gpu/forms). Everything it creates, it destroys.
 */
import { formatBytes, formatCount } from './format.ts';
import {
  checkCapacity,
  checkTotalMemory,
  DEFAULT_MEMORY_CAP_BYTES,
  planHeadGroups,
  perBufferLimit,
} from './capacity.ts';
import { estimateCost } from './costs.ts';
import { CapacityError, DeviceLostError, FeatureError, ShapeError } from './errors.ts';
import { deviceLostReason, requireDevice, requireObject } from './guard.ts';
import type { FormKernel } from './forms/form.ts';
import { FORM_FACTORIES } from './forms/index.ts';
import { formUnavailable, takesInput, takesOption } from './forms/registry.ts';
import {
  type AttentionOptions,
  type AttentionProblem,
  type AttentionShape,
  type ResidentAttention,
  type ResolvedOptions,
  type TimestampTarget,
} from './types.ts';
import { validateLogDecay, validateOptions, validateProblem, validateShape } from './validate.ts';
import { submitAndRead } from './readback.ts';

const F32 = 4;

/** A resident form that can also refill its output with NaN (so unwritten elements show). */
export interface PoisonableAttention extends ResidentAttention {
  /** Fills every output element with NaN. */
  poison(): void;
}

/** "attention/softmax-flash H=12 T=4096 d=64", plus c= and the feature map where the form takes them. */
export function attentionLabel(shape: AttentionShape, options: ResolvedOptions): string {
  let label = `attention/${options.form} H=${shape.heads} T=${shape.tokens} d=${shape.dim}`;
  if (takesOption(options.form, 'chunkSize')) label += ` c=${options.chunkSize}`;
  if (takesOption(options.form, 'featureMap')) {
    label += ` phi=${options.featureMap}${options.normalize ? '' : ' unnormalized'}`;
  }
  return label;
}

interface GroupBuffers {
  first: number;
  count: number;
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  out: GPUBuffer;
  /** Gated forms only: [heads in group][tokens]. */
  logDecay: GPUBuffer | undefined;
  kernel: FormKernel;
}

/** Limits a caller may set on one resident problem. */
export interface ResidentLimits {
  /** The most GPU memory the problem may hold in all (default DEFAULT_MEMORY_CAP_BYTES, 8 GiB). */
  memoryCapBytes?: number;
}

/**
 * Creates `options.form` for one shape: inputs stay on the GPU, `run` can be called many times,
 * `destroy` frees every buffer. Resolves after the allocations succeeded; a shape that does not fit
 * the device (one buffer, one binding, or all of them together: checked before anything is
 * allocated) rejects with a CapacityError, an unsupported one with a ShapeError, a lost device
 * with a DeviceLostError. The output starts filled with NaN.
 */
export async function createResidentAttention(
  device: GPUDevice,
  shape: AttentionShape,
  options: AttentionOptions,
  limits: ResidentLimits = {},
): Promise<PoisonableAttention> {
  requireDevice(device, 'createResidentAttention');
  requireObject(shape, 'createResidentAttention', 'a shape {heads, tokens, dim}');
  requireObject(options, 'createResidentAttention', 'options {form, ...}');
  validateShape(shape);
  const resolved = validateOptions(options);
  const plain: AttentionShape = { heads: shape.heads, tokens: shape.tokens, dim: shape.dim };
  const unavailable = formUnavailable(resolved.form, device);
  if (unavailable) throw new FeatureError(unavailable);
  checkCapacity(plain, resolved, device.limits);
  checkTotalMemory(
    plain,
    resolved,
    device.limits,
    limits?.memoryCapBytes ?? DEFAULT_MEMORY_CAP_BYTES,
  );
  const label = attentionLabel(plain, resolved);
  const cost = estimateCost(resolved.form, plain, {
    ...resolved,
    workgroupStorageBytes: device.limits.maxComputeWorkgroupStorageSize,
  });
  const factory = FORM_FACTORIES[resolved.form];
  const gated = takesInput(resolved.form, 'logDecay');
  const owned: GPUBuffer[] = [];
  const createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = device.createBuffer(descriptor);
    owned.push(buffer);
    return buffer;
  };
  let destroyed = false;
  const destroyAll = (): void => {
    if (destroyed) return;
    destroyed = true;
    for (const buffer of owned) buffer.destroy();
    owned.length = 0;
  };

  const groupsPlan = planHeadGroups(plain, device.limits);
  const groups: GroupBuffers[] = [];
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  try {
    for (const { first, count } of groupsPlan) {
      const groupLabel =
        groupsPlan.length === 1 ? label : `${label} heads ${first}-${first + count - 1}`;
      const size = count * plain.tokens * plain.dim * F32;
      const make = (name: string): GPUBuffer =>
        createBuffer({ label: `${groupLabel} ${name}`, size, usage });
      const q = make('q');
      const k = make('k');
      const v = make('v');
      const out = make('out');
      const logDecay = gated
        ? createBuffer({
            label: `${groupLabel} logDecay`,
            size: count * plain.tokens * F32,
            usage,
          })
        : undefined;
      const kernel = factory({
        device,
        shape: { heads: count, tokens: plain.tokens, dim: plain.dim },
        options: resolved,
        q,
        k,
        v,
        out,
        ...(logDecay ? { logDecay } : {}),
        createBuffer,
        label: groupLabel,
      });
      groups.push({ first, count, q, k, v, out, logDecay, kernel });
    }
  } catch (error) {
    await device.popErrorScope().catch(() => null);
    await device.popErrorScope().catch(() => null);
    destroyAll();
    throw error;
  }
  const oom = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  if (invalid && !oom) {
    destroyAll();
    throw new CapacityError(
      `${resolved.form} at T = ${formatCount(plain.tokens)} could not be set up on this GPU ` +
        `(${invalid.message || 'a validation error'}).`,
      cost.workingBytes,
      perBufferLimit(device.limits),
    );
  }
  if (oom) {
    destroyAll();
    const limit = perBufferLimit(device.limits);
    throw new CapacityError(
      `${resolved.form} at T = ${formatCount(plain.tokens)} needs about ` +
        `${formatBytes(cost.workingBytes)} of GPU memory, more than this GPU could give ` +
        `(${oom.message || 'out of memory'}).`,
      cost.workingBytes,
      limit,
    );
  }

  const perHeadValues = plain.tokens * plain.dim;
  let nanFill: Float32Array | null = null;
  const poison = (): void => {
    const largest = Math.max(...groups.map((g) => g.count)) * perHeadValues;
    if (!nanFill || nanFill.length < largest) nanFill = new Float32Array(largest).fill(Number.NaN);
    for (const g of groups) {
      device.queue.writeBuffer(g.out, 0, nanFill, 0, g.count * perHeadValues);
    }
  };
  const assertAlive = (what: string): void => {
    if (destroyed) throw new ShapeError(`${label}: ${what} after destroy().`);
    const lost = deviceLostReason(device);
    if (lost) {
      throw new DeviceLostError(
        `${label}: cannot ${what}: the GPU device ${lost.replace(/^it /, '')}. ` +
          'Acquire a new device and try again.',
      );
    }
  };
  const encode = (encoder: GPUCommandEncoder, timestamps?: TimestampTarget): void => {
    assertAlive('encode');
    const only = groups.length === 1 ? groups[0] : undefined;
    if (only) {
      only.kernel.encode(encoder, timestamps);
      return;
    }
    // Several head groups: empty passes carry the timestamps around all of them.
    if (timestamps) {
      encoder
        .beginComputePass({
          label: `${label} begin`,
          timestampWrites: {
            querySet: timestamps.querySet,
            beginningOfPassWriteIndex: timestamps.beginIndex,
          },
        })
        .end();
    }
    for (const g of groups) g.kernel.encode(encoder);
    if (timestamps) {
      encoder
        .beginComputePass({
          label: `${label} end`,
          timestampWrites: {
            querySet: timestamps.querySet,
            endOfPassWriteIndex: timestamps.endIndex,
          },
        })
        .end();
    }
  };
  poison();

  return {
    label,
    flops: cost.flops,
    shape: plain,
    options: resolved,
    encode,
    poison,
    write(q: Float32Array, k: Float32Array, v: Float32Array, logDecay?: Float32Array): void {
      assertAlive('write');
      if (gated) validateLogDecay(logDecay, plain.heads, plain.tokens, resolved.form);
      const expected = plain.heads * perHeadValues;
      for (const [name, values] of [
        ['q', q],
        ['k', k],
        ['v', v],
      ] as const) {
        if (values.length !== expected) {
          throw new ShapeError(
            `${name} has ${formatCount(values.length)} values; heads x tokens x dim = ` +
              `${formatCount(plain.heads)} x ${formatCount(plain.tokens)} x ` +
              `${formatCount(plain.dim)} = ${formatCount(expected)}.`,
          );
        }
      }
      for (const g of groups) {
        const offset = g.first * perHeadValues;
        const count = g.count * perHeadValues;
        device.queue.writeBuffer(g.q, 0, q, offset, count);
        device.queue.writeBuffer(g.k, 0, k, offset, count);
        device.queue.writeBuffer(g.v, 0, v, offset, count);
        if (g.logDecay && logDecay) {
          device.queue.writeBuffer(
            g.logDecay,
            0,
            logDecay,
            g.first * plain.tokens,
            g.count * plain.tokens,
          );
        }
      }
    },
    async run(): Promise<void> {
      assertAlive('run');
      const encoder = device.createCommandEncoder({ label });
      encode(encoder);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
    async read(): Promise<Float32Array> {
      assertAlive('read');
      const result = new Float32Array(plain.heads * perHeadValues);
      for (const g of groups) {
        const bytes = g.count * perHeadValues * F32;
        // One staging buffer per group: all heads together may exceed maxBufferSize.
        const staging = device.createBuffer({
          label: `${g.out.label} readback`,
          size: bytes,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        });
        try {
          const encoder = device.createCommandEncoder({ label: `${label} readback` });
          result.set(
            await submitAndRead(device, encoder, g.out, staging, bytes),
            g.first * perHeadValues,
          );
        } finally {
          staging.destroy();
        }
      }
      return result;
    },
    destroy: destroyAll,
  };
}

/**
 * Runs one form once: validates, uploads, fills the output with NaN, runs, reads back and frees
 * every buffer (also when something throws). Output [heads][tokens][dim].
 */
export async function runAttention(
  device: GPUDevice,
  problem: AttentionProblem,
  options: AttentionOptions,
): Promise<Float32Array> {
  requireDevice(device, 'runAttention');
  requireObject(problem, 'runAttention', 'a problem {heads, tokens, dim, q, k, v}');
  requireObject(options, 'runAttention', 'options {form, ...}');
  validateProblem(problem, options);
  const resident = await createResidentAttention(device, problem, options);
  try {
    resident.write(problem.q, problem.k, problem.v, problem.logDecay);
    resident.poison();
    await resident.run();
    return await resident.read();
  } finally {
    resident.destroy();
  }
}
