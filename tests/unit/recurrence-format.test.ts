import { describe, expect, it } from 'vitest';
import {
  createExample,
  formatDifference,
  maxAbsDifference,
  runRecurrence,
  attentionRow,
} from '../../src/widgets/recurrence/recurrence-math.ts';

describe("the recurrence's check line", () => {
  it('says an exact match in words, never "0e+0"', () => {
    expect(formatDifference(0)).toBe('0 (exact)');
  });

  it('writes rounding differences as a power of ten, and larger ones plainly', () => {
    expect(formatDifference(4.44e-16)).toBe('4.4 × 10⁻¹⁶');
    expect(formatDifference(2e-5)).toBe('2.0 × 10⁻⁵');
    expect(formatDifference(0.0123)).toBe('0.012');
    expect(formatDifference(1.5)).toBe('1.5');
  });

  it('describes the differences of fresh random examples without exponent notation', () => {
    const example = createExample(Math.floor(Math.random() * 2 ** 31), 8, 4);
    const steps = runRecurrence(example);
    steps.forEach((step, t) => {
      const text = formatDifference(maxAbsDifference(step.output, attentionRow(example, t).output));
      expect(text).not.toMatch(/e[+-]/);
    });
  });
});
