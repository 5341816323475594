// One generation step of linear attention from its recurrent state (Katharopoulos et al.,
// "Transformers are RNNs", 2020): S += phi(k) v^T, z += phi(k), y = phi(q) S / (phi(q).z + eps).
// The cost is the same at every position: the state, not the history, is what the step reads. With
// GATED, the state first decays by the token's a = exp(g) (gated linear attention, Yang et al. 2023):
// S = a S + phi(k) v^T, z = a z + phi(k).
// One workgroup per head, one thread per state column (D threads); phi(k) and phi(q) are broadcast
// through workgroup memory; the denominator is a tree reduction over the D threads.

override D: u32 = 64u;
override NORMALIZE: bool = true;
override GATED: bool = false;

struct Params {
  heads: u32,
  // Heads per row of the dispatch grid (the grid is 2-D past 65,535 heads).
  gridWidth: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// [q, k, v][heads][D], then (GATED) the log-decays g [heads]
@group(0) @binding(1) var<storage, read> token: array<f32>;
// [heads][D * D state S, then D normaliser z]
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
// [heads][D]
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> kf: array<f32, D>;
var<workgroup> qf: array<f32, D>;
var<workgroup> partial: array<f32, D>;

// State elements i, i + D, i + 2 D, i + 3 D: rows r .. r + 3 of one column (D is a multiple of 16).
fn loadRows4(i: u32) -> vec4<f32> {
  return vec4<f32>(state[i], state[i + D], state[i + 2u * D], state[i + 3u * D]);
}

// Rows r .. r + 3 of the column, whose old values are `old`, updated and stored
// (S = a S + phi(k) v^T); returns num + their share of phi(q) S.
fn updateRows4(i: u32, r: u32, old: vec4<f32>, vc: f32, a: f32, num: f32) -> f32 {
  let s = fma(vec4<f32>(kf[r], kf[r + 1u], kf[r + 2u], kf[r + 3u]), vec4<f32>(vc), a * old);
  state[i] = s.x;
  state[i + D] = s.y;
  state[i + 2u * D] = s.z;
  state[i + 3u * D] = s.w;
  return fma(qf[r + 3u], s.w, fma(qf[r + 2u], s.z, fma(qf[r + 1u], s.y, fma(qf[r], s.x, num))));
}

@compute @workgroup_size(D)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) col: u32) {
  let head = wid.x + wid.y * params.gridWidth;
  // Uniform per workgroup: the whole workgroup leaves together, before any barrier.
  if (head >= params.heads) {
    return;
  }
  let row = head * D;
  let plane = params.heads * D;
  kf[col] = phi(token[plane + row + col]);
  qf[col] = phi(token[row + col]);
  let vc = token[2u * plane + row + col];
  var a = 1.0;
  if (GATED) {
    a = exp(token[3u * plane + head]);
  }
  let stateBase = head * D * (D + 1u);
  // Thread col also owns z[col].
  let zi = stateBase + D * D + col;
  let zc = fma(a, state[zi], kf[col]);
  state[zi] = zc;
  partial[col] = qf[col] * zc;
  workgroupBarrier();
  // Sixteen rows of the column at a time, all loaded before any is stored: the compiler cannot tell
  // that a store and a later load of `state` touch different elements, so row by row each load
  // waited for the store before it, one memory latency per row.
  var num = 0.0;
  for (var r = 0u; r < D; r += 16u) {
    let i = stateBase + r * D + col;
    let s0 = loadRows4(i);
    let s1 = loadRows4(i + 4u * D);
    let s2 = loadRows4(i + 8u * D);
    let s3 = loadRows4(i + 12u * D);
    num = updateRows4(i, r, s0, vc, a, num);
    num = updateRows4(i + 4u * D, r + 4u, s1, vc, a, num);
    num = updateRows4(i + 8u * D, r + 8u, s2, vc, a, num);
    num = updateRows4(i + 12u * D, r + 12u, s3, vc, a, num);
  }
  for (var stride = D / 2u; stride > 0u; stride /= 2u) {
    if (col < stride) {
      partial[col] += partial[col + stride];
    }
    workgroupBarrier();
  }
  var y = num;
  if (NORMALIZE) {
    y = num / (partial[0] + EPS);
  }
  out[row + col] = y;
}
