/**
 * The one place that acquires a GPU, in a page, a worker or Node alike.
 *
 * It never throws for an expected failure: it returns a typed outcome whose `reason` is a sentence a
 * reader can act on. Features are requested only where the adapter offers them, and the limits the
 * kernels care about are raised to what the adapter allows (the defaults, 128 MiB per binding and
 * 16 KiB of workgroup memory, are far below most GPUs).
 */

import { watchDeviceLoss } from './guard.ts';

/**
 * Optional features the engine uses when present: timestamps, subgroups, f16 arithmetic, and
 * Chromium's experimental subgroup matrices (tensor cores; the f16 forms need the last two and say
 * so where they are absent, src/gpu/forms/f16/).
 */
export const WANTED_FEATURES = [
  'timestamp-query',
  'subgroups',
  'shader-f16',
  'chromium-experimental-subgroup-matrix',
] as const;

/** Limits raised to the adapter's maximum. */
export const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export type RaisedLimit = (typeof RAISED_LIMITS)[number];

/** What a reader (and a result record) needs to know about the adapter. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a CPU implementation (SwiftShader, WARP, lavapipe): its timings are not GPU speeds. */
  isFallbackAdapter: boolean;
  /** A short human name: "nvidia hopper", "SwiftShader". */
  name: string;
}

export interface GpuReady {
  kind: 'ready';
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterSummary;
  features: string[];
  limits: Record<RaisedLimit, number>;
}

export type UnsupportedCause = 'no-navigator-gpu' | 'no-adapter' | 'request-device-failed';

export interface GpuUnsupported {
  kind: 'unsupported';
  cause: UnsupportedCause;
  reason: string;
}

export type GpuOutcome = GpuReady | GpuUnsupported;

/** Reported once when the device is lost, whether destroyed on purpose or by the driver. */
export interface GpuLost {
  kind: 'lost';
  /** 'destroyed' when device.destroy() was called (by any script); 'unknown' otherwise. */
  cause: GPUDeviceLostReason;
  reason: string;
}

export interface AcquireOptions {
  /** The GPU entry point; defaults to `navigator.gpu`. Node passes Dawn's. */
  gpu?: GPU | null;
  powerPreference?: GPUPowerPreference;
  /** Called once if the device is lost (destroyed, driver reset, GPU process restart). */
  onLost?: (lost: GpuLost) => void;
  /** Called for every validation or out-of-memory error that no error scope caught. */
  onUncapturedError?: (message: string, error: GPUError) => void;
}

/** Acquires an adapter and a device, or says in a sentence why it cannot. */
export async function acquireGpu(given: AcquireOptions | null = {}): Promise<GpuOutcome> {
  const options = given ?? {};
  const gpu = options.gpu ?? findNavigatorGpu();
  if (!gpu) {
    return {
      kind: 'unsupported',
      cause: 'no-navigator-gpu',
      reason:
        'This browser does not offer WebGPU. Recent Chrome and Edge have it on by default; ' +
        'in Firefox or Safari it may need to be turned on in the settings.',
    };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter(
      options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
    );
  } catch {
    adapter = null;
  }
  if (!adapter) {
    return {
      kind: 'unsupported',
      cause: 'no-adapter',
      reason:
        'WebGPU is present but no GPU adapter is available: it may be turned off, blocked for this ' +
        'GPU or driver, or unavailable in this context. Try another browser, or check chrome://gpu.',
    };
  }
  const features = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: 'linear-attention-live',
      requiredFeatures: features,
      requiredLimits,
    });
  } catch (error) {
    return {
      kind: 'unsupported',
      cause: 'request-device-failed',
      reason:
        `The GPU adapter refused to create a device (${errorMessage(error)}). ` +
        'Closing other GPU-heavy tabs or restarting the browser often helps.',
    };
  }
  watchDevice(device, options);
  const limits = {} as Record<RaisedLimit, number>;
  for (const name of RAISED_LIMITS) limits[name] = device.limits[name];
  return {
    kind: 'ready',
    device,
    adapter,
    info: summarizeAdapter(adapter),
    features: [...device.features].map(String).sort(),
    limits,
  };
}

function watchDevice(device: GPUDevice, options: AcquireOptions): void {
  watchDeviceLoss(device);
  void device.lost.then((info) => {
    // A lost device never comes back: the caller must request a new adapter and device.
    const reason =
      info.reason === 'destroyed'
        ? 'The GPU device was destroyed.'
        : `The GPU device was lost${info.message ? ` (${info.message})` : ''}.`;
    options.onLost?.({ kind: 'lost', cause: info.reason, reason });
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    options.onUncapturedError?.(error.message, error);
  });
}

/** Describes an adapter; marks CPU implementations as fallback even when the browser does not. */
export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const declared =
    (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    false;
  const text = `${vendor} ${architecture} ${device} ${description}`.toLowerCase();
  const cpu = /swiftshader|llvmpipe|lavapipe|warp|software|cpu/.test(text);
  const isFallbackAdapter = declared || cpu;
  let name = [vendor, architecture].filter(Boolean).join(' ') || description || 'unknown GPU';
  if (text.includes('swiftshader')) name = 'SwiftShader';
  return { vendor, architecture, device, description, isFallbackAdapter, name };
}

function findNavigatorGpu(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
