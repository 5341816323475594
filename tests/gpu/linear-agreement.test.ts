/**
 * The linear forms agree with each other on the same inputs; the tilings and dispatch splits this
 * device would not pick still match the reference; the state decoder, fed one token at a time,
 * reproduces the full forms.
 */
import { describe, expect, it } from 'vitest';
import { runAttention } from '../../src/gpu/attention.ts';
import { createLinearAttentionWith } from '../../src/gpu/forms/linear/attention.ts';
import { createLinearChunkedWith } from '../../src/gpu/forms/linear/chunked.ts';
import {
  ATTENTION_TILINGS,
  attentionTileBytes,
  chooseAttentionTiles,
} from '../../src/gpu/forms/linear/common.ts';
import { createLinearRecurrentWith } from '../../src/gpu/forms/linear/recurrent.ts';
import { createStateDecodeWork, createStateDecoder } from '../../src/gpu/generation/state.ts';
import { referenceLinearAttention } from '../../src/gpu/forms/linear/reference.ts';
import { drawProblem, linearOptions, relativeError, runFactory } from './linear-helpers.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

const BOUND = 1e-4;

describe.skipIf(!gpu)('linear forms among themselves, forced tilings and generation', async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  it('all linear forms agree pairwise within 1e-4 on the same inputs (H=2, T=300, d=64)', async () => {
    const problem = drawProblem(2, 300, 64, linearOptions('linear-recurrent'));
    const outputs = new Map<string, Float32Array>();
    for (const [form, chunkSize] of [
      ['linear-attention', 64],
      ['linear-recurrent', 64],
      ['linear-chunked', 16],
      ['linear-chunked', 64],
      ['linear-chunked', 256],
    ] as const) {
      const options = linearOptions(form, { chunkSize });
      outputs.set(`${form} c=${chunkSize}`, await runAttention(device, problem, options));
    }
    const entries = [...outputs];
    for (const [i, [a, x]] of entries.entries()) {
      for (const [b, y] of entries.slice(i + 1)) {
        expect(relativeError(x, y), `${a} vs ${b}`).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('every attention tiling that fits this device matches the reference', async () => {
    const limit = device.limits.maxComputeWorkgroupStorageSize;
    const fitting = ATTENTION_TILINGS.filter((t) => attentionTileBytes(t, 64) <= limit);
    expect(fitting).toContain(chooseAttentionTiles(limit, 64));
    for (const tiles of fitting) {
      for (const [form, factory] of [
        ['linear-attention', createLinearAttentionWith({ tiles })],
        ['linear-chunked', createLinearChunkedWith({ tiles })],
      ] as const) {
        const options = linearOptions(form, { chunkSize: 128 });
        const problem = drawProblem(2, 200, 64, options);
        const actual = await runFactory(device, factory, problem, options);
        const error = relativeError(actual, referenceLinearAttention(problem, options));
        expect(error, `${form} ${JSON.stringify(tiles)}`).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('split dispatches and head groups give the same answer (tiny budgets force many dispatches)', async () => {
    const cases = [
      ['linear-attention', createLinearAttentionWith({ maxDispatchFlops: 1 })],
      ['linear-recurrent', createLinearRecurrentWith(37)],
      // One workgroup per dispatch, one prefix chunk per dispatch, one head per states buffer.
      ['linear-chunked', createLinearChunkedWith({ maxDispatchFlops: 1, maxStateBytes: 1 << 16 })],
    ] as const;
    for (const [form, factory] of cases) {
      const options = linearOptions(form, { chunkSize: 16 });
      const problem = drawProblem(3, 150, 32, options);
      const actual = await runFactory(device, factory, problem, options);
      const error = relativeError(actual, referenceLinearAttention(problem, options));
      expect(error, form).toBeLessThanOrEqual(BOUND);
    }
  });

  it('the state decoder fed token by token reproduces the full forms (H=3, T=40, d=32)', async () => {
    for (const [featureMap, normalize] of [
      ['softplus', true],
      ['elu1', false],
    ] as const) {
      const options = linearOptions('linear-recurrent', { featureMap, normalize });
      const { heads, tokens, dim } = { heads: 3, tokens: 40, dim: 32 };
      const problem = drawProblem(heads, tokens, dim, options);
      const decoder = createStateDecoder(device, {
        kind: 'state',
        heads,
        dim,
        featureMap,
        normalize,
      });
      const stepped = new Float32Array(heads * tokens * dim).fill(Number.NaN);
      try {
        for (let t = 0; t < tokens; t++) {
          // Token t of every head: [heads][dim] slices of the [heads][tokens][dim] inputs.
          const slice = (a: Float32Array): Float32Array => {
            const out = new Float32Array(heads * dim);
            for (let h = 0; h < heads; h++) {
              out.set(a.subarray((h * tokens + t) * dim, (h * tokens + t + 1) * dim), h * dim);
            }
            return out;
          };
          const y = await decoder.step(slice(problem.q), slice(problem.k), slice(problem.v));
          for (let h = 0; h < heads; h++) {
            stepped.set(y.subarray(h * dim, (h + 1) * dim), (h * tokens + t) * dim);
          }
        }
        expect(decoder.position).toBe(tokens);
      } finally {
        decoder.destroy();
      }
      const what = `phi=${featureMap} normalize=${normalize}`;
      const reference = referenceLinearAttention(problem, options);
      expect(relativeError(stepped, reference), `${what} vs reference`).toBeLessThanOrEqual(BOUND);
      for (const form of ['linear-recurrent', 'linear-chunked'] as const) {
        const full = await runAttention(
          device,
          problem,
          linearOptions(form, { featureMap, normalize }),
        );
        expect(relativeError(stepped, full), `${what} vs ${form}`).toBeLessThanOrEqual(BOUND);
      }
    }
  });

  it('the state decoder refuses a token of the wrong length with a sentence', () => {
    const decoder = createStateDecoder(device, { kind: 'state', heads: 2, dim: 16 });
    const ok = randomArray(32);
    return expect(decoder.step(ok, randomArray(31), ok))
      .rejects.toThrow(/k has 31 values; one token needs heads x dim = 2 x 16 = 32/)
      .finally(() => decoder.destroy());
  });

  it('one state decode step runs as timing work and leaves finite outputs', async () => {
    const work = createStateDecodeWork(device, {
      kind: 'state',
      heads: 4,
      dim: 64,
      position: 10_000,
    });
    expect(work.flops).toBe(4 * (4 * 64 * 64 + 4 * 64));
    device.pushErrorScope('validation');
    for (let i = 0; i < 3; i++) {
      const encoder = device.createCommandEncoder();
      work.encode(encoder);
      device.queue.submit([encoder.finish()]);
    }
    await device.queue.onSubmittedWorkDone();
    expect(await device.popErrorScope()).toBeNull();
    work.destroy();
    work.destroy();
  });
});
