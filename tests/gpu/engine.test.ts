import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResidentAttention, runAttention } from '../../src/gpu/attention.ts';
import { CapacityError, ShapeError } from '../../src/gpu/errors.ts';
import { createDecodeWork } from '../../src/gpu/generation/index.ts';
import { referenceAttention } from '../../src/gpu/reference/index.ts';
import { countingDevice } from './counting-device.ts';
import { gpu, randomArray, randomProblem, readyDevice, relativeError } from './setup.ts';

describe.skipIf(!gpu)('the attention engine on the GPU', () => {
  let real: GPUDevice;
  beforeAll(async () => {
    real = (await readyDevice()).device;
  });
  afterAll(() => real?.destroy());

  for (const form of ['softmax-naive', 'softmax-flash'] as const) {
    it(`${form}: runAttention destroys every buffer it created`, async () => {
      const counting = countingDevice(real);
      await runAttention(counting.device, randomProblem(2, 70, 32), { form });
      expect(counting.created.length).toBeGreaterThanOrEqual(5);
      const leaked = counting.created.filter((b) => !counting.destroyed.has(b));
      expect(leaked.map((b) => b.label)).toEqual([]);
    });
  }

  it('labels the resident buffers with the form and shape', async () => {
    const counting = countingDevice(real);
    const resident = await createResidentAttention(
      counting.device,
      { heads: 12, tokens: 40, dim: 64 },
      { form: 'softmax-flash' },
    );
    resident.destroy();
    resident.destroy();
    const labels = counting.created.map((b) => b.label);
    expect(labels).toContain('attention/softmax-flash H=12 T=40 d=64 q');
    expect(labels).toContain('attention/softmax-flash H=12 T=40 d=64 out');
    expect(counting.destroyed.size).toBe(counting.created.length);
  });

  it('splits the heads into groups when one binding cannot hold them all, with the same result', async () => {
    const problem = randomProblem(5, 65, 32);
    // One head's q is 65 x 32 x 4 = 8,320 bytes and its scores 65 x 65 x 4 = 16,900: two heads'
    // inputs per buffer, one head's scores.
    const small = 17_000;
    for (const form of ['softmax-naive', 'softmax-flash'] as const) {
      const counting = countingDevice(real, {
        maxStorageBufferBindingSize: small,
        maxBufferSize: 1 << 30,
      });
      const out = await runAttention(counting.device, problem, { form });
      expect(relativeError(out, referenceAttention(problem, { form }))).toBeLessThanOrEqual(1e-4);
      const qBuffers = counting.created.filter((b) => / q$/.test(b.label));
      expect(qBuffers.map((b) => b.label)).toEqual([
        `attention/${form} H=5 T=65 d=32 heads 0-1 q`,
        `attention/${form} H=5 T=65 d=32 heads 2-3 q`,
        `attention/${form} H=5 T=65 d=32 heads 4-4 q`,
      ]);
      expect(counting.created.every((b) => counting.destroyed.has(b))).toBe(true);
    }
  });

  it('softmax-naive at T = 65,536 raises a capacity error naming 16 GiB and the limit', async () => {
    const counting = countingDevice(real, {
      maxStorageBufferBindingSize: 2 ** 31,
      maxBufferSize: 2 ** 32,
    });
    const attempt = createResidentAttention(
      counting.device,
      { heads: 12, tokens: 65_536, dim: 64 },
      { form: 'softmax-naive' },
    );
    await expect(attempt).rejects.toThrow(CapacityError);
    await expect(attempt).rejects.toThrow(
      'softmax-naive at T = 65,536 needs 16 GiB of scores per head; this GPU allows 2 GiB per buffer.',
    );
    expect(counting.created).toEqual([]);
  });

  it('many heads alone do not trigger the capacity error for softmax-naive', async () => {
    // 300 x 300 x 4 = 360,000 bytes of scores per head; 40 heads would need 14 MB together.
    const counting = countingDevice(real, { maxStorageBufferBindingSize: 1_000_000 });
    const problem = randomProblem(40, 300, 16);
    const out = await runAttention(counting.device, problem, { form: 'softmax-naive' });
    expect(relativeError(out, referenceAttention(problem, { form: 'softmax-naive' }))).toBeLessThan(
      1e-4,
    );
    const scores = counting.created.filter((b) => b.label.includes('scores ('));
    expect(scores.length).toBe(1);
    expect(scores[0]!.size).toBeLessThanOrEqual(1_000_000);
  });

  it('rejects a bad shape with a sentence before allocating anything', async () => {
    const counting = countingDevice(real);
    const problem = { ...randomProblem(3, 17, 64), q: randomArray(1000) };
    await expect(runAttention(counting.device, problem, { form: 'softmax-flash' })).rejects.toThrow(
      new ShapeError('q has 1,000 values; heads x tokens x dim = 3 x 17 x 64 = 3,264.'),
    );
    expect(counting.created).toEqual([]);
  });

  it('a KV-cache decode work item encodes, and its FLOPs grow with the position', async () => {
    const short = createDecodeWork(real, { kind: 'kv-cache', heads: 2, dim: 64, position: 10 });
    const long = createDecodeWork(real, { kind: 'kv-cache', heads: 2, dim: 64, position: 1000 });
    try {
      expect(long.flops / short.flops).toBeCloseTo(1001 / 11);
      const encoder = real.createCommandEncoder();
      short.encode(encoder);
      long.encode(encoder);
      real.queue.submit([encoder.finish()]);
      await real.queue.onSubmittedWorkDone();
      expect(long.label).toBe('decode/kv-cache H=2 d=64 position=1000');
    } finally {
      short.destroy();
      long.destroy();
    }
  });
});
