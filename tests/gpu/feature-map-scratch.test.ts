/**
 * The cost model's phi(q), phi(k) (form-costs.ts: the feature-map pass's two T x d float32 buffers
 * per head) against the buffers the forms really create on this device: for every linear and gated
 * form, random shapes, chunk sizes and feature maps, the bytes of the buffers labelled phi(q) and
 * phi(k) equal estimateCost's working memory less the identity map's, given the device's workgroup
 * memory. SwiftShader offers 32 KiB: the chunked forms take the whole-tile kernel (no pass) at
 * d <= 32 and c a multiple of 64, the sliced kernel (the pass) at d = 64 or c < 64, and also at
 * d = 32 where the device reports WebGPU's default 16 KiB.
 */
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/gpu/costs.ts';
import { FORM_FACTORIES } from '../../src/gpu/forms/index.ts';
import { referenceGatedAttention } from '../../src/gpu/forms/gated/reference.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import { WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES } from '../../src/gpu/limits.ts';
import type { AttentionForm, FeatureMap } from '../../src/gpu/types.ts';
import { countingDevice } from './counting-device.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, readyDevice } from './setup.ts';
import { pick } from '../helpers/random.ts';

describe.skipIf(!gpu)("the feature-map pass's buffers, allocated and modelled", async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  // [form, dim, chunk size, workgroup memory the device reports (undefined: its own)]
  const cases: [AttentionForm, number, number, number | undefined][] = [
    ['linear-recurrent', 32, 64, undefined],
    ['gated-recurrent', 16, 64, undefined],
    ['linear-attention', 32, 64, undefined],
    ['linear-chunked', 32, 64, undefined],
    ['linear-chunked', 16, 128, undefined],
    ['linear-chunked', 64, 64, undefined],
    ['linear-chunked', 32, 32, undefined],
    ['linear-chunked', 32, 64, WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES],
    ['gated-chunked', 32, 64, undefined],
    ['gated-chunked', 64, 64, undefined],
    ['gated-chunked', 32, 64, WEBGPU_DEFAULT_WORKGROUP_STORAGE_BYTES],
  ];

  const named = cases.map(([form, dim, chunkSize, reported]) => ({
    name: `${form} d=${dim} c=${chunkSize} on ${reported === undefined ? "the device's own" : `${reported} bytes of`} workgroup memory`,
    form,
    dim,
    chunkSize,
    reported,
  }));

  it.each(named)('$name', async ({ form, dim, chunkSize, reported }) => {
    const counting = countingDevice(
      device,
      reported === undefined ? {} : { maxComputeWorkgroupStorageSize: reported },
    );
    const featureMap = pick<FeatureMap>(['softplus', 'elu1']);
    const options = linearOptions(form, { chunkSize, featureMap });
    const heads = 1 + Math.floor(Math.random() * 3);
    const tokens = 40 + Math.floor(Math.random() * 260);
    const gated = form.startsWith('gated');
    const problem = {
      ...drawProblem(heads, tokens, dim, options),
      ...(gated
        ? { logDecay: Float32Array.from({ length: heads * tokens }, () => -3 * Math.random()) }
        : {}),
    };
    const actual = await runFactory(counting.device, FORM_FACTORIES[form], problem, options);
    const reference = gated ? referenceGatedAttention : referenceLinearAttention;
    expect(relativeError(actual, reference(problem, options))).toBeLessThanOrEqual(1e-4);

    const allocated = counting.created
      .filter((b) => / phi\([qk]\)$/.test(b.label))
      .reduce((n, b) => n + b.size, 0);
    const shape = { heads, tokens, dim };
    const workgroupStorageBytes = counting.device.limits.maxComputeWorkgroupStorageSize;
    const modelled =
      estimateCost(form, shape, { ...options, workgroupStorageBytes }).workingBytes -
      estimateCost(form, shape, { ...options, featureMap: 'identity', workgroupStorageBytes })
        .workingBytes;
    expect(modelled, `${featureMap}, T=${tokens}, H=${heads}`).toBe(allocated);
    // The cases above cover both answers: where the pass runs, its two buffers are T d floats each.
    expect([0, 2 * heads * tokens * dim * 4]).toContain(allocated);
  });
});
