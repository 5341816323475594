import { describe, expect, it } from 'vitest';
import type { GpuReady } from '../../src/gpu/device.ts';
import type { AttentionFactory } from '../../src/gpu/sweep.ts';
import type { ClockInfo } from '../../src/gpu/timing.ts';
import { liveSweepOptions, type LiveGpu } from '../../src/widgets/shared/live-gpu.ts';

/** A live GPU as getLiveGpu returns one; the device is never touched by liveSweepOptions. */
function fakeLive(createAttention?: AttentionFactory): LiveGpu {
  const clockInfo: ClockInfo = {
    clock: 'wall-clock',
    resolutionMs: 0.1 + Math.random(),
    overheadMs: Math.random(),
  };
  return {
    gpu: { kind: 'ready' } as unknown as GpuReady,
    clockInfo,
    ...(createAttention ? { createAttention } : {}),
  };
}

describe('the sweep options of a live run', () => {
  it("pass the device's clock, the run's signal and budget clock, and the page's attention factory", () => {
    const createAttention: AttentionFactory = () => {
      throw new Error('not called');
    };
    const live = fakeLive(createAttention);
    const signal = new AbortController().signal;
    const budgetClock = (): number => 42;
    const options = liveSweepOptions(live, signal, budgetClock);
    expect(Object.keys(options).sort()).toEqual(
      ['budgetClock', 'clockInfo', 'createAttention', 'signal'].sort(),
    );
    expect(options.clockInfo).toBe(live.clockInfo);
    expect(options.signal).toBe(signal);
    expect(options.budgetClock).toBe(budgetClock);
    expect(options.createAttention).toBe(createAttention);
  });

  it('leave the attention factory out when the page has none, so the sweep uses its own', () => {
    const live = fakeLive();
    const signal = new AbortController().signal;
    const budgetClock = (): number => 7;
    const options = liveSweepOptions(live, signal, budgetClock);
    expect('createAttention' in options).toBe(false);
    expect(options).toEqual({ clockInfo: live.clockInfo, signal, budgetClock });
  });

  it('leave the budget clock out when the run gives none, so the sweep reads the wall clock', () => {
    const live = fakeLive();
    const signal = new AbortController().signal;
    const options = liveSweepOptions(live, signal);
    expect('budgetClock' in options).toBe(false);
    expect(options).toEqual({ clockInfo: live.clockInfo, signal });
  });
});
