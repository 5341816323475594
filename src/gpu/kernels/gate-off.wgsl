// The gate of the linear kernels, switched off (ungated linear attention): prepended to a linear
// kernel by composeWgsl (src/gpu/wgsl.ts). Kernels guard their decay work with `if (GATED)`, so
// the compiler drops it; `gate` is never read.
const GATED: bool = false;

fn gate(i: u32) -> f32 {
  return 0.0;
}
