import { describe, expect, it } from 'vitest';
import {
  planFlashTiles,
  planWideTiles,
  slicedSourceFor,
  wideSourceFor,
} from '../../src/gpu/forms/softmax/flash.ts';

describe('softmax-flash wide tiles (subgroups)', () => {
  it('takes 64 x 64 tiles of the outer kernel with P over K in 48 KiB at d = 64 (the H200: subgroups of 32)', () => {
    expect(planFlashTiles(64, 49_152, 1024, 32)).toMatchObject({
      kernel: 'outer',
      BR: 64,
      BC: 64,
      TX: 8,
      WG: 128,
      POFF: 0,
      KW: 64,
      workgroupBytes: 49_152,
    });
  });

  it('needs subgroups of at least D / 8 invocations, else falls back', () => {
    expect(planFlashTiles(64, 49_152, 1024, 4).kernel).toBe('tiled');
    expect(planFlashTiles(64, 49_152, 1024, 0).kernel).toBe('tiled');
    expect(planFlashTiles(32, 32_768, 256, 4)).toMatchObject({ kernel: 'outer', BR: 64, POFF: 0 });
  });

  it('keeps the wide kernel for the variants bench: the same tiles, P beside K where it fits', () => {
    expect(planWideTiles(64, 49_152, 256, 32)).toMatchObject({ kernel: 'wide', BR: 64, POFF: 0 });
    expect(planWideTiles(32, 32_768, 256, 4)).toMatchObject({ kernel: 'wide', BR: 64, POFF: 32 });
  });

  it('runs d = 128 with the narrow sliced kernel (64 x 64 tiles, 256 threads, 48 KiB) where subgroups hold D / 8', () => {
    expect(planFlashTiles(128, 49_152, 1024, 32)).toMatchObject({
      kernel: 'narrow',
      BR: 64,
      BC: 64,
      TX: 16,
      WG: 256,
      workgroupBytes: 49_152,
    });
  });

  it('at d = 128 falls back to the sliced kernel with subgroups of 8, to the quad kernel with 128 threads, then to rows', () => {
    expect(planFlashTiles(128, 49_152, 1024, 8)).toMatchObject({
      kernel: 'sliced',
      TX: 8,
      WG: 128,
    });
    expect(planFlashTiles(128, 49_152, 64, 32)).toMatchObject({ kernel: 'quad', BR: 32, BC: 32 });
    expect(planFlashTiles(128, 32_768, 256, 32).kernel).toBe('rows');
    expect(planFlashTiles(128, 49_152, 1024, 4).kernel).toBe('rows');
  });

  it('never exceeds the memory or invocation limits, WebGPU defaults included', () => {
    for (const dim of [16, 32, 64, 128]) {
      for (const memory of [16_384, 32_768, 49_152]) {
        for (const invocations of [64, 256, 1024]) {
          for (const subgroup of [4, 8, 32, 64]) {
            const t = planFlashTiles(dim, memory, invocations, subgroup);
            expect(t.workgroupBytes).toBeLessThanOrEqual(memory);
            expect(t.WG).toBeLessThanOrEqual(Math.min(256, invocations));
            if (t.kernel === 'sliced' || t.kernel === 'narrow') {
              expect(t.TX).toBeLessThanOrEqual(subgroup);
              expect(t.workgroupBytes).toBe(16 * ((dim / 4) * t.BC + (t.BC / 4) * t.BR));
              continue;
            }
            if (t.kernel === 'outer') {
              const TY = t.BR / 4;
              expect(t.TX).toBeLessThanOrEqual(subgroup);
              expect(t.workgroupBytes).toBe(16 * t.BC * (TY + Math.max(2 * t.TX, TY) + dim / 4));
              continue;
            }
            if (t.kernel !== 'wide' && t.kernel !== 'quad') continue;
            expect(t.TX).toBeLessThanOrEqual(subgroup);
            expect(t.workgroupBytes).toBe(16 * (dim / 4) * (t.BR + t.KW! + t.BC));
            if (t.POFF === 0) expect(t.BR).toBeLessThanOrEqual(t.BC);
          }
        }
      }
    }
  });

  it('writes the shape constants after the enable directive', () => {
    const tiles = planFlashTiles(64, 49_152, 1024, 32);
    const lines = wideSourceFor(64, tiles).split('\n');
    expect(lines[0]).toBe('enable subgroups;');
    expect(lines).toContain('const D4: u32 = 16u;');
    expect(lines).toContain('const KPW: u32 = 16u;');
    expect(lines).toContain('const PREFETCH: bool = true;');
    const narrow = slicedSourceFor(128, planFlashTiles(128, 49_152, 1024, 32)).split('\n');
    expect(narrow[0]).toBe('enable subgroups;');
    expect(narrow).toContain('const TX: u32 = 16u;');
    expect(narrow).toContain('const NS: u32 = 4u;');
  });
});
