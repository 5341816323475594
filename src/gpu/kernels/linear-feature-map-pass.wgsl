// The feature map applied once, before the kernels that read phi(Q) and phi(K)
// (linear-feature-map.wgsl's phi, composed before this file): phiQ = phi(Q), phiK = phi(K),
// elementwise over [heads][tokens][dim] as vec4s. The recurrent forms and the chunked forms' sliced
// output kernel use it (the sliced kernel restages phi(Q) once per key tile); the chunked forms'
// whole-tile kernels map as they stage instead. On an H200 at T = 65,536 the whole-tile output
// kernel took 1.49 ms with softplus applied to each value as it was loaded and 0.82 ms with the
// identity; applied after all of a tile's loads were issued, the map costs it about 0.1 ms and
// this pass (0.19 ms) is not needed (docs/PERFORMANCE.md).

struct Params {
  vec4s: u32, // heads * tokens * dim / 4
  rowWidth: u32, // workgroups per grid row (a 2-D grid when one row is not enough)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> phiQ: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> phiK: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * params.rowWidth) * 256u + lid;
  if (i < params.vec4s) {
    let x = q[i];
    let y = k[i];
    phiQ[i] = phi4(x);
    phiK[i] = phi4(y);
  }
}
