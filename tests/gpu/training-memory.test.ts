/**
 * A training step's memory model (src/gpu/backward/memory.ts) against the buffers
 * createAttentionTraining really creates on this device: every trainable form, random shapes and
 * a random feature map, chunk sizes where the forward runs its feature-map pass (c = 32) and where
 * the whole-tile kernel maps as it stages (c = 64 at d = 32: SwiftShader offers 32 KiB). The model
 * leaves out the uniform params and the prefix scans' one-state carries, and so does the count.
 * The largest buffer created (all of them counted) is the model's largestTrainingBuffer.
 */
import { describe, expect, it } from 'vitest';
import { createAttentionTraining } from '../../src/gpu/backward/index.ts';
import { largestTrainingBuffer, trainingWorkingBytes } from '../../src/gpu/backward/memory.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { countingDevice, type CountingDevice } from './counting-device.ts';
import { gpu, readyDevice } from './setup.ts';
import { pick } from '../helpers/random.ts';

describe.skipIf(!gpu)("a training step's buffers, allocated and modelled", async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);
  // One counting device and feature map for every case, so that pipelines compile once (slow on
  // SwiftShader).
  const counting = gpu ? countingDevice(device) : (null as unknown as CountingDevice);
  const featureMap = pick<FeatureMap>(['softplus', 'elu1']);

  const cases = [
    { form: 'softmax-flash', dim: 32, chunkSize: 64 },
    { form: 'linear-chunked', dim: 32, chunkSize: 64 },
    { form: 'linear-chunked', dim: 32, chunkSize: 32 },
    { form: 'gated-chunked', dim: 32, chunkSize: 32 },
  ] as const;

  it.each(cases)('$form d=$dim c=$chunkSize', ({ form, dim, chunkSize }) => {
    counting.created.length = 0;
    const shape = {
      heads: 1 + Math.floor(Math.random() * 3),
      tokens: 40 + Math.floor(Math.random() * 260),
      dim,
    };
    const options = { form, featureMap, normalize: true, chunkSize };
    const step = createAttentionTraining(counting.device, shape, options);
    step.destroy();
    const counted = counting.created.filter(
      (b) => (b.usage & GPUBufferUsage.UNIFORM) === 0 && !/ carry$/.test(b.label),
    );
    const allocated = counted.reduce((n, b) => n + b.size, 0);
    const costOptions = {
      ...options,
      workgroupStorageBytes: counting.device.limits.maxComputeWorkgroupStorageSize,
    };
    const modelled = trainingWorkingBytes(form, shape, costOptions);
    const what = `${featureMap} ${JSON.stringify(shape)}: ${counted.map((b) => b.label).join(', ')}`;
    expect(allocated, what).toBe(modelled);
    const largest = largestTrainingBuffer(form, shape, costOptions);
    expect(Math.max(...counting.created.map((b) => b.size)), what).toBe(largest.bytes);
    // Both answers are covered: at c = 32 the states always outgrow the tensors (33 floats a
    // token at d = 32); softmax-flash holds none.
    if (chunkSize === 32) expect(largest.holds, what).toBe('chunk states');
    if (form === 'softmax-flash') expect(largest.holds, what).toBe('tensors');
    // Both answers are covered: phi(q), phi(k) exist exactly where the sliced kernel runs.
    const phi = counted.filter((b) => / phi\([qk]\)$/.test(b.label));
    expect(phi.length, what).toBe(form !== 'softmax-flash' && chunkSize < 64 ? 2 : 0);
  });
});
