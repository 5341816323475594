/** The buffers and plans of a training step (see index.ts). */

/**
 * The GPU buffers of one attention training step, [heads][tokens][dim] f32 ([heads][tokens] for
 * the log-decays), each with usage STORAGE (the engine's own also COPY_SRC | COPY_DST).
 * Inputs: q, k, v, logDecay (gated only), dOut (dL/dout, written by the caller before
 * `encodeBackward`). Outputs: out (the forward's), dq, dk, dv, dLogDecay (gated only).
 */
export interface TrainingBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  logDecay?: GPUBuffer;
  out: GPUBuffer;
  dOut: GPUBuffer;
  dq: GPUBuffer;
  dk: GPUBuffer;
  dv: GPUBuffer;
  dLogDecay?: GPUBuffer;
}

/** A family's kernels for one shape: the forward (its own passes) and the backward dispatches. */
export interface TrainingPlan {
  forward(encoder: GPUCommandEncoder): void;
  backward: import('../forms/linear/common.ts').PlannedDispatch[];
}
