import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/widgets/shared/format.ts';

describe('formatBytes', () => {
  it('writes binary units with at most one decimal', () => {
    expect(formatBytes(2 ** 31)).toBe('2 GiB');
    expect(formatBytes(49152)).toBe('48 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(17)).toBe('17 B');
  });
});
