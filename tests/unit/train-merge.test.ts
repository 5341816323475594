import { describe, expect, it } from 'vitest';
import {
  finalSteps,
  mergeLearningRecords,
  windowedMeans,
  type CliRecord,
  type CliRun,
} from '../../src/bench/train-merge.ts';
import {
  adaptLearningReference,
  matchingCurves,
} from '../../src/widgets/learning/learning-reference.ts';

/** A run whose curves are fresh random numbers, so that means cannot be right by accident. */
function run(form: string, pairs: number, dModel: number, lr: number, steps = 40): CliRun {
  const loss = Array.from({ length: steps }, () => 1 + 3 * Math.random());
  const accuracy = Array.from({ length: steps }, () => Math.random());
  return {
    model: { form, dModel, batch: 32, layers: 2, heads: 2 },
    task: { pairs, tokens: 4 * pairs, keys: 16, values: 16, queries: pairs },
    optimizer: { learningRate: lr },
    seed: 1,
    steps,
    plannedSteps: 50,
    warmup: 5,
    seconds: 12.345,
    loss,
    accuracy,
  };
}

const record = (runs: CliRun[], date: string): CliRecord => ({
  machine: 'NVIDIA H200',
  adapter: { name: 'nvidia' },
  driver: 'vulkan',
  date,
  argv: ['--pairs', '4'],
  note: 'shared GPU',
  runs,
});

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('merging one call into the learning reference', () => {
  it('averages windows, keeps the chosen learning rate and computes final values from every step', () => {
    const a = run('softmax', 4, 32, 3e-3);
    const b = run('linear', 4, 32, 3e-3);
    const other = run('softmax', 4, 32, 1e-2);
    const merged = mergeLearningRecords(
      [
        { name: 'mqar-a.json', record: record([a, b], '2026-12-01T21:52:00Z') },
        { name: 'mqar-b.json', record: record([other], '2026-12-01T21:51:00Z') },
      ],
      { learningRate: 3e-3, window: 8, provenance: { commit: 'abc' } },
    );
    expect(merged).toMatchObject({ machine: 'NVIDIA H200', commit: 'abc', processes: 2 });
    expect(merged.date).toBe('2026-12-01T21:51:00Z');
    const runs = merged.runs as Record<string, unknown>[];
    expect(runs).toHaveLength(2);
    expect(runs[0]!.loss).toHaveLength(5);
    expect((runs[0]!.loss as number[])[1]).toBeCloseTo(mean(a.loss.slice(8, 16)), 4);
    expect(runs[0]!.final).toEqual({
      steps: 4,
      loss: Math.round(mean(a.loss.slice(-4)) * 1e4) / 1e4,
      recall: Math.round(mean(a.accuracy.slice(-4)) * 1e4) / 1e4,
    });
    expect(runs[0]).toMatchObject({ steps: 40, plannedSteps: 50, source: 'mqar-a.json' });
    // The widget reads the merged file and matches it by form, pairs and width.
    const reference = adaptLearningReference(JSON.parse(JSON.stringify(merged)));
    const curves = matchingCurves(reference, ['softmax', 'linear', 'gated'], 4, 32);
    expect(curves.map((c) => [c.form, c.window, c.learningRate])).toEqual([
      ['softmax', 8, 3e-3],
      ['linear', 8, 3e-3],
    ]);
  });

  it('refuses two runs of one setting, several machines, or no run at the rate, with a sentence', () => {
    const twice = [
      { name: 'x.json', record: record([run('gated', 8, 64, 3e-3)], 'd') },
      { name: 'y.json', record: record([run('gated', 8, 64, 3e-3)], 'd') },
    ];
    const options = { learningRate: 3e-3, window: 4, provenance: {} };
    expect(() => mergeLearningRecords(twice, options)).toThrow(
      /gated pairs=8 d=64 is in both x.json and y.json/,
    );
    const machines = [
      twice[0]!,
      { name: 'z.json', record: { ...twice[1]!.record, machine: 'A100' } },
    ];
    expect(() => mergeLearningRecords(machines, options)).toThrow(/2 machines/);
    expect(() => mergeLearningRecords([twice[0]!], { ...options, learningRate: 1 })).toThrow(
      /no run has the learning rate 1/,
    );
  });

  it('averages whole windows only, and takes the last tenth of the steps as final', () => {
    expect(windowedMeans([1, 2, 3, 4, 5], 2)).toEqual([1.5, 3.5]);
    expect(finalSteps(3000)).toBe(300);
    expect(finalSteps(5)).toBe(1);
  });
});
