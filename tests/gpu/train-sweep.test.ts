/**
 * The training-step sweep (src/gpu/sweep/train.ts): real forward + backward work of each trainable
 * form, timed through the shared runner, yields records with task 'train' and three times the
 * forward's model FLOPs; forms without a backward are refused with a sentence.
 */
import { describe, expect, it } from 'vitest';
import { TRAINABLE_FORMS } from '../../src/gpu/backward/index.ts';
import { estimateCost } from '../../src/gpu/costs.ts';
import { collectSweep, sweepTraining } from '../../src/gpu/sweep.ts';
import { gpu, readyDevice } from './setup.ts';

describe.skipIf(!gpu)('training-step sweep', async () => {
  const ready = gpu
    ? await readyDevice()
    : (null as unknown as Awaited<ReturnType<typeof readyDevice>>);

  it('times every trainable form at T = 100 as task train, FLOPs 3x the forward model', async () => {
    const records = await collectSweep(
      sweepTraining(ready, { tokens: [100], heads: 1, dim: 16, samples: 2, pointBudgetMs: 60_000 }),
    );
    expect(records.map((r) => r.form)).toEqual([...TRAINABLE_FORMS]);
    for (const r of records) {
      expect(r, r.reason ?? '').toMatchObject({
        task: 'train',
        status: 'ok',
        tokens: 100,
        dim: 16,
      });
      const forward = estimateCost(r.form as (typeof TRAINABLE_FORMS)[number], r, {
        chunkSize: r.chunkSize ?? undefined,
      }).flops;
      expect(r.gflops! * r.medianMs! * 1e6).toBeCloseTo(3 * forward, -3);
    }
  });

  it('refuses a form without a backward pass', async () => {
    await expect(
      collectSweep(sweepTraining(ready, { forms: ['linear-recurrent'], tokens: [8] })),
    ).rejects.toThrow(/has no backward pass/);
  });
});
