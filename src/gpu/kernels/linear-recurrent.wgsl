// Linear attention as an RNN (shared/reference/algorithms.md, (c)):
//   S_i = S_{i-1} + phi(k_i) v_i^T,  z_i = z_{i-1} + phi(k_i),
//   y_i = phi(q_i) S_i  divided by phi(q_i).z_i + eps if NORMALIZE.
// Sequential over tokens, parallel over heads and state columns. One workgroup owns CB columns of
// one head's S; each thread keeps its whole column (D floats) in registers. Tokens arrive in blocks
// of TB: phi(k), phi(q) and v rows are staged once in workgroup memory and broadcast to every
// thread. The normaliser z is split over the threads by rows (row lid + CB m); per block they write
// phi(q_i)[r] z_i[r] and reduce it to one denominator per token.
// A dispatch covers tokens [tokenBegin, tokenEnd): the state is loaded from and stored to `state`
// around it, so a long sequence runs as several bounded dispatches.
// Workgroup memory: 4 TB D + TB floats (8 KiB at TB D = 512).

override D: u32 = 64u;
override CB: u32 = 32u; // columns per workgroup, min(D, 32)
override TB: u32 = 8u; // tokens staged per block
override NORMALIZE: bool = true;
const EPS: f32 = 1e-6; // NORMALIZER_EPS in types.ts

const MAX_D: u32 = 128u;
const MAX_ZR: u32 = 8u; // D / CB

struct Params {
  tokens: u32,
  tokenBegin: u32,
  tokenEnd: u32,
  workgroupOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// [heads][D * D state S, then D normaliser z]
@group(0) @binding(5) var<storage, read_write> state: array<f32>;

var<workgroup> kf: array<f32, TB * D>;
var<workgroup> qf: array<f32, TB * D>;
var<workgroup> vv: array<f32, TB * D>;
var<workgroup> qz: array<f32, TB * D>;
var<workgroup> dens: array<f32, TB>;

@compute @workgroup_size(CB)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let blocksPerHead = D / CB;
  let w = params.workgroupOffset + wid.x;
  let head = w / blocksPerHead;
  let col = (w % blocksPerHead) * CB + lid;
  let T = params.tokens;
  let base = head * T * D;
  let stateBase = head * D * (D + 1u);
  let ZR = D / CB;
  let fresh = params.tokenBegin == 0u;

  var s: array<f32, MAX_D>;
  var z: array<f32, MAX_ZR>;
  for (var r = 0u; r < D; r++) {
    s[r] = select(state[stateBase + r * D + col], 0.0, fresh);
  }
  for (var m = 0u; m < ZR; m++) {
    z[m] = select(state[stateBase + D * D + lid + CB * m], 0.0, fresh);
  }
  for (var t0 = params.tokenBegin; t0 < params.tokenEnd; t0 += TB) {
    let n = min(TB, params.tokenEnd - t0);
    for (var e = lid; e < n * D; e += CB) {
      let g = base + t0 * D + e;
      kf[e] = phi(k[g]);
      qf[e] = phi(q[g]);
      vv[e] = v[g];
    }
    workgroupBarrier();
    if (NORMALIZE) {
      for (var i = 0u; i < n; i++) {
        for (var m = 0u; m < ZR; m++) {
          let r = i * D + lid + CB * m;
          z[m] += kf[r];
          qz[r] = qf[r] * z[m];
        }
      }
      workgroupBarrier();
      for (var i = lid; i < n; i += CB) {
        var sum = 0.0;
        for (var r = 0u; r < D; r++) {
          sum += qz[i * D + r];
        }
        dens[i] = sum;
      }
      workgroupBarrier();
    }
    for (var i = 0u; i < n; i++) {
      let vi = vv[i * D + col];
      var num = 0.0;
      for (var r = 0u; r < D; r++) {
        s[r] = fma(kf[i * D + r], vi, s[r]);
        num = fma(qf[i * D + r], s[r], num);
      }
      var y = num;
      if (NORMALIZE) {
        y = num / (dens[i] + EPS);
      }
      out[base + (t0 + i) * D + col] = y;
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < D; r++) {
    state[stateBase + r * D + col] = s[r];
  }
  if (col < CB) {
    for (var m = 0u; m < ZR; m++) {
      state[stateBase + D * D + lid + CB * m] = z[m];
    }
  }
}
