/**
 * Every public entry point of the engine refuses bad calls with its own typed errors and a
 * sentence: a missing problem or options object, something that is not a device, a device that
 * was destroyed (before or during the call), and a problem too large for the device in all, which
 * is refused before a single buffer is created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResidentAttention, runAttention } from '../../src/gpu/attention.ts';
import { DEFAULT_MEMORY_CAP_BYTES } from '../../src/gpu/capacity.ts';
import { acquireGpu } from '../../src/gpu/device.ts';
import { CapacityError, DeviceLostError, ShapeError } from '../../src/gpu/errors.ts';
import { createDecodeWork, createDecoder } from '../../src/gpu/generation/index.ts';
import { sweepAttention } from '../../src/gpu/sweep.ts';
import { createSpinWork } from '../../src/gpu/timing-spin.ts';
import { detectClock, measureWork } from '../../src/gpu/timing.ts';
import type { AttentionOptions, AttentionProblem, AttentionShape } from '../../src/gpu/types.ts';
import { addVectors } from '../../src/gpu/vector-add.ts';
import { countingDevice } from './counting-device.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

function problem(heads = 2, tokens = 33, dim = 16): AttentionProblem {
  const n = heads * tokens * dim;
  return { heads, tokens, dim, q: randomArray(n), k: randomArray(n), v: randomArray(n) };
}

/** Counts the buffers `device` creates (and which are still alive). */
function countBuffers(device: GPUDevice): { created: () => number } {
  let created = 0;
  const original = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    created += 1;
    return original(descriptor);
  };
  return { created: () => created };
}

/** A device that was destroyed and whose loss has been reported. */
async function destroyedDevice(): Promise<GPUDevice> {
  const { device } = await readyDevice();
  device.destroy();
  await device.lost;
  return device;
}

describe.skipIf(!gpu)('the engine refuses bad calls with typed errors', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await readyDevice()).device;
  });
  afterAll(() => device?.destroy());

  it('a null problem, null shape or undefined options is a ShapeError naming what is missing', async () => {
    const none = null as unknown as AttentionProblem;
    const noOptions = undefined as unknown as AttentionOptions;
    await expect(runAttention(device, none, { form: 'softmax-flash' })).rejects.toThrow(
      new ShapeError('runAttention needs a problem {heads, tokens, dim, q, k, v} (got null).'),
    );
    await expect(runAttention(device, problem(), noOptions)).rejects.toThrow(
      new ShapeError('runAttention needs options {form, ...} (got undefined).'),
    );
    await expect(
      createResidentAttention(device, none as unknown as AttentionShape, {
        form: 'linear-chunked',
      }),
    ).rejects.toBeInstanceOf(ShapeError);
    await expect(
      createResidentAttention(device, { heads: 1, tokens: 8, dim: 16 }, noOptions),
    ).rejects.toThrow(/needs options/);
    expect(() => createDecoder(device, null as never)).toThrow(ShapeError);
    const decoder = createDecoder(device, { kind: 'state', heads: 1, dim: 16 });
    await expect(
      decoder.step(null as never, new Float32Array(16), new Float32Array(16)),
    ).rejects.toThrow(new ShapeError('q must be a Float32Array laid out [heads][dim].'));
    decoder.destroy();
    const token = (): Float32Array => new Float32Array(16).fill(0.5);
    await expect(decoder.step(token(), token(), token())).rejects.toThrow(
      new ShapeError('decode/state H=1 d=16 phi=softplus: step after destroy().'),
    );
    const cache = createDecoder(device, { kind: 'kv-cache', heads: 1, dim: 16 }, 4);
    cache.destroy();
    await expect(cache.step(token(), token(), token())).rejects.toBeInstanceOf(ShapeError);
    expect(() => createSpinWork(undefined as never)).toThrow(/createSpinWork needs a GPUDevice/);
    expect(() => createDecodeWork(device, undefined as never)).toThrow(ShapeError);
    await expect(addVectors(device, null as never, new Float32Array(4))).rejects.toBeInstanceOf(
      ShapeError,
    );
  });

  it('something that is not a device is a ShapeError, and acquireGpu(null) still answers', async () => {
    for (const notDevice of [null, undefined, 42, {}]) {
      await expect(
        runAttention(notDevice as never, problem(), { form: 'softmax-naive' }),
      ).rejects.toThrow(/runAttention needs a GPUDevice \(got /);
    }
    expect(() => createDecoder(null as never, { kind: 'state', heads: 1, dim: 16 })).toThrow(
      ShapeError,
    );
    await expect(detectClock(null as never)).rejects.toBeInstanceOf(ShapeError);
    const outcome = await acquireGpu(null);
    expect(['ready', 'unsupported']).toContain(outcome.kind);
    if (outcome.kind === 'ready') outcome.device.destroy();
  });

  it('H = 2^20, T = 1,024, d = 128 is refused up front with a sentence, creating no buffer', async () => {
    const counter = countBuffers(device);
    const shape = { heads: 2 ** 20, tokens: 1024, dim: 128 };
    for (const form of ['linear-chunked', 'softmax-flash', 'linear-recurrent'] as const) {
      const error = await createResidentAttention(device, shape, { form }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CapacityError);
      expect((error as CapacityError).message).toMatch(
        new RegExp(
          `^${form} at H = 1,048,576, T = 1,024, d = 128 needs [\\d.]+ TiB of GPU memory in all; this page allows [\\d.]+ [GM]iB`,
        ),
      );
      expect((error as CapacityError).bytesNeeded).toBeGreaterThan(2 ** 40);
      expect((error as CapacityError).limitBytes).toBeLessThanOrEqual(DEFAULT_MEMORY_CAP_BYTES);
    }
    expect(counter.created()).toBe(0);
  });

  it('a caller-set memory cap refuses what exceeds it and allows what fits', async () => {
    const shape = { heads: 4, tokens: 256, dim: 32 };
    // linear-attention holds q, k, v and the output: 4 x 4 x 256 x 32 x 4 bytes = 512 KiB.
    await expect(
      createResidentAttention(
        device,
        shape,
        { form: 'linear-attention' },
        { memoryCapBytes: 256 * 1024 },
      ),
    ).rejects.toThrow(/needs 512 KiB of GPU memory in all; this page allows 256 KiB/);
    const resident = await createResidentAttention(
      device,
      shape,
      { form: 'linear-attention' },
      { memoryCapBytes: 512 * 1024 },
    );
    resident.destroy();
  });

  it('an out-of-memory error during allocation becomes a CapacityError with a sentence, and frees what was made', async () => {
    // A device that reports out-of-memory from its allocation scope, as a full GPU would.
    const scopes: GPUErrorFilter[] = [];
    const counting = countingDevice(device, {}, (target) => ({
      pushErrorScope: (filter: GPUErrorFilter) => {
        scopes.push(filter);
        target.pushErrorScope(filter);
      },
      popErrorScope: async () => {
        await target.popErrorScope();
        const filter = scopes.pop();
        return filter === 'out-of-memory' ? { message: 'Not enough memory left.' } : null;
      },
    }));
    const { device: full, created: made, destroyed } = counting;
    const error = await createResidentAttention(
      full,
      { heads: 2, tokens: 64, dim: 16 },
      { form: 'linear-chunked' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as Error).message).toMatch(
      /^linear-chunked at T = 64 needs about [\d.]+ KiB of GPU memory, more than this GPU could give \(Not enough memory left\.\)\.$/,
    );
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((b) => destroyed.has(b))).toBe(true);
  });

  it('a device destroyed before the call is a DeviceLostError saying so, for every entry point', async () => {
    const dead = await destroyedDevice();
    const sentence =
      /the GPU device cannot be used because it was destroyed\. Acquire a new device/;
    await expect(runAttention(dead, problem(), { form: 'softmax-flash' })).rejects.toThrow(
      sentence,
    );
    await expect(
      createResidentAttention(dead, { heads: 1, tokens: 8, dim: 16 }, { form: 'linear-chunked' }),
    ).rejects.toBeInstanceOf(DeviceLostError);
    expect(() => createDecoder(dead, { kind: 'kv-cache', heads: 1, dim: 16 }, 8)).toThrow(
      DeviceLostError,
    );
    await expect(addVectors(dead, new Float32Array(4), new Float32Array(4))).rejects.toThrow(
      sentence,
    );
    await expect(detectClock(dead)).rejects.toBeInstanceOf(DeviceLostError);
  });

  it('a device destroyed just before or during a run rejects with a DeviceLostError, never an empty AbortError', async () => {
    // Destroyed synchronously before the call: the loss is not reported yet when the call starts.
    const { device: early } = await readyDevice();
    early.destroy();
    const first = await runAttention(early, problem(), { form: 'linear-chunked' }).catch(
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(DeviceLostError);
    expect((first as Error).message).toMatch(/was destroyed/);

    // Destroyed while resident: run and read refuse with a sentence.
    const { device: later } = await readyDevice();
    const resident = await createResidentAttention(later, problem(), { form: 'softmax-naive' });
    const p = problem();
    resident.write(p.q, p.k, p.v);
    await resident.run();
    later.destroy();
    const read = await resident.read().catch((e: unknown) => e);
    expect(read).toBeInstanceOf(DeviceLostError);
    await expect(resident.run()).rejects.toThrow(/cannot run: the GPU device was destroyed/);
    resident.destroy();

    // A decoder mid-sequence, and a measurement.
    const { device: third } = await readyDevice();
    const decoder = createDecoder(third, { kind: 'state', heads: 1, dim: 16 });
    const token = (): Float32Array => randomArray(16);
    await decoder.step(token(), token(), token());
    third.destroy();
    await expect(decoder.step(token(), token(), token())).rejects.toBeInstanceOf(DeviceLostError);
    decoder.destroy();
    const work = createDecodeWork(device, { kind: 'state', heads: 1, dim: 16, position: 4 });
    work.destroy();
    const { device: fourth } = await readyDevice();
    const doomed = createDecodeWork(fourth, { kind: 'state', heads: 1, dim: 16, position: 4 });
    fourth.destroy();
    await expect(measureWork(fourth, doomed, { samples: 3, budgetMs: 200 })).rejects.toBeInstanceOf(
      DeviceLostError,
    );
    doomed.destroy();
  });

  it('a sweep refuses a missing GPU, and ends with a DeviceLostError when the device is lost mid-sweep', async () => {
    const drain = async (events: AsyncGenerator<unknown>): Promise<number> => {
      let n = 0;
      for await (const _ of events) n += 1;
      return n;
    };
    await expect(drain(sweepAttention(null as never))).rejects.toThrow(
      /sweepAttention needs a GPU \{device, info\}/,
    );
    const ready = await readyDevice();
    const events = sweepAttention(ready, {
      forms: ['linear-chunked'],
      tokens: [16, 32, 64, 128],
      heads: 1,
      dim: 16,
      samples: 3,
      pointBudgetMs: 500,
    });
    const first = await events.next();
    expect(first.done).toBe(false);
    ready.device.destroy();
    const error = await drain(events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceLostError);
    expect((error as Error).message).toMatch(/was destroyed/);
  });
});
