// Shared by softmax-flash-wide.wgsl and softmax-flash-quad.wgsl (composed by src/gpu/wgsl.ts):
// their workgroup tiles and the K/V tile staging through registers (fetchTile, then commitTile
// after the barrier; with PREFETCH the next tile's loads run under the current tile's work).

var<workgroup> qs: array<array<vec4<f32>, BR>, D4>;  // Q [quad][row]
var<workgroup> kp: array<array<vec4<f32>, KW>, D4>;  // K [quad][key], P [key / 4][POFF + row]
var<workgroup> vs: array<array<vec4<f32>, D4>, BC>;  // V [key][quad]

// This thread's share of a K/V tile (keys k0..k0 + BC - 1; past T, row T - 1), held in registers
// until commitTile writes it to workgroup memory. Adjacent threads read 32 contiguous bytes of K.
var<private> kf: array<vec4<f32>, NF>;
var<private> vf: array<vec4<f32>, NF>;

fn fetchKeys(k0: u32, base: u32, T: u32, lid: u32) {
  for (var i = 0u; i < NF; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BC;
    let c = ((e >> 1u) / BC) * 2u + (e & 1u);
    kf[i] = k[base + min(k0 + r, T - 1u) * D4 + c];
  }
}

fn fetchValues(k0: u32, base: u32, T: u32, lid: u32) {
  for (var i = 0u; i < NF; i++) {
    let e = lid + i * WG;
    vf[i] = v[base + min(k0 + e / D4, T - 1u) * D4 + e % D4];
  }
}

fn fetchTile(k0: u32, base: u32, T: u32, lid: u32) {
  fetchKeys(k0, base, T, lid);
  fetchValues(k0, base, T, lid);
}

fn commitKeys(lid: u32) {
  for (var i = 0u; i < NF; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BC;
    let c = ((e >> 1u) / BC) * 2u + (e & 1u);
    kp[c][r] = kf[i];
  }
}

fn commitValues(lid: u32) {
  for (var i = 0u; i < NF; i++) {
    let e = lid + i * WG;
    vs[e / D4][e % D4] = vf[i];
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
