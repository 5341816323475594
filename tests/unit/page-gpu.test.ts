import { describe, expect, it } from 'vitest';
import type { AcquireOptions, GpuLost, GpuOutcome, GpuReady } from '../../src/gpu/device.ts';
import { DeviceLostError, ShapeError } from '../../src/gpu/errors.ts';
import { describeLiveFailure } from '../../src/widgets/shared/live-gpu.ts';
import {
  MAX_LOSSES_PER_WINDOW,
  PageGpu,
  RECOVERY_DELAYS_MS,
} from '../../src/widgets/shared/page-gpu.svelte.ts';

/** A stand-in for acquireGpu: hands out numbered devices (or queued outcomes) and can lose them. */
function fakeGpu() {
  const calls: AcquireOptions[] = [];
  const queued: GpuOutcome[] = [];
  let made = 0;
  const acquire = async (options: AcquireOptions): Promise<GpuOutcome> => {
    calls.push(options);
    const next = queued.shift();
    if (next) return next;
    made += 1;
    return { kind: 'ready', device: { id: made } as unknown as GPUDevice } as GpuReady;
  };
  const lose = (call: number, reason = 'The GPU device was lost (driver reset).'): void => {
    const lost: GpuLost = { kind: 'lost', cause: 'unknown', reason };
    calls[call]!.onLost?.(lost);
  };
  return { acquire, calls, queued, lose };
}

/** Timers that run only when told to, and a clock that moves only when told to. */
function fakeTimers() {
  let now = 1_000_000;
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let id = 0;
  return {
    deps: {
      setTimer: (callback: () => void, ms: number) => {
        timers.set(++id, { callback, ms });
        return id;
      },
      clearTimer: (timer: unknown) => {
        timers.delete(timer as number);
      },
      now: () => now,
    },
    pending: () => [...timers.values()].map((t) => t.ms),
    /** Runs every pending timer (as if their delays passed). */
    fire: () => {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, t] of due) {
        now += t.ms;
        t.callback();
      }
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function deviceId(outcome: unknown): number | undefined {
  return (outcome as { device?: { id: number } }).device?.id;
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('the page GPU recovers from a lost device', () => {
  it('acquires once while the device lives, and shares the outcome', async () => {
    const fake = fakeGpu();
    const page = new PageGpu({ acquire: fake.acquire, ...fakeTimers().deps });
    const [a, b] = await Promise.all([page.acquire(), page.acquire()]);
    expect(a).toBe(b);
    expect(await page.acquire()).toBe(a);
    expect(fake.calls.length).toBe(1);
    expect(page.outcome?.kind).toBe('ready');
  });

  it('after a loss, says so, and the next acquire() requests a new device at once', async () => {
    const fake = fakeGpu();
    const timers = fakeTimers();
    const page = new PageGpu({ acquire: fake.acquire, ...timers.deps });
    await page.acquire();
    fake.lose(0);
    expect(page.outcome).toMatchObject({ kind: 'lost', reason: /driver reset/ });
    expect(page.lastLoss?.reason).toMatch(/driver reset/);
    expect(timers.pending()).toEqual([RECOVERY_DELAYS_MS[0]]);
    const again = await page.acquire();
    expect(deviceId(again)).toBe(2);
    expect(page.outcome).toBe(again);
    expect(page.recoveries).toBe(1);
    // The planned automatic attempt was cancelled: nothing else will request a device.
    expect(timers.pending()).toEqual([]);
    expect(fake.calls.length).toBe(2);
  });

  it('recovers by itself after a short delay, twice in one session', async () => {
    const fake = fakeGpu();
    const timers = fakeTimers();
    const page = new PageGpu({ acquire: fake.acquire, ...timers.deps });
    await page.acquire();
    for (const round of [1, 2]) {
      fake.lose(round - 1);
      expect(page.outcome?.kind).toBe('lost');
      expect(page.retryAt).not.toBeNull();
      timers.fire();
      expect(page.recovering).toBe(true);
      await settle();
      expect(page.outcome?.kind).toBe('ready');
      expect(deviceId(page.outcome)).toBe(round + 1);
      expect(page.recoveries).toBe(round);
      expect(page.recovering).toBe(false);
    }
  });

  it('ignores a late loss report from a device it already replaced', async () => {
    const fake = fakeGpu();
    const page = new PageGpu({ acquire: fake.acquire, ...fakeTimers().deps });
    await page.acquire();
    fake.lose(0);
    const second = await page.acquire();
    fake.lose(0, 'late report');
    expect(page.outcome).toBe(second);
  });

  it('keeps trying with growing delays when no adapter answers right after a loss', async () => {
    const fake = fakeGpu();
    const timers = fakeTimers();
    const page = new PageGpu({ acquire: fake.acquire, ...timers.deps });
    await page.acquire();
    fake.lose(0);
    fake.queued.push({ kind: 'unsupported', cause: 'no-adapter', reason: 'No adapter.' });
    timers.fire();
    await settle();
    expect(page.outcome?.kind).toBe('unsupported');
    expect(timers.pending()).toEqual([RECOVERY_DELAYS_MS[1]]);
    timers.fire();
    await settle();
    expect(page.outcome?.kind).toBe('ready');
    expect(page.recoveries).toBe(1);
  });

  it('stops retrying by itself when the device keeps being lost, but a reader action still recovers', async () => {
    const fake = fakeGpu();
    const timers = fakeTimers();
    const page = new PageGpu({ acquire: fake.acquire, ...timers.deps });
    await page.acquire();
    for (let i = 0; i <= MAX_LOSSES_PER_WINDOW; i++) {
      fake.lose(fake.calls.length - 1);
      if (i < MAX_LOSSES_PER_WINDOW) await page.acquire();
      timers.advance(1000);
    }
    expect(page.outcome?.kind).toBe('lost');
    expect(timers.pending()).toEqual([]);
    expect(page.retryAt).toBeNull();
    expect((await page.acquire()).kind).toBe('ready');
  });

  it('treats "no WebGPU" on first use as final for the page', async () => {
    const fake = fakeGpu();
    fake.queued.push({ kind: 'unsupported', cause: 'no-navigator-gpu', reason: 'No WebGPU.' });
    const timers = fakeTimers();
    const page = new PageGpu({ acquire: fake.acquire, ...timers.deps });
    expect((await page.acquire()).kind).toBe('unsupported');
    expect((await page.acquire()).kind).toBe('unsupported');
    expect(fake.calls.length).toBe(1);
    expect(timers.pending()).toEqual([]);
  });

  it('tells its listeners when a new device replaces a lost one, and only then', async () => {
    const fake = fakeGpu();
    const timers = fakeTimers();
    const page = new PageGpu({ acquire: fake.acquire, ...timers.deps });
    let calls = 0;
    const unsubscribe = page.onRecovered(() => {
      calls += 1;
    });
    await page.acquire();
    expect(calls).toBe(0);
    fake.lose(0);
    timers.fire();
    await settle();
    expect(calls).toBe(1);
    fake.lose(1);
    await page.acquire();
    expect(calls).toBe(2);
    unsubscribe();
    fake.lose(2);
    await page.acquire();
    expect(calls).toBe(2);
  });
});

describe('a live run cut short', () => {
  it('by a lost device says what to do; any other failure keeps the engine sentence', () => {
    expect(
      describeLiveFailure(new DeviceLostError('Timing x: the GPU device cannot be used.')),
    ).toBe('The GPU was lost during the run. Press Run to measure again on a new device.');
    expect(describeLiveFailure(new ShapeError('q has 3 values.'))).toBe('q has 3 values.');
    expect(describeLiveFailure('plain')).toBe('plain');
  });
});
