import { describe, expect, it } from 'vitest';
import {
  planLearning,
  windowFor,
  windowMeans,
  type LearningConfig,
} from '../../src/widgets/learning/learning-math.ts';
import {
  adaptLearningReference,
  matchingCurves,
  referencePoints,
} from '../../src/widgets/learning/learning-reference.ts';

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

describe('reference training curves', () => {
  const run = (form: string, pairs: number, dModel: number, loss = [3, 2, 1]) => ({
    model: { form, dModel, batch: 32 },
    task: { pairs },
    seed: 1,
    steps: loss.length,
    loss,
    accuracy: loss.map(() => 0.5),
  });

  it("read the trainer CLI's JSON, leaving out runs that do not parse", () => {
    const reference = adaptLearningReference({
      adapter: { name: 'nvidia hopper' },
      machine: 'NVIDIA H200',
      runs: [
        run('softmax', 8, 64),
        run('linear', 8, 64),
        run('mamba', 8, 64),
        run('gated', 8, 64, [1, Number.NaN, 2]),
        { ...run('gated', 8, 64), steps: 5 },
      ],
    });
    expect(reference?.machine).toBe('NVIDIA H200');
    expect(reference?.curves.map((c) => c.form)).toEqual(['softmax', 'linear']);
    expect(adaptLearningReference({ runs: [] })).toBeNull();
    expect(adaptLearningReference('garbage')).toBeNull();
  });

  it('read means over windows of steps, and refuse a window count that does not fit the steps', () => {
    const windowed = {
      ...run('softmax', 4, 32, [4, 3, 2]),
      steps: 7,
      window: 2,
      optimizer: { learningRate: 0.003 },
    };
    const reference = adaptLearningReference({
      runs: [windowed, { ...windowed, steps: 8 }, { ...windowed, window: 0 }],
    });
    expect(reference?.curves).toHaveLength(1);
    expect(reference?.curves[0]).toMatchObject({ steps: 7, window: 2, learningRate: 0.003 });
    expect(adaptLearningReference({ runs: [run('linear', 4, 32)] })?.curves[0]?.window).toBe(1);
  });

  it('draw reference windows as about the widget window, naming the steps each point covers', () => {
    // Windows of 25 steps averaged in pairs for a target of 50; a last odd window is left out.
    expect(referencePoints([1, 3, 5, 7, 9], 25, 50)).toEqual([
      { x: 50, y: 2, first: 1 },
      { x: 100, y: 6, first: 51 },
    ]);
    // A target below the file's window keeps the file's windows.
    expect(referencePoints([1, 3], 25, 10)).toEqual([
      { x: 25, y: 1, first: 1 },
      { x: 50, y: 3, first: 26 },
    ]);
  });

  it('match the widget by forms, pairs and width, in the widget order', () => {
    const reference = adaptLearningReference({
      adapter: { name: 'nvidia hopper' },
      runs: [run('linear', 8, 64), run('softmax', 8, 64), run('softmax', 16, 64)],
    });
    expect(reference?.machine).toBe('nvidia hopper');
    const found = matchingCurves(reference, ['softmax', 'linear', 'gated'], 8, 64);
    expect(found.map((c) => [c.form, c.pairs])).toEqual([
      ['softmax', 8],
      ['linear', 8],
    ]);
    expect(matchingCurves(reference, ['softmax'], 8, 32)).toEqual([]);
    expect(matchingCurves(null, ['softmax'], 8, 64)).toEqual([]);
  });
});
