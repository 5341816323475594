// Shared by softmax-flash-sliced.wgsl and softmax-flash-sliced-narrow.wgsl (composed by
// src/gpu/wgsl.ts): their workgroup memory, one array that holds a slice of Q and K in the scores
// phase and V whole in the values phase, P apart, and the staging into it. Constants D4, S4, BR,
// BC, WG, NS and NV: see the kernels.

// Scores phase: quads c < S4 hold Q [c][row] of the current slice, quads S4 + c its K [c][key].
// Values phase: V(key j, quad c) at qk[j / 2][(j % 2) D4 + c] (BC = 2 D4), so that a warp's
// reads of one key's quads are adjacent.
var<workgroup> qk: array<array<vec4<f32>, BC>, D4>;
// P [key / 4][row]
var<workgroup> ps: array<array<vec4<f32>, BR>, BC / 4u>;

// Slice h of Q (rows q0 ..) and K (keys k0 ..), dimensions [h S4, (h + 1) S4); rows and keys past
// T read row T - 1. Adjacent pairs of threads read 32 contiguous bytes of one row.
fn stageSlice(h: u32, q0: u32, k0: u32, base: u32, T: u32, lid: u32, qscale: f32) {
  for (var i = 0u; i < NS; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BR;
    let c = ((e >> 1u) / BR) * 2u + (e & 1u);
    qk[c][r] = q[base + min(q0 + r, T - 1u) * D4 + h * S4 + c] * qscale;
    qk[S4 + c][r] = k[base + min(k0 + r, T - 1u) * D4 + h * S4 + c];
  }
}

// V of keys k0 .. k0 + BC - 1, whole rows, adjacent threads adjacent quads.
fn stageValues(k0: u32, base: u32, T: u32, lid: u32) {
  for (var i = 0u; i < NV; i++) {
    let e = lid + i * WG;
    let j = e / D4;
    let c = e % D4;
    qk[j / 2u][(j % 2u) * D4 + c] = v[base + min(k0 + j, T - 1u) * D4 + c];
  }
}

// V(key j, quad col) in the values phase.
fn value(j: u32, col: u32) -> vec4<f32> {
  return qk[j / 2u][(j % 2u) * D4 + col];
}
