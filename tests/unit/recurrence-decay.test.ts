import { describe, expect, it } from 'vitest';
import {
  attentionRow,
  createExample,
  maxAbsDifference,
  runRecurrence,
} from '../../src/widgets/recurrence/recurrence-math.ts';
import { RecurrenceState } from '../../src/widgets/recurrence/recurrence.svelte.ts';

describe('the recurrence widget with a decay', () => {
  const example = createExample(7, 10, 4);

  it('a = 1 is the ungated widget, number for number', () => {
    expect(runRecurrence(example, 1)).toEqual(runRecurrence(example));
    for (let t = 0; t < 10; t++)
      expect(attentionRow(example, t, 1)).toEqual(attentionRow(example, t));
  });

  it('for every a the state form and the decayed attention form agree', () => {
    for (const a of [0, 0.3, 0.9, 0.95]) {
      const steps = runRecurrence(example, a);
      steps.forEach((step, t) => {
        expect(maxAbsDifference(step.output, attentionRow(example, t, a).output)).toBeLessThan(
          1e-12,
        );
      });
    }
  });

  it('a = 0 forgets everything but the current token', () => {
    const steps = runRecurrence(example, 0);
    steps.forEach((step, t) => {
      const { q, k, v } = example.steps[t]!;
      const score = q.reduce((s, x, i) => s + x * k[i]!, 0);
      expect(
        maxAbsDifference(
          step.output,
          v.map((x) => score * x),
        ),
      ).toBeLessThan(1e-12);
    });
  });

  it('the state clamps the decay to 0..1 and ignores a non-number', () => {
    const rec = new RecurrenceState({ decay: 0.5 });
    expect(rec.decay).toBe(0.5);
    rec.setDecay(3);
    expect(rec.decay).toBe(1);
    rec.setDecay(-1);
    expect(rec.decay).toBe(0);
    rec.setDecay(Number.NaN);
    expect(rec.decay).toBe(0);
    rec.destroy();
  });
});
