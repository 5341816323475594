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
  var num = 0.0;
  for (var r = 0u; r < D; r++) {
    let i = stateBase + r * D + col;
    let s = fma(kf[r], vc, a * state[i]);
    state[i] = s;
    num = fma(qf[r], s, num);
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
