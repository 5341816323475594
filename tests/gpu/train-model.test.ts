import { describe, expect, it } from 'vitest';
import { gpu, readyDevice } from './setup.ts';
import {
  decayMask,
  initialParameters,
  layoutParameters,
  resolveTrainConfig,
  type TrainConfig,
} from '../../src/gpu/train/config.ts';
import { GpuTrainer } from '../../src/gpu/train/model.ts';
import { createFastAttention } from '../../src/gpu/train/attention-fast.ts';
import { referenceAdamW, referenceStep } from '../../src/gpu/train/reference.ts';
import { SeededRandom } from '../../src/gpu/train/random.ts';

const cases: [string, Partial<TrainConfig> & Pick<TrainConfig, 'form'>][] = [
  ['softmax', { form: 'softmax' }],
  ['linear (elu + 1, normalised)', { form: 'linear', featureMap: 'elu1' }],
  ['gated (softplus, normalised)', { form: 'gated', featureMap: 'softplus' }],
];

/** A small model with every parameter moved off its initial constants by a fresh random amount. */
function setup(partial: Partial<TrainConfig> & Pick<TrainConfig, 'form'>) {
  const config = resolveTrainConfig({
    vocab: 11,
    dModel: 16,
    heads: 2,
    layers: 2,
    mlp: 24,
    tokens: 9,
    // 72 rows: the weight gradients sum over two splits of 48 rows and 24 (kernels.ts matmulSplits).
    batch: 8,
    ...partial,
  });
  const params = initialParameters(config, 7);
  const random = new SeededRandom(Math.floor(Math.random() * 2 ** 31));
  for (let i = 0; i < params.length; i++) params[i]! += 0.1 * random.normal();
  const n = config.batch * config.tokens;
  const tokens = Int32Array.from({ length: n }, () => random.integer(config.vocab));
  const targets = Int32Array.from({ length: n }, () =>
    random.uniform() < 0.4 ? -1 : random.integer(config.vocab),
  );
  return { config, params, tokens, targets };
}

describe.skipIf(!gpu)('the GPU trainer', () => {
  for (const [name, partial] of cases) {
    it(`has every parameter's gradient within 1e-4 (relative to the tensor) of the float64 model: ${name}, 2 layers`, async () => {
      const { device } = await readyDevice();
      const { config, params, tokens, targets } = setup(partial);
      const trainer = new GpuTrainer(device, config, { seed: 0, parameters: params });
      const { metrics, gradients } = await trainer.gradients({ tokens, targets });
      const reference = referenceStep(config, params, tokens, targets);
      expect(Math.abs(metrics.loss - reference.loss)).toBeLessThan(1e-5 * reference.loss);
      expect(metrics.scored).toBe(reference.scored);
      expect(metrics.correct).toBe(reference.correct);
      const errors: Record<string, number> = {};
      for (const slot of trainer.layout.slots) {
        let worst = 0;
        let scale = 0;
        for (let i = slot.offset; i < slot.offset + slot.size; i++) {
          const diff = Math.abs(gradients[i]! - reference.gradients[i]!);
          worst = Number.isNaN(diff) ? Infinity : Math.max(worst, diff);
          scale = Math.max(scale, Math.abs(reference.gradients[i]!));
        }
        expect(scale, slot.name).toBeGreaterThan(0);
        errors[slot.name] = worst / scale;
      }
      const largest = Math.max(...Object.values(errors));
      console.log(
        `train model ${name}: largest relative gradient error ${largest.toExponential(2)}`,
      );
      for (const [slot, error] of Object.entries(errors)) expect(error, slot).toBeLessThan(1e-4);
      trainer.destroy();
      device.destroy();
    });
  }

  it("has every parameter's gradient within 1e-4 of the float64 model with the fast attention op: gated, 2 layers of 2 heads of 16, T = 70", async () => {
    const { device } = await readyDevice();
    // The engine's kernels take heads of 16 and more; 70 tokens are a chunk of 64 and a partial one.
    const { config, params, tokens, targets } = setup({
      form: 'gated',
      dModel: 32,
      mlp: 40,
      tokens: 70,
      batch: 2,
    });
    const trainer = new GpuTrainer(device, config, {
      seed: 0,
      parameters: params,
      attention: createFastAttention,
    });
    const { metrics, gradients } = await trainer.gradients({ tokens, targets });
    const reference = referenceStep(config, params, tokens, targets);
    expect(Math.abs(metrics.loss - reference.loss)).toBeLessThan(1e-5 * reference.loss);
    let largest = 0;
    for (const slot of trainer.layout.slots) {
      let worst = 0;
      let scale = 0;
      for (let i = slot.offset; i < slot.offset + slot.size; i++) {
        const diff = Math.abs(gradients[i]! - reference.gradients[i]!);
        worst = Number.isNaN(diff) ? Infinity : Math.max(worst, diff);
        scale = Math.max(scale, Math.abs(reference.gradients[i]!));
      }
      expect(scale, slot.name).toBeGreaterThan(0);
      expect(worst / scale, slot.name).toBeLessThan(1e-4);
      largest = Math.max(largest, worst / scale);
    }
    console.log(
      `train model gated, fast attention: largest relative gradient error ${largest.toExponential(2)}`,
    );
    trainer.destroy();
    device.destroy();
  });

  it('takes AdamW steps as the float64 optimizer does on the same gradients (gated, two steps)', async () => {
    const { device } = await readyDevice();
    const { config, params, tokens, targets } = setup({ form: 'gated' });
    const optimizer = { learningRate: 1e-2, weightDecay: 0.1 };
    const trainer = new GpuTrainer(device, config, { seed: 0, parameters: params, optimizer });
    const layout = layoutParameters(config);
    const expected = Float64Array.from(params);
    const state = {
      m: new Float64Array(layout.length),
      v: new Float64Array(layout.length),
      step: 0,
    };
    for (let s = 0; s < 2; s++) {
      // The step's own gradients (the step recomputes them bit for bit: the trainer is
      // deterministic), so that what is compared is the optimizer. The gradients themselves are
      // checked against the float64 model above. Fed float64 gradients instead, a weight whose
      // gradient is near zero can move by up to 2 lr the other way (Adam's first steps move every
      // weight by about lr times the sign of its gradient), and a 1e-4 bound fails at random
      // (CI, 2026-12-02: 1.2e-4).
      const { gradients } = await trainer.gradients({ tokens, targets });
      const reference = referenceStep(config, expected, tokens, targets);
      const metrics = await trainer.step({ tokens, targets });
      expect(Math.abs(metrics.loss - reference.loss)).toBeLessThan(1e-5 * reference.loss);
      referenceAdamW(expected, gradients, state, decayMask(layout), trainer.optimizer);
    }
    const got = await trainer.readParameters();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    // float32 rounding of the update's arithmetic on weights of order 1.
    expect(worst).toBeLessThan(1e-5);
    const moved = got.some((value, i) => Math.abs(value - params[i]!) > 1e-3);
    expect(moved).toBe(true);
    trainer.destroy();
    device.destroy();
  });

  it('is deterministic from its seed: two trainers take the same three steps bit for bit', async () => {
    const { device } = await readyDevice();
    const { config, tokens, targets } = setup({ form: 'gated' });
    const losses: number[][] = [];
    const params: Float32Array[] = [];
    for (let run = 0; run < 2; run++) {
      const trainer = new GpuTrainer(device, config, { seed: 42 });
      const l: number[] = [];
      for (let s = 0; s < 3; s++) l.push((await trainer.step({ tokens, targets })).loss);
      losses.push(l);
      params.push(await trainer.readParameters());
      trainer.destroy();
    }
    expect(losses[1]).toEqual(losses[0]);
    expect(params[1]).toEqual(params[0]);
    const other = new GpuTrainer(device, config, { seed: 43 });
    expect((await other.step({ tokens, targets })).loss).not.toBe(losses[0]![0]);
    other.destroy();
    device.destroy();
  });

  it('refuses a token outside the vocabulary with a sentence, before any GPU work', async () => {
    const { device } = await readyDevice();
    const { config, params, tokens, targets } = setup({ form: 'softmax' });
    const trainer = new GpuTrainer(device, config, { seed: 0, parameters: params });
    tokens[4] = config.vocab;
    await expect(trainer.step({ tokens, targets })).rejects.toThrow(/Token 4 is 11, outside/);
    trainer.destroy();
    device.destroy();
  });
});
