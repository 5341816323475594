// Shared by softmax-flash-wide.wgsl and softmax-flash-quad.wgsl (composed by src/gpu/wgsl.ts):
// their workgroup tiles and the K/V tile staging through registers (fetchTile, then commitTile
// after the barrier; with PREFETCH the next tile's loads run under the current tile's work).

var<workgroup> qs: array<array<vec4<f32>, BR>, D4>;  // Q [quad][row]
var<workgroup> kp: array<array<vec4<f32>, KW>, D4>;  // K [quad][key], P [key / 4][POFF + row]
var<workgroup> vs: array<array<vec4<f32>, D4>, BC>;  // V [key][quad]

// This thread's share of a K/V tile (keys k0..k0 + BC - 1; past T, row T - 1), held in registers
// until commitTile writes it to workgroup memory. Adjacent threads read 32 contiguous bytes of K.
// NF <= 16 vec4 of each, in the named members of a struct, not an array: NVIDIA's Vulkan compiler
// kept arrays of vec4 in local memory (docs/PERFORMANCE.md); members past NF fold away.
struct Staged {
  s0: vec4<f32>,
  s1: vec4<f32>,
  s2: vec4<f32>,
  s3: vec4<f32>,
  s4: vec4<f32>,
  s5: vec4<f32>,
  s6: vec4<f32>,
  s7: vec4<f32>,
  s8: vec4<f32>,
  s9: vec4<f32>,
  s10: vec4<f32>,
  s11: vec4<f32>,
  s12: vec4<f32>,
  s13: vec4<f32>,
  s14: vec4<f32>,
  s15: vec4<f32>,
}

var<private> kf: Staged;
var<private> vf: Staged;

// Element i of this thread's share: key row r, quad c of K; key e / D4, quad e % D4 of V.
fn fetchKey(k0: u32, base: u32, T: u32, lid: u32, i: u32) -> vec4<f32> {
  let e = lid + i * WG;
  let r = (e >> 1u) % BC;
  let c = ((e >> 1u) / BC) * 2u + (e & 1u);
  return k[base + min(k0 + r, T - 1u) * D4 + c];
}

fn fetchValue(k0: u32, base: u32, T: u32, lid: u32, i: u32) -> vec4<f32> {
  let e = lid + i * WG;
  return v[base + min(k0 + e / D4, T - 1u) * D4 + e % D4];
}

fn commitKey(x: vec4<f32>, lid: u32, i: u32) {
  let e = lid + i * WG;
  let r = (e >> 1u) % BC;
  let c = ((e >> 1u) / BC) * 2u + (e & 1u);
  kp[c][r] = x;
}

fn commitValue(x: vec4<f32>, lid: u32, i: u32) {
  let e = lid + i * WG;
  vs[e / D4][e % D4] = x;
}

fn fetchKeys(k0: u32, base: u32, T: u32, lid: u32) {
  kf.s0 = fetchKey(k0, base, T, lid, 0u);
  if (NF > 1u) {
    kf.s1 = fetchKey(k0, base, T, lid, 1u);
  }
  if (NF > 2u) {
    kf.s2 = fetchKey(k0, base, T, lid, 2u);
  }
  if (NF > 3u) {
    kf.s3 = fetchKey(k0, base, T, lid, 3u);
  }
  if (NF > 4u) {
    kf.s4 = fetchKey(k0, base, T, lid, 4u);
  }
  if (NF > 5u) {
    kf.s5 = fetchKey(k0, base, T, lid, 5u);
  }
  if (NF > 6u) {
    kf.s6 = fetchKey(k0, base, T, lid, 6u);
  }
  if (NF > 7u) {
    kf.s7 = fetchKey(k0, base, T, lid, 7u);
  }
  if (NF > 8u) {
    kf.s8 = fetchKey(k0, base, T, lid, 8u);
  }
  if (NF > 9u) {
    kf.s9 = fetchKey(k0, base, T, lid, 9u);
  }
  if (NF > 10u) {
    kf.s10 = fetchKey(k0, base, T, lid, 10u);
  }
  if (NF > 11u) {
    kf.s11 = fetchKey(k0, base, T, lid, 11u);
  }
  if (NF > 12u) {
    kf.s12 = fetchKey(k0, base, T, lid, 12u);
  }
  if (NF > 13u) {
    kf.s13 = fetchKey(k0, base, T, lid, 13u);
  }
  if (NF > 14u) {
    kf.s14 = fetchKey(k0, base, T, lid, 14u);
  }
  if (NF > 15u) {
    kf.s15 = fetchKey(k0, base, T, lid, 15u);
  }
}

fn fetchValues(k0: u32, base: u32, T: u32, lid: u32) {
  vf.s0 = fetchValue(k0, base, T, lid, 0u);
  if (NF > 1u) {
    vf.s1 = fetchValue(k0, base, T, lid, 1u);
  }
  if (NF > 2u) {
    vf.s2 = fetchValue(k0, base, T, lid, 2u);
  }
  if (NF > 3u) {
    vf.s3 = fetchValue(k0, base, T, lid, 3u);
  }
  if (NF > 4u) {
    vf.s4 = fetchValue(k0, base, T, lid, 4u);
  }
  if (NF > 5u) {
    vf.s5 = fetchValue(k0, base, T, lid, 5u);
  }
  if (NF > 6u) {
    vf.s6 = fetchValue(k0, base, T, lid, 6u);
  }
  if (NF > 7u) {
    vf.s7 = fetchValue(k0, base, T, lid, 7u);
  }
  if (NF > 8u) {
    vf.s8 = fetchValue(k0, base, T, lid, 8u);
  }
  if (NF > 9u) {
    vf.s9 = fetchValue(k0, base, T, lid, 9u);
  }
  if (NF > 10u) {
    vf.s10 = fetchValue(k0, base, T, lid, 10u);
  }
  if (NF > 11u) {
    vf.s11 = fetchValue(k0, base, T, lid, 11u);
  }
  if (NF > 12u) {
    vf.s12 = fetchValue(k0, base, T, lid, 12u);
  }
  if (NF > 13u) {
    vf.s13 = fetchValue(k0, base, T, lid, 13u);
  }
  if (NF > 14u) {
    vf.s14 = fetchValue(k0, base, T, lid, 14u);
  }
  if (NF > 15u) {
    vf.s15 = fetchValue(k0, base, T, lid, 15u);
  }
}

fn fetchTile(k0: u32, base: u32, T: u32, lid: u32) {
  fetchKeys(k0, base, T, lid);
  fetchValues(k0, base, T, lid);
}

fn commitKeys(lid: u32) {
  commitKey(kf.s0, lid, 0u);
  if (NF > 1u) {
    commitKey(kf.s1, lid, 1u);
  }
  if (NF > 2u) {
    commitKey(kf.s2, lid, 2u);
  }
  if (NF > 3u) {
    commitKey(kf.s3, lid, 3u);
  }
  if (NF > 4u) {
    commitKey(kf.s4, lid, 4u);
  }
  if (NF > 5u) {
    commitKey(kf.s5, lid, 5u);
  }
  if (NF > 6u) {
    commitKey(kf.s6, lid, 6u);
  }
  if (NF > 7u) {
    commitKey(kf.s7, lid, 7u);
  }
  if (NF > 8u) {
    commitKey(kf.s8, lid, 8u);
  }
  if (NF > 9u) {
    commitKey(kf.s9, lid, 9u);
  }
  if (NF > 10u) {
    commitKey(kf.s10, lid, 10u);
  }
  if (NF > 11u) {
    commitKey(kf.s11, lid, 11u);
  }
  if (NF > 12u) {
    commitKey(kf.s12, lid, 12u);
  }
  if (NF > 13u) {
    commitKey(kf.s13, lid, 13u);
  }
  if (NF > 14u) {
    commitKey(kf.s14, lid, 14u);
  }
  if (NF > 15u) {
    commitKey(kf.s15, lid, 15u);
  }
}

fn commitValues(lid: u32) {
  commitValue(vf.s0, lid, 0u);
  if (NF > 1u) {
    commitValue(vf.s1, lid, 1u);
  }
  if (NF > 2u) {
    commitValue(vf.s2, lid, 2u);
  }
  if (NF > 3u) {
    commitValue(vf.s3, lid, 3u);
  }
  if (NF > 4u) {
    commitValue(vf.s4, lid, 4u);
  }
  if (NF > 5u) {
    commitValue(vf.s5, lid, 5u);
  }
  if (NF > 6u) {
    commitValue(vf.s6, lid, 6u);
  }
  if (NF > 7u) {
    commitValue(vf.s7, lid, 7u);
  }
  if (NF > 8u) {
    commitValue(vf.s8, lid, 8u);
  }
  if (NF > 9u) {
    commitValue(vf.s9, lid, 9u);
  }
  if (NF > 10u) {
    commitValue(vf.s10, lid, 10u);
  }
  if (NF > 11u) {
    commitValue(vf.s11, lid, 11u);
  }
  if (NF > 12u) {
    commitValue(vf.s12, lid, 12u);
  }
  if (NF > 13u) {
    commitValue(vf.s13, lid, 13u);
  }
  if (NF > 14u) {
    commitValue(vf.s14, lid, 14u);
  }
  if (NF > 15u) {
    commitValue(vf.s15, lid, 15u);
  }
}

fn commitTile(lid: u32) {
  commitKeys(lid);
  commitValues(lid);
}

// Tile t (of a walk that ends before tEnd) into workgroup memory, once every thread is done with
// the previous one; with PREFETCH, the next tile's loads then run under this tile's work. The
// walk's first tile must be fetched before its first call (fetchTile(tBegin * BC, ...)).
fn stageTile(t: u32, tEnd: u32, base: u32, T: u32, lid: u32) {
  let k0 = t * BC;
  workgroupBarrier();
  if (!PREFETCH) {
    fetchTile(k0, base, T, lid);
  }
  commitTile(lid);
  workgroupBarrier();
  if (PREFETCH && t + 1u < tEnd) {
    fetchTile(k0 + BC, base, T, lid);
  }
}
