/**
 * The training-step sweeps (src/gpu/sweep/train.ts, layer.ts): real forward + backward work of
 * each trainable form, alone or inside a whole layer, timed through the shared runner, yields
 * records with task 'train' (three times the forward's model FLOPs) or 'layer' (layerFlops); forms
 * without a backward are refused with a sentence, layers that cannot fit skipped with one.
 */
import { describe, expect, it } from 'vitest';
import { TRAINABLE_FORMS } from '../../src/gpu/backward/index.ts';
import { estimateCost } from '../../src/gpu/costs.ts';
import { collectSweep, sweepLayerTraining, sweepTraining } from '../../src/gpu/sweep.ts';
import { formSpec, type TrainableForm } from '../../src/gpu/forms/registry.ts';
import {
  createLayerTraining,
  layerFlops,
  layerMemory,
  resolveLayerConfig,
} from '../../src/gpu/train/layer.ts';
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

describe.skipIf(!gpu)('layer training-step sweep', async () => {
  const ready = gpu
    ? await readyDevice()
    : (null as unknown as Awaited<ReturnType<typeof readyDevice>>);

  it("times a layer with every trainable form's attention at T = 40 as task layer, FLOPs from layerFlops", async () => {
    const records = await collectSweep(
      sweepLayerTraining(ready, {
        tokens: [40],
        heads: 2,
        dim: 16,
        samples: 2,
        pointBudgetMs: 60_000,
      }),
    );
    expect(records.map((r) => r.form)).toEqual([...TRAINABLE_FORMS]);
    for (const r of records) {
      expect(r, r.reason ?? '').toMatchObject({
        task: 'layer',
        status: 'ok',
        tokens: 40,
        heads: 2,
        dim: 16,
      });
      const config = resolveLayerConfig({
        form: formSpec(r.form as TrainableForm).family,
        tokens: 40,
        heads: 2,
        dModel: 32,
        featureMap: r.featureMap ?? 'elu1',
        normalize: r.normalize ?? true,
      });
      expect(r.gflops! * r.medianMs! * 1e6).toBeCloseTo(layerFlops(config), -3);
    }
  });

  it('skips a layer that cannot fit with the capacity sentence, allocating nothing', async () => {
    const records = await collectSweep(
      sweepLayerTraining(ready, {
        forms: ['linear-chunked'],
        tokens: [2 ** 20],
        samples: 1,
      }),
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ task: 'layer', status: 'skipped' });
    expect(records[0]!.reason).toMatch(/^needs [\d.]+ GiB in one buffer/);
  });

  it('holds no more GPU memory than its capacity estimate', () => {
    for (const form of ['softmax', 'gated'] as const) {
      const config = resolveLayerConfig({ form, tokens: 70, heads: 2, dModel: 32 });
      const layer = createLayerTraining(ready.device, config);
      expect(layer.bytes).toBeLessThanOrEqual(layerMemory(config).totalBytes);
      layer.destroy();
    }
  });
});
