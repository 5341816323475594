/**
 * What a widget needs to time kernels on the reader's GPU: the page's device, its clock (measured
 * once per device and reused), and the engine's factories for the attention forms and the decode
 * steps. The factories are imported on first use, so the kernels stay out of the page's first load.
 */
import type { GpuReady } from '../../gpu/device.ts';
import type { AttentionFactory, AttentionSweepOptions, DecodeFactory } from '../../gpu/sweep.ts';
import { DeviceLostError } from '../../gpu/errors.ts';
import { detectClock, type ClockInfo } from '../../gpu/timing.ts';
import { pageGpu } from './page-gpu.svelte.ts';
import { isAbort } from './scheduler.ts';

export interface LiveGpu {
  gpu: GpuReady;
  clockInfo: ClockInfo;
  createAttention?: AttentionFactory;
  createDecode?: DecodeFactory;
}

const clocks = new WeakMap<GPUDevice, Promise<ClockInfo>>();

/**
 * The page's GPU with its clock and factories, or null when WebGPU is unavailable or lost. After
 * a loss this requests a new device (see PageGpu), so call it again rather than keeping a result
 * across runs; `isCurrent` says whether one kept still holds the page's device.
 */
export async function getLiveGpu(): Promise<LiveGpu | null> {
  const outcome = await pageGpu.acquire();
  if (outcome.kind !== 'ready' || pageGpu.outcome !== outcome) return null;
  const { device } = outcome;
  let clock = clocks.get(device);
  if (!clock) {
    clock = detectClock(device);
    clocks.set(device, clock);
  }
  let clockInfo: ClockInfo;
  try {
    clockInfo = await clock;
  } catch (error) {
    clocks.delete(device);
    // Lost while its clock was being measured: there is no live GPU until the new device.
    if (error instanceof DeviceLostError || pageGpu.outcome !== outcome) return null;
    throw error;
  }
  const [attention, decode] = await Promise.all([
    import('../../gpu/attention.ts'),
    import('../../gpu/generation/index.ts'),
  ]);
  if (pageGpu.outcome !== outcome) return null;
  return {
    gpu: outcome,
    clockInfo,
    createAttention: attention.createResidentAttention,
    createDecode: decode.createDecodeWork,
  };
}

/** True while `live` holds the page's current, working device (false once it was lost). */
export function isCurrent(live: LiveGpu | null): live is LiveGpu {
  return live !== null && pageGpu.outcome === live.gpu;
}

/**
 * Whether a Run button should be offered: the page has a device, or lost one (pressing Run then
 * requests a new one). Reactive where read inside $derived.
 */
export function canRequestLive(): boolean {
  return pageGpu.outcome?.kind === 'ready' || pageGpu.lastLoss !== null;
}

/**
 * A failed live run as a sentence for the widget: a lost device says what happens next (the
 * device note says why), anything else is the engine's own sentence.
 */
export function describeLiveFailure(error: unknown): string {
  if (error instanceof DeviceLostError) {
    return 'The GPU was lost during the run. Press Run to measure again on a new device.';
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a widget's status line says when its live run threw: `stopped` when the run was stopped
 * (its signal aborted, or the error is an abort), else "The run failed: " and why.
 */
export function describeStopOrFailure(
  error: unknown,
  signal: AbortSignal,
  stopped: string,
): string {
  return signal.aborted || isAbort(error)
    ? stopped
    : `The run failed: ${describeLiveFailure(error)}`;
}

/** Why there is no live run, as a sentence: the page's own reason when it has one. */
export function noLiveRunMessage(): string {
  const outcome = pageGpu.outcome;
  return outcome && outcome.kind !== 'ready'
    ? `No live run: ${outcome.reason}`
    : 'No live run: WebGPU is unavailable here.';
}

/** The sweep options every live run passes: see liveSweepOptions. */
export type LiveSweepOptions = Pick<
  AttentionSweepOptions,
  'clockInfo' | 'signal' | 'budgetClock' | 'createAttention'
>;

/**
 * The sweep options every live run passes: the device's measured clock, the run's signal, the
 * run's budget clock (left out without one: the sweep then reads the wall clock), and the page's
 * attention factory where it has one (left out otherwise: the sweep then uses the engine's own).
 */
export function liveSweepOptions(
  live: LiveGpu,
  signal: AbortSignal,
  budgetClock?: () => number,
): LiveSweepOptions {
  return {
    clockInfo: live.clockInfo,
    signal,
    ...(budgetClock ? { budgetClock } : {}),
    ...(live.createAttention ? { createAttention: live.createAttention } : {}),
  };
}
