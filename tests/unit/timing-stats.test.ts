import { describe, expect, it } from 'vitest';
import {
  chooseRepetitions,
  estimateTimestampQuantumNs,
  estimateWallClockResolutionMs,
  keepValidSamples,
  pilotRepetitions,
  predictNextMs,
  quantileSorted,
  summarizeSamples,
  targetSampleMs,
} from '../../src/gpu/stats.ts';

describe('sample statistics', () => {
  it('takes the median of an odd and an even number of samples', () => {
    expect(summarizeSamples([5, 1, 3]).medianMs).toBe(3);
    expect(summarizeSamples([4, 1, 3, 2]).medianMs).toBe(2.5);
  });

  it('interpolates quartiles linearly, as NumPy does', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(quantileSorted(sorted, 0.25)).toBe(3);
    expect(quantileSorted(sorted, 0.75)).toBe(7);
    const s = summarizeSamples([10, 20, 30, 40]);
    expect(s.p25Ms).toBeCloseTo(17.5, 12);
    expect(s.p75Ms).toBeCloseTo(32.5, 12);
    expect(s.iqrMs).toBeCloseTo(15, 12);
  });

  it('drops NaN, infinite, negative (end before begin) and zero samples and counts them', () => {
    const raw = [2, Number.NaN, -0.5, 0, 4, Number.POSITIVE_INFINITY, 3];
    expect(keepValidSamples(raw)).toEqual([2, 4, 3]);
    const s = summarizeSamples(raw);
    expect(s.samples).toBe(3);
    expect(s.dropped).toBe(4);
    expect(s.medianMs).toBe(3);
  });

  it('gives NaN statistics, not zeros, when every sample was dropped', () => {
    const s = summarizeSamples([0, -1, Number.NaN]);
    expect(s.samples).toBe(0);
    expect(s.dropped).toBe(3);
    expect(s.medianMs).toBeNaN();
    expect(s.iqrMs).toBeNaN();
  });

  it('does not reorder the caller’s array', () => {
    const raw = [3, 1, 2];
    summarizeSamples(raw);
    expect(raw).toEqual([3, 1, 2]);
  });
});

describe('clock resolution', () => {
  it('finds Chrome’s 100 us rounding as the gcd of the raw timestamps', () => {
    const base = 8_123_400_000n;
    const values = Array.from({ length: 16 }, (_, i) => base + BigInt(i * 7 + 3) * 100_000n);
    expect(estimateTimestampQuantumNs(values)).toBe(100_000n);
  });

  it('finds a fine quantum for unrounded timestamps and ignores zeros', () => {
    const values = [0n, 1_000_000_007n, 1_000_003_331n, 0n, 1_000_010_000n];
    expect(estimateTimestampQuantumNs(values)).toBe(1n);
  });

  it('returns null when every timestamp is zero', () => {
    expect(estimateTimestampQuantumNs([0n, 0n])).toBeNull();
    expect(estimateTimestampQuantumNs([])).toBeNull();
  });

  it('reads the step of a quantized wall clock', () => {
    let t = 0;
    // A clock that advances 0.013 ms per read but shows only multiples of 0.1 ms.
    const now = (): number => Math.floor((t += 0.013) / 0.1) * 0.1;
    expect(estimateWallClockResolutionMs(now)).toBeCloseTo(0.1, 9);
  });

  it('returns NaN for a clock that never moves', () => {
    expect(estimateWallClockResolutionMs(() => 42, 5, 1000)).toBeNaN();
  });
});

describe('batching', () => {
  it('makes one sample span the target: 50 ticks of the clock, at least the floor', () => {
    expect(targetSampleMs(0.1, 1)).toBeCloseTo(5, 12);
    expect(targetSampleMs(0.000001, 1)).toBe(1);
    expect(targetSampleMs(Number.NaN, 2)).toBe(2);
  });

  it('repeats a 0.01 ms run 500 times to reach 5 ms', () => {
    expect(chooseRepetitions(0.01, 5)).toBe(500);
  });

  it('runs a slow work once', () => {
    expect(chooseRepetitions(300, 5)).toBe(1);
  });

  it('multiplies the repetitions when the clock read zero, up to the cap', () => {
    expect(chooseRepetitions(0, 5, { current: 4 })).toBe(32);
    expect(chooseRepetitions(Number.NaN, 5, { current: 512, max: 1024 })).toBe(1024);
    expect(chooseRepetitions(0.000001, 5, { max: 64 })).toBe(64);
  });
});

describe('the pilot that sizes a sample', () => {
  // A fake sampler: `perRun(r)` ms per run for a sample of r runs; records what it was asked.
  const fakeSampler = (perRun: (r: number) => number) => {
    const asked: number[] = [];
    return {
      asked,
      sample: async (r: number) => {
        asked.push(r);
        return perRun(r);
      },
    };
  };
  const plenty = () => 1e9;

  it('grows the batch until one sample spans the target', async () => {
    const s = fakeSampler(() => 0.01);
    const pilot = await pilotRepetitions(s.sample, {
      targetMs: 2,
      maxRepetitions: 1024,
      budgetLeftMs: plenty,
    });
    expect(pilot).toEqual({ repetitions: 200, stop: 'target' });
    expect(s.asked).toEqual([1, 200]);
  });

  it('runs a slow work once', async () => {
    const s = fakeSampler(() => 50);
    const pilot = await pilotRepetitions(s.sample, {
      targetMs: 2,
      maxRepetitions: 1024,
      budgetLeftMs: plenty,
    });
    expect(pilot).toEqual({ repetitions: 1, stop: 'target' });
  });

  it('stops at the cap for a work too short for the clock', async () => {
    const s = fakeSampler(() => 0);
    const pilot = await pilotRepetitions(s.sample, {
      targetMs: 2,
      maxRepetitions: 64,
      budgetLeftMs: plenty,
    });
    expect(pilot).toEqual({ repetitions: 64, stop: 'cap' });
    expect(s.asked).toEqual([1, 8, 64]);
  });

  it('keeps growing when a larger batch runs faster per run than the pilot guessed', async () => {
    // The first sample pays a one-off cost; later ones are 4x cheaper per run.
    const s = fakeSampler((r) => (r === 1 ? 0.04 : 0.01));
    const pilot = await pilotRepetitions(s.sample, {
      targetMs: 2,
      maxRepetitions: 1024,
      budgetLeftMs: plenty,
    });
    expect(pilot.stop).toBe('target');
    expect(pilot.repetitions * 0.01).toBeGreaterThanOrEqual(2);
  });

  it('shrinks the batch to a quarter of what the budget has left', async () => {
    const s = fakeSampler(() => 1);
    const pilot = await pilotRepetitions(s.sample, {
      targetMs: 100,
      maxRepetitions: 1024,
      budgetLeftMs: () => 40,
    });
    expect(pilot).toEqual({ repetitions: 10, stop: 'budget' });
  });

  it('gives up after the allowed rounds', async () => {
    const s = fakeSampler(() => 0);
    const pilot = await pilotRepetitions(s.sample, {
      targetMs: 2,
      maxRepetitions: 1 << 30,
      budgetLeftMs: plenty,
      rounds: 3,
    });
    expect(pilot).toEqual({ repetitions: 512, stop: 'rounds' });
  });

  it('stops with an AbortError when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      pilotRepetitions(async () => 1, {
        targetMs: 2,
        maxRepetitions: 8,
        budgetLeftMs: plenty,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('predicting the next point from the log-log slope', () => {
  it('extends a quadratic series quadratically', () => {
    const points = [
      { tokens: 1024, ms: 1 },
      { tokens: 2048, ms: 4 },
    ];
    expect(predictNextMs(points, 4096)).toBeCloseTo(16, 9);
    expect(predictNextMs(points, 16384)).toBeCloseTo(256, 9);
  });

  it('extends a linear series linearly, using only the last two points', () => {
    const points = [
      { tokens: 512, ms: 100 },
      { tokens: 1024, ms: 2 },
      { tokens: 2048, ms: 4 },
    ];
    expect(predictNextMs(points, 8192)).toBeCloseTo(16, 9);
  });

  it('treats a falling (noisy) series as flat and caps the slope at 3', () => {
    expect(
      predictNextMs(
        [
          { tokens: 128, ms: 2 },
          { tokens: 256, ms: 1 },
        ],
        1024,
      ),
    ).toBe(1);
    expect(
      predictNextMs(
        [
          { tokens: 128, ms: 1 },
          { tokens: 256, ms: 64 },
        ],
        512,
      ),
    ).toBeCloseTo(512, 9);
  });

  it('does not predict from fewer than two points', () => {
    expect(predictNextMs([], 1024)).toBeNull();
    expect(predictNextMs([{ tokens: 128, ms: 1 }], 256)).toBeNull();
  });
});
