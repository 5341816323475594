/**
 * Whether a training step fits the device (trainingCapacityError, src/gpu/capacity.ts), checked
 * when the training sweep plans a point: its largest buffer holds all heads (q, k, v, the output,
 * their gradients; the chunk states, which outgrow them at small chunk sizes) and its working
 * memory is held to the engine's cap. The check it replaced read the forward's largest buffer of
 * one head; every refusal below is a step that check let through (to fail later, at allocation).
 */
import { describe, expect, it } from 'vitest';
import { BACKWARD_CHUNK_SIZES } from '../../src/gpu/backward/index.ts';
import {
  BACKWARD_MAX_CHUNK_SIZE,
  largestTrainingBuffer,
  trainingWorkingBytes,
} from '../../src/gpu/backward/memory.ts';
import { BACKWARD_TILE } from '../../src/gpu/backward/plan.ts';
import {
  capacityReason,
  DEFAULT_MEMORY_CAP_BYTES,
  trainingCapacityError,
  type BufferLimits,
} from '../../src/gpu/capacity.ts';
import { estimateCost } from '../../src/gpu/costs.ts';
import { CapacityError } from '../../src/gpu/errors.ts';
import { TRAINABLE_FORMS, type TrainableForm } from '../../src/gpu/forms/registry.ts';
import { collectSweep, sweepTraining } from '../../src/gpu/sweep.ts';
import { DEFAULT_SWEEP_TOKENS } from '../../src/gpu/sweep/types.ts';
import type { AttentionOptions, AttentionShape } from '../../src/gpu/types.ts';

const MIB = 2 ** 20;
/** WebGPU's default limits: 128 MiB per storage binding, 256 MiB per buffer. */
const WEBGPU_DEFAULTS: BufferLimits = {
  maxStorageBufferBindingSize: 128 * MIB,
  maxBufferSize: 256 * MIB,
};
/** An H200 under Dawn (data/training-h200.json's records). */
const H200: BufferLimits = {
  maxStorageBufferBindingSize: 2_147_483_644,
  maxBufferSize: 2 ** 40,
  maxComputeWorkgroupStorageSize: 48 * 1024,
};

/** What planTraining checked before: the forward's largest buffer of one head, no memory cap. */
function oldReason(
  form: TrainableForm,
  shape: AttentionShape,
  options: AttentionOptions,
  limits: BufferLimits,
): string | null {
  const costOptions = { ...options, workgroupStorageBytes: limits.maxComputeWorkgroupStorageSize };
  const cost = {
    ...estimateCost(form, shape, costOptions),
    workingBytes: trainingWorkingBytes(form, shape, costOptions),
  };
  return capacityReason(cost, limits);
}

function refusal(
  form: TrainableForm,
  shape: AttentionShape,
  options: AttentionOptions,
  limits: BufferLimits,
): CapacityError {
  expect(oldReason(form, shape, options, limits), 'the old check let it through').toBeNull();
  const error = trainingCapacityError(form, shape, options, limits);
  expect(error).toBeInstanceOf(CapacityError);
  return error!;
}

describe("a training step's largest buffer", () => {
  it('is one of the tensors of all heads, or the chunk states of all heads where they are larger', () => {
    for (let trial = 0; trial < 20; trial++) {
      const shape = {
        heads: 1 + Math.floor(Math.random() * 12),
        tokens: 1 + Math.floor(Math.random() * 20_000),
        dim: [16, 32, 64, 128][Math.floor(Math.random() * 4)]!,
      };
      const { heads: H, tokens: T, dim: d } = shape;
      const chunkSize = BACKWARD_CHUNK_SIZES[Math.floor(Math.random() * 3)]!;
      const what = `${JSON.stringify(shape)} c=${chunkSize}`;
      expect(largestTrainingBuffer('softmax-flash', shape).bytes, what).toBe(4 * H * T * d);
      const states = 4 * H * Math.ceil(T / chunkSize) * d * (d + 1);
      for (const form of ['linear-chunked', 'gated-chunked'] as const) {
        const largest = largestTrainingBuffer(form, shape, { chunkSize });
        expect(largest.bytes, what).toBe(Math.max(4 * H * T * d, states));
        expect(largest.holds, what).toBe(states > 4 * H * T * d ? 'chunk states' : 'tensors');
      }
    }
  });

  it("advises chunks up to the backward's largest, its tile", () => {
    expect(BACKWARD_MAX_CHUNK_SIZE).toBe(BACKWARD_TILE);
    expect(BACKWARD_MAX_CHUNK_SIZE).toBe(Math.max(...BACKWARD_CHUNK_SIZES));
  });
});

describe('trainingCapacityError', () => {
  it('refuses softmax-flash whose tensors of all heads exceed one binding, though one head fits', () => {
    const shape = { heads: 12, tokens: 65_536, dim: 64 };
    const error = refusal('softmax-flash', shape, { form: 'softmax-flash' }, WEBGPU_DEFAULTS);
    expect(error.message).toBe(
      'Training softmax-flash at H = 12, T = 65,536, d = 64 needs 192 MiB in one buffer (all ' +
        'heads) for each of q, k, v, the output and their gradients; this GPU allows 128 MiB per ' +
        'buffer. Use fewer heads or a shorter context.',
    );
    expect(error.bytesNeeded).toBe(12 * 65_536 * 64 * 4);
    expect(error.limitBytes).toBe(128 * MIB);
  });

  it('refuses linear-chunked at c = 16 for its chunk states, and takes the same shape at c = 64', () => {
    const shape = { heads: 12, tokens: 16_384, dim: 64 };
    const options = { form: 'linear-chunked', chunkSize: 16 } as const;
    const error = refusal('linear-chunked', shape, options, WEBGPU_DEFAULTS);
    expect(error.message).toBe(
      'Training linear-chunked at H = 12, T = 16,384, d = 64, c = 16 needs 195 MiB in one buffer ' +
        '(all heads) for the chunk states; this GPU allows 128 MiB per buffer. Use fewer heads, a ' +
        'shorter context or a larger chunk size (at most 64).',
    );
    expect(error.bytesNeeded).toBe(4 * 12 * 1024 * 64 * 65);
    const larger = { ...options, chunkSize: 64 };
    expect(trainingCapacityError('linear-chunked', shape, larger, WEBGPU_DEFAULTS)).toBeNull();
  });

  it("refuses gated-chunked whose working memory exceeds the engine's cap, on an H200", () => {
    const shape = { heads: 12, tokens: 524_288, dim: 64 };
    const options = { form: 'gated-chunked', chunkSize: 64 } as const;
    const error = refusal('gated-chunked', shape, options, H200);
    const needed = trainingWorkingBytes('gated-chunked', shape, {
      ...options,
      workgroupStorageBytes: H200.maxComputeWorkgroupStorageSize,
    });
    expect(needed).toBeGreaterThan(DEFAULT_MEMORY_CAP_BYTES);
    expect(error.message).toBe(
      `Training gated-chunked at H = 12, T = 524,288, d = 64, c = 64 needs ` +
        `${(needed / 2 ** 30).toFixed(1)} GiB of GPU memory in all; this page allows 8 GiB (the ` +
        'engine caps it, since WebGPU does not report how much memory a GPU has). Use fewer ' +
        'heads or a shorter context.',
    );
    expect(error.bytesNeeded).toBe(needed);
    expect(error.limitBytes).toBe(DEFAULT_MEMORY_CAP_BYTES);
    // A cap the caller gives replaces the engine's.
    expect(trainingCapacityError('gated-chunked', shape, options, H200, 16 * 2 ** 30)).toBeNull();
  });

  it('holds the working memory to 8 largest buffers on a device with small ones', () => {
    const limits = { maxStorageBufferBindingSize: 128 * MIB, maxBufferSize: 128 * MIB };
    const shape = { heads: 12, tokens: 131_072, dim: 16 };
    const options = { form: 'linear-chunked', chunkSize: 32 } as const;
    const error = refusal('linear-chunked', shape, options, limits);
    expect(error.message).toMatch(
      /^Training linear-chunked at H = 12, T = 131,072, d = 16, c = 32 needs 1\.\d GiB of GPU memory in all; this page allows 1 GiB \(8 times this GPU's largest buffer, 128 MiB\)\. Use fewer heads or a shorter context, or a larger chunk size \(at most 64\)\.$/,
    );
    expect(error.limitBytes).toBe(2 ** 30);
  });

  it("takes every form of the default sweep on an H200, as the forward's sizes did", () => {
    for (const form of TRAINABLE_FORMS) {
      for (const tokens of DEFAULT_SWEEP_TOKENS) {
        const shape = { heads: 12, tokens, dim: 64 };
        expect(
          trainingCapacityError(form, shape, { form }, H200),
          `${form} T=${tokens}`,
        ).toBeNull();
      }
    }
  });

  it('takes a largest buffer exactly at the limit and refuses one of 4 bytes more', () => {
    for (const form of TRAINABLE_FORMS) {
      const shape = {
        heads: 1 + Math.floor(Math.random() * 12),
        tokens: 1 + Math.floor(Math.random() * 10_000),
        dim: 32,
      };
      const options = { form, chunkSize: 32 };
      const bytes = largestTrainingBuffer(form, shape, options).bytes;
      const at = { maxStorageBufferBindingSize: bytes, maxBufferSize: 2 * bytes };
      const what = `${form} ${JSON.stringify(shape)}`;
      expect(trainingCapacityError(form, shape, options, at), what).toBeNull();
      const below = { ...at, maxStorageBufferBindingSize: bytes - 4 };
      expect(trainingCapacityError(form, shape, options, below)?.bytesNeeded, what).toBe(bytes);
    }
  });
});

describe('the training sweep', () => {
  it('skips a step that cannot fit with the sentence, creating nothing', async () => {
    const created: string[] = [];
    const device = {
      limits: WEBGPU_DEFAULTS,
      queue: {},
      lost: new Promise(() => {}),
      createBuffer(descriptor: GPUBufferDescriptor) {
        created.push(descriptor.label ?? '');
        throw new Error('a refused step created a buffer');
      },
    } as unknown as GPUDevice;
    const info = {
      vendor: 'test',
      architecture: '',
      device: '',
      description: '',
      isFallbackAdapter: false,
      name: 'a fake device',
    };
    const records = await collectSweep(
      sweepTraining(
        { device, info },
        {
          forms: ['softmax-flash', 'linear-chunked'],
          tokens: [65_536],
          heads: 12,
          chunkSize: 16,
          clockInfo: { clock: 'wall-clock', resolutionMs: 0.1, overheadMs: 0 },
        },
      ),
    );
    expect(created).toEqual([]);
    expect(records.map((r) => [r.form, r.status])).toEqual([
      ['softmax-flash', 'skipped'],
      ['linear-chunked', 'skipped'],
    ]);
    expect(records[0]!.reason).toMatch(
      /^Training softmax-flash at H = 12, T = 65,536, d = 64 needs 192 MiB in one buffer/,
    );
    expect(records[1]!.reason).toMatch(
      /^Training linear-chunked at H = 12, T = 65,536, d = 64, c = 16 needs 780 MiB in one buffer \(all heads\) for the chunk states; .* a larger chunk size \(at most 64\)\.$/,
    );
  });
});
