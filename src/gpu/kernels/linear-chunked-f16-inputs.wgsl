// linear-chunked-f16, before the chunked kernels: phi(Q), phi(K) and V rounded to the kernels'
// element type QKV (f16: linear-inputs-f16.wgsl), elementwise over [heads][tokens][dim] as vec4s.
// phi is computed in f32 from the f32 inputs (linear-feature-map.wgsl) and rounded once, so the
// kernels after it read f16 and map by the identity.

struct Params {
  vec4s: u32, // heads * tokens * dim / 4
  rowWidth: u32, // workgroups per grid row (a 2-D grid when one row is not enough)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> phiQ: array<vec4<QKV>>;
@group(0) @binding(5) var<storage, read_write> phiK: array<vec4<QKV>>;
@group(0) @binding(6) var<storage, read_write> vOut: array<vec4<QKV>>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * params.rowWidth) * 256u + lid;
  if (i < params.vec4s) {
    phiQ[i] = toQKV(phi4(q[i]));
    phiK[i] = toQKV(phi4(k[i]));
    vOut[i] = toQKV(v[i]);
  }
}
