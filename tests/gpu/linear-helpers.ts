/**
 * Shared by the linear-attention GPU tests: random problems that suit each option set, the
 * relative error measure, and a harness that runs one FormFactory directly (for tilings and
 * dispatch splits the dispatcher would not pick on this device).
 */
import type { FormFactory } from '../../src/gpu/forms/form.ts';
import type { AttentionProblem, ResolvedOptions } from '../../src/gpu/types.ts';
import { randomArray } from './setup.ts';

/** Uniform random numbers in [0, 1), never all zeros. */
function positiveArray(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random();
  return out;
}

/**
 * Fresh random inputs. With the identity map and normalisation, the denominator q_i . sum_j k_j
 * of signed inputs can land near zero, where any float32 evaluation loses all its digits (the
 * problem, not the kernel, is ill-conditioned); there q and k are drawn from [0, 1) instead.
 */
export function drawProblem(
  heads: number,
  tokens: number,
  dim: number,
  options: Pick<ResolvedOptions, 'featureMap' | 'normalize'>,
): AttentionProblem {
  const n = heads * tokens * dim;
  const signed = !(options.featureMap === 'identity' && options.normalize);
  const draw = signed ? randomArray : positiveArray;
  return { heads, tokens, dim, q: draw(n), k: draw(n), v: randomArray(n) };
}

/** ||actual - expected||_F / ||expected||_F; NaN anywhere makes it NaN (and fails any bound). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.NaN;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    diff += (actual[i]! - e) ** 2;
    norm += e ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** The options every linear check starts from: softplus, normalised, c = 64. */
export function linearOptions(
  form: ResolvedOptions['form'],
  overrides: Partial<Omit<ResolvedOptions, 'form'>> = {},
): ResolvedOptions {
  return { form, featureMap: 'softplus', normalize: true, chunkSize: 64, ...overrides };
}

/**
 * Runs one factory on a problem outside the dispatcher: uploads (the log-decays too, when the
 * problem has them), poisons the output with NaN,
 * encodes, reads back, destroys every buffer. Validation errors reject.
 */
export async function runFactory(
  device: GPUDevice,
  factory: FormFactory,
  problem: AttentionProblem,
  options: ResolvedOptions,
): Promise<Float32Array> {
  const { heads, tokens, dim } = problem;
  const owned: GPUBuffer[] = [];
  const createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = device.createBuffer(descriptor);
    owned.push(buffer);
    return buffer;
  };
  const label = `test/${options.form} H=${heads} T=${tokens} d=${dim}`;
  const bytes = 4 * heads * tokens * dim;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const upload = (name: string, data: Float32Array): GPUBuffer => {
    const buffer = createBuffer({ label: `${label} ${name}`, size: bytes, usage });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  device.pushErrorScope('validation');
  try {
    const q = upload('q', problem.q);
    const k = upload('k', problem.k);
    const v = upload('v', problem.v);
    const out = upload('out', new Float32Array(heads * tokens * dim).fill(Number.NaN));
    let logDecay: GPUBuffer | undefined;
    if (problem.logDecay) {
      logDecay = createBuffer({ label: `${label} logDecay`, size: 4 * heads * tokens, usage });
      device.queue.writeBuffer(logDecay, 0, problem.logDecay);
    }
    const readback = createBuffer({
      label: `${label} readback`,
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const kernel = factory({
      device,
      shape: { heads, tokens, dim },
      options,
      q,
      k,
      v,
      out,
      ...(logDecay ? { logDecay } : {}),
      createBuffer,
      label,
    });
    const encoder = device.createCommandEncoder({ label });
    kernel.encode(encoder);
    encoder.copyBufferToBuffer(out, 0, readback, 0, bytes);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) throw new Error(`${label}: ${error.message}`);
    await readback.mapAsync(GPUMapMode.READ);
    const result = new Float32Array(readback.getMappedRange().slice(0));
    readback.unmap();
    return result;
  } finally {
    for (const buffer of owned) buffer.destroy();
  }
}
