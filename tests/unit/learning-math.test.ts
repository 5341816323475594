import { describe, expect, it } from 'vitest';
import {
  planLearning,
  windowFor,
  windowMeans,
  type LearningConfig,
} from '../../src/widgets/learning/learning-math.ts';

const config: LearningConfig = {
  forms: ['softmax', 'linear', 'gated'],
  pairs: 8,
  dModel: 64,
  steps: 300,
  budgetSeconds: 60,
};

describe("the learning widget's arithmetic", () => {
  it('trains what was asked on a GPU, and a smaller model on a CPU emulation, saying so', () => {
    expect(planLearning(config, false)).toEqual({
      batch: 32,
      layers: 2,
      heads: 2,
      dModel: 64,
      note: null,
    });
    const small = planLearning(config, true);
    expect(small.batch).toBe(8);
    expect(small.dModel).toBe(32);
    expect(small.note).toMatch(/CPU emulation.*8 sequences per step and width 32 instead of 64/);
    expect(planLearning({ ...config, dModel: 16 }, true).note).toMatch(/8 sequences per step\.$/);
  });

  it('draws curves as means over windows of steps, about 30 points each', () => {
    expect(windowMeans([1, 3, 5, 7, 9], 2)).toEqual([
      { x: 2, y: 2 },
      { x: 4, y: 6 },
    ]);
    expect(windowFor(300)).toBe(10);
    expect(windowFor(30)).toBe(1);
    expect(windowFor(10)).toBe(1);
  });
});
