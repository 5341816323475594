import { describe, expect, it } from 'vitest';
import {
  decayMask,
  initialParameters,
  layoutParameters,
  resolveTrainConfig,
  validateTrainConfig,
  type TrainConfig,
} from '../../src/gpu/train/config.ts';
import { referenceAdamW, referenceStep } from '../../src/gpu/train/reference.ts';
import { SeededRandom } from '../../src/gpu/train/random.ts';

function batchOf(config: TrainConfig, seed: number): { tokens: Int32Array; targets: Int32Array } {
  const random = new SeededRandom(seed);
  const n = config.batch * config.tokens;
  const tokens = Int32Array.from({ length: n }, () => random.integer(config.vocab));
  // Some positions unscored (-1), as MQAR scores only its answers.
  const targets = Int32Array.from({ length: n }, () =>
    random.uniform() < 0.3 ? -1 : random.integer(config.vocab),
  );
  return { tokens, targets };
}

const cases: [string, Partial<TrainConfig> & Pick<TrainConfig, 'form'>][] = [
  ['softmax', { form: 'softmax' }],
  ['linear (elu + 1, normalised)', { form: 'linear', featureMap: 'elu1' }],
  [
    'linear (softplus, not normalised)',
    { form: 'linear', featureMap: 'softplus', normalize: false },
  ],
  ['gated (elu + 1, normalised)', { form: 'gated', featureMap: 'elu1' }],
];

describe('the float64 reference of the tiny model', () => {
  for (const [name, partial] of cases) {
    it(`has the gradients of its loss, by central finite differences: ${name}`, () => {
      const config = resolveTrainConfig({
        ...partial,
        vocab: 7,
        dModel: 8,
        heads: 2,
        layers: 2,
        mlp: 12,
        tokens: 5,
        batch: 2,
      });
      validateTrainConfig(config);
      const layout = layoutParameters(config);
      const params = Float64Array.from(initialParameters(config, 11));
      // Move norms and gate biases off their initial constants so every term is exercised.
      const random = new SeededRandom(5);
      for (let i = 0; i < params.length; i++) params[i]! += 0.1 * random.normal();
      const { tokens, targets } = batchOf(config, 3);
      const step = referenceStep(config, params, tokens, targets);
      expect(step.loss).toBeGreaterThan(0);
      let worst = 0;
      let largest = 0;
      const h = 1e-5;
      for (const slot of layout.slots) {
        for (let i = slot.offset; i < slot.offset + slot.size; i++) {
          const keep = params[i]!;
          params[i] = keep + h;
          const up = referenceStep(config, params, tokens, targets).loss;
          params[i] = keep - h;
          const down = referenceStep(config, params, tokens, targets).loss;
          params[i] = keep;
          const numeric = (up - down) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - step.gradients[i]!));
          largest = Math.max(largest, Math.abs(numeric));
        }
      }
      console.log(
        `finite differences, ${name}: worst/largest ${(worst / largest).toExponential(2)}`,
      );
      expect(largest).toBeGreaterThan(1e-3);
      expect(worst / largest).toBeLessThan(1e-8);
    });
  }

  it('starts from the same parameters for the same seed, and others for another', () => {
    const config = resolveTrainConfig({ form: 'gated' });
    expect(initialParameters(config, 1)).toEqual(initialParameters(config, 1));
    expect(initialParameters(config, 1)).not.toEqual(initialParameters(config, 2));
  });

  it('decays matrices and embeddings but not norms or biases in AdamW', () => {
    const config = resolveTrainConfig({ form: 'gated', layers: 1 });
    const layout = layoutParameters(config);
    const mask = decayMask(layout);
    const params = new Float64Array(layout.length).fill(1);
    const state = {
      m: new Float64Array(layout.length),
      v: new Float64Array(layout.length),
      step: 0,
    };
    const optimizer = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5 };
    referenceAdamW(params, new Float64Array(layout.length), state, mask, optimizer);
    const gain = layout.blocks[0]!.ln1Gain;
    expect(params[gain.offset]).toBe(1);
    expect(params[layout.wOut.offset]).toBeCloseTo(1 - 0.1 * 0.5, 12);
    // With a gradient, the first bias-corrected step moves each weight by lr (m_hat/sqrt(v_hat) = 1).
    const grads = new Float64Array(layout.length).fill(0.25);
    const fresh = new Float64Array(layout.length).fill(1);
    const s = { m: new Float64Array(layout.length), v: new Float64Array(layout.length), step: 0 };
    referenceAdamW(fresh, grads, s, mask, { ...optimizer, weightDecay: 0 });
    expect(fresh[gain.offset]).toBeCloseTo(0.9, 6);
  });

  it('refuses a configuration it cannot build, naming the setting', () => {
    expect(() => validateTrainConfig(resolveTrainConfig({ form: 'softmax', heads: 3 }))).toThrow(
      /multiple of heads/,
    );
    expect(() => validateTrainConfig(resolveTrainConfig({ form: 'softmax', layers: 0 }))).toThrow(
      /layers must be a positive integer/,
    );
  });
});
