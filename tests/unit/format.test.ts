import { describe, expect, it } from 'vitest';
import { formatBytes, formatFraction, formatPercent } from '../../src/widgets/shared/format.ts';

describe('formatBytes', () => {
  it('writes binary units with at most one decimal', () => {
    expect(formatBytes(2 ** 31)).toBe('2 GiB');
    expect(formatBytes(49152)).toBe('48 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(17)).toBe('17 B');
  });
});

describe('percentages', () => {
  it('formats a value in percent and a fraction as a percentage', () => {
    expect(formatPercent(4.321)).toBe('4.3%');
    expect(formatPercent(26.4)).toBe('26%');
    expect(formatPercent(-3.25)).toBe('-3.3%');
    expect(formatFraction(0.454)).toBe('45%');
    expect(formatFraction(1)).toBe('100%');
  });
});
