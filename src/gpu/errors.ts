/** Typed errors with sentences a reader can act on. */

/** A shape, option or input that the engine does not support. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/**
 * A form that needs an optional WebGPU feature (shader-f16, subgroup matrices) the device does not
 * offer; the message names it.
 */
export class FeatureError extends Error {
  override name = 'FeatureError';
}

/** A problem that does not fit this device, with the bytes it needs and the limit it hit. */
export class CapacityError extends Error {
  override name = 'CapacityError';
  constructor(
    message: string,
    /** Bytes the largest allocation would need. */
    readonly bytesNeeded: number,
    /** The device limit that refuses it. */
    readonly limitBytes: number,
  ) {
    super(message);
  }
}

/**
 * The GPU device was destroyed or lost (a driver reset, the GPU process restarting) before or
 * during the call. Nothing on that device can be used again: acquire a new one.
 */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}
