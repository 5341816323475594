// The element type QKV of the chunked linear kernels for linear-chunked-f16: phi(Q), phi(K) and V
// held in f16 storage (half the bytes of f32), converted to f32 where they are loaded, so every
// product and sum stays in f32. Needs the WebGPU feature shader-f16.
enable f16;

alias QKV = f16;

// f32 -> f16, to nearest (WGSL lets the result be either neighbour; the bound in
// src/gpu/forms/f16/accuracy.ts allows it). Values beyond f16's range (65,504) are not handled.
fn toQKV(x: vec4<f32>) -> vec4<QKV> {
  return vec4<QKV>(x);
}
