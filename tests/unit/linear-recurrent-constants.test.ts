import { describe, expect, it } from 'vitest';
import {
  linearRecurrentConstants,
  linearRecurrentWorkgroupBytes,
} from '../../src/gpu/forms/linear/recurrent.ts';

const options = { featureMap: 'softplus', normalize: true } as const;

describe('linear-recurrent: tokens per block from the workgroup memory', () => {
  it('stages 32 tokens per block at d = 64 where 48 KiB allows it (the H200), 16 in 32 KiB, 8 in 16 KiB', () => {
    expect(linearRecurrentConstants(64, options, 49_152).TB).toBe(32);
    expect(linearRecurrentConstants(64, options, 32_768).TB).toBe(16);
    expect(linearRecurrentConstants(64, options, 16_384).TB).toBe(8);
  });

  it('keeps the other head sizes at most 1,024 staged floats (only d = 64 was timed with more)', () => {
    expect(linearRecurrentConstants(32, options, 49_152).TB).toBe(32);
    expect(linearRecurrentConstants(128, options, 49_152).TB).toBe(8);
    expect(linearRecurrentConstants(16, options, 49_152).TB).toBe(64);
  });

  it('counts the kernel arrays exactly: 36.6 KiB at d = 64 with 32 tokens and the gate', () => {
    // kf, qf: 2 x 32 x 64; vv: 32 x 32; nums: 32 x 4 x 32; dens: 32 x 4; decays: 32.
    expect(linearRecurrentWorkgroupBytes(64, 32, true)).toBe(4 * (4096 + 1024 + 4096 + 128 + 32));
    expect(linearRecurrentWorkgroupBytes(64, 32, false)).toBe(4 * (4096 + 1024 + 4096 + 128));
  });

  it('never plans more workgroup memory than the device allows', () => {
    for (const dim of [16, 32, 64, 128]) {
      for (const bytes of [16_384, 32_768, 49_152, 65_536]) {
        const { TB } = linearRecurrentConstants(dim, options, bytes);
        expect(linearRecurrentWorkgroupBytes(dim, TB!, true)).toBeLessThanOrEqual(bytes);
      }
    }
  });
});
