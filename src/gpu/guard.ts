/**
 * Argument checks for the engine's public entry points, so that a caller's mistake is a typed
 * error with a sentence, never a bare TypeError from deep inside: a missing problem, shape or
 * options object is a ShapeError; something that is not a GPUDevice is a ShapeError; a device
 * already destroyed or lost, or one lost during the call (WebGPU then rejects mapAsync with an
 * AbortError whose message may be empty), is a DeviceLostError.
 */
import { DeviceLostError, ShapeError } from './errors.ts';

/** Why each device we have seen was lost, once its `lost` promise has resolved. */
const lostReasons = new WeakMap<GPUDevice, string>();
const watched = new WeakSet<GPUDevice>();

/** Remembers when `device` is lost, so later calls can refuse it with a sentence. */
export function watchDeviceLoss(device: GPUDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => {
    lostReasons.set(
      device,
      info.reason === 'destroyed'
        ? 'it was destroyed'
        : `it was lost${info.message ? ` (${info.message})` : ''}`,
    );
  });
}

/** Why `device` can no longer be used ("it was destroyed"), or null while it is alive. */
export function deviceLostReason(device: GPUDevice): string | null {
  return lostReasons.get(device) ?? null;
}

/** "null", "undefined", "a number", "an object without createBuffer": for messages. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return 'an object of another kind';
  return `a ${typeof value}`;
}

/**
 * Throws unless `device` is a live GPUDevice: a ShapeError for anything else, a DeviceLostError
 * for a device already destroyed or lost. `caller` names the entry point in the sentence.
 */
export function requireDevice(device: unknown, caller: string): asserts device is GPUDevice {
  const candidate = device as Partial<GPUDevice> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.createBuffer !== 'function' ||
    typeof candidate.queue !== 'object' ||
    !(candidate.lost instanceof Promise)
  ) {
    throw new ShapeError(`${caller} needs a GPUDevice (got ${describeValue(device)}).`);
  }
  const gpuDevice = candidate as GPUDevice;
  watchDeviceLoss(gpuDevice);
  const reason = lostReasons.get(gpuDevice);
  if (reason) throw lostError(caller, reason);
}

/** Throws a ShapeError unless `value` is an object: "runAttention needs a problem {…} (got null)." */
export function requireObject(
  value: unknown,
  caller: string,
  what: string,
): asserts value is object {
  if (typeof value !== 'object' || value === null) {
    throw new ShapeError(`${caller} needs ${what} (got ${describeValue(value)}).`);
  }
}

function lostError(caller: string, reason: string): DeviceLostError {
  return new DeviceLostError(
    `${caller}: the GPU device cannot be used because ${reason}. ` +
      'Acquire a new device and try again.',
  );
}

/**
 * The error to throw for a failed GPU operation: a DeviceLostError with a sentence when `device`
 * was lost (waiting briefly, since `lost` may resolve just after the failure it caused), else the
 * original error unchanged.
 */
export async function explainGpuFailure(
  device: GPUDevice,
  error: unknown,
  caller: string,
): Promise<unknown> {
  if (error instanceof DeviceLostError || error instanceof ShapeError) return error;
  watchDeviceLoss(device);
  let reason = lostReasons.get(device);
  if (!reason) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      device.lost,
      new Promise((resolve) => {
        timer = setTimeout(resolve, 250);
      }),
    ]);
    clearTimeout(timer);
    // Let the watcher's own `then` run first.
    await Promise.resolve();
    reason = lostReasons.get(device);
  }
  if (!reason) return error;
  const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
  return lostError(caller, reason + detail);
}
