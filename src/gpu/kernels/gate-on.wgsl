// The gate of the linear kernels, switched on (gated linear attention, forms/gated/): prepended to a
// linear kernel by composeWgsl (src/gpu/wgsl.ts). Binding 7 holds one log-decay per head and token,
// [heads][tokens]: the g_t themselves for the recurrent kernel, their sums from the chunk's start
// (gated-chunked-cumsum.wgsl) for the chunked ones. Kernels only take exp of values <= 0.
const GATED: bool = true;

@group(0) @binding(7) var<storage, read> gates: array<f32>;

fn gate(i: u32) -> f32 {
  return gates[i];
}
