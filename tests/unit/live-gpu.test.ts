import { describe, expect, it } from 'vitest';
import type { GpuReady } from '../../src/gpu/device.ts';
import type { AttentionFactory } from '../../src/gpu/sweep.ts';
import type { ClockInfo } from '../../src/gpu/timing.ts';
import { DeviceLostError } from '../../src/gpu/errors.ts';
import {
  describeStopOrFailure,
  liveSweepOptions,
  type LiveGpu,
} from '../../src/widgets/shared/live-gpu.ts';

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

describe("a live run's status line after it threw", () => {
  const stopped = `Stopped after ${Math.floor(Math.random() * 9)} of 9 points.`;

  it('says it stopped when the run was stopped, whatever the run threw on the way out', () => {
    const controller = new AbortController();
    controller.abort(new DOMException('Stopped by the reader.', 'AbortError'));
    expect(describeStopOrFailure(new Error('buffer destroyed'), controller.signal, stopped)).toBe(
      stopped,
    );
  });

  it('says it stopped for an AbortError even before its own signal aborted', () => {
    const error = new DOMException('The GPU job was cancelled.', 'AbortError');
    expect(describeStopOrFailure(error, new AbortController().signal, stopped)).toBe(stopped);
  });

  it("otherwise says the run failed and why, in the engine's words or the device note's", () => {
    const signal = new AbortController().signal;
    expect(describeStopOrFailure(new Error('T = 65,536 needs 16 GiB.'), signal, stopped)).toBe(
      'The run failed: T = 65,536 needs 16 GiB.',
    );
    expect(describeStopOrFailure(new DeviceLostError('lost'), signal, stopped)).toBe(
      'The run failed: The GPU was lost during the run. Press Run to measure again on a new device.',
    );
  });
});
