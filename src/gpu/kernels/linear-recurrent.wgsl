// Linear attention as an RNN (Katharopoulos et al. 2020):
//   S_i = S_{i-1} + phi(k_i) v_i^T,  z_i = z_{i-1} + phi(k_i),
//   y_i = phi(q_i) S_i  divided by phi(q_i).z_i + eps if NORMALIZE.
// With the gate on (gate-on.wgsl, the gated-recurrent form), each token first decays the state by
// a_i = exp(g_i) <= 1: S_i = a_i S_{i-1} + phi(k_i) v_i^T, z_i = a_i z_{i-1} + phi(k_i).
// Sequential over tokens, parallel over heads, state columns and state rows. One workgroup owns CB
// columns of one head's S; each column is split over RP = D / 16 threads by rows, so thread
// (p, c) keeps rows 16 p .. 16 p + 15 of column c in four vec4 registers (literal-bound loops
// only: see linear-chunked-output.wgsl) and its per-token dependency chain is 4 FMAs long, not D.
// Tokens arrive in blocks of TB: phi(k) and phi(q) rows and the workgroup's v columns are staged
// once in workgroup memory and broadcast. Each thread leaves its partial numerator (and partial
// denominator, phi(q_i) . z_i over its rows) per token in workgroup memory; after the block, the
// partials are summed per (token, column) and written out.
// A dispatch covers tokens [tokenBegin, tokenEnd): the state is loaded from stateIn and stored to
// stateOut around it, so a long sequence runs as several bounded dispatches.
// Workgroup memory: 2 TB D + TB CB + TB RP CB + TB RP (+ TB with the gate) floats.

override D: u32 = 64u;
override CB: u32 = 32u; // columns per workgroup, min(D, 32)
override TB: u32 = 16u; // tokens staged per block
override NORMALIZE: bool = true;
override RP: u32 = D / 16u; // threads per column, 16 rows each
override WG: u32 = CB * RP;
override KQ_STEPS: u32 = (TB * D / 4u + WG - 1u) / WG; // staging steps for phi(k), phi(q)
override V_STEPS: u32 = (TB * CB + WG - 1u) / WG; // staging steps for v, and output steps

struct Params {
  tokens: u32,
  tokenBegin: u32,
  tokenEnd: u32,
  workgroupOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// [heads][D * D state S, then D normaliser z]: the state entering this dispatch (unread by the
// first) and the state leaving it. Two buffers: the workgroups of one dispatch do not run at once,
// and every workgroup of a head reads z, which one of them writes.
@group(0) @binding(5) var<storage, read> stateIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> stateOut: array<f32>;

var<workgroup> kf: array<vec4<f32>, TB * D / 4u>; // [token][row / 4]
var<workgroup> qf: array<vec4<f32>, TB * D / 4u>;
var<workgroup> vv: array<f32, TB * CB>; // [token][column]
var<workgroup> nums: array<f32, TB * RP * CB>; // [token][row part][column]
var<workgroup> dens: array<f32, TB * RP>; // [token][row part]
var<workgroup> decays: array<f32, TB>; // [token]: a_i = exp(g_i), with the gate on

// Rows r .. r + 3 of state column col entering this dispatch (zero for the first dispatch).
fn loadColumnRows(stateBase: u32, col: u32, r: u32, fresh: bool) -> vec4<f32> {
  if (fresh) {
    return vec4<f32>(0.0);
  }
  let b = stateBase + r * D + col;
  return vec4<f32>(stateIn[b], stateIn[b + D], stateIn[b + 2u * D], stateIn[b + 3u * D]);
}

// Rows r .. r + 3 of z entering this dispatch (zero for the first dispatch).
fn loadNormalizerRows(stateBase: u32, r: u32, fresh: bool) -> vec4<f32> {
  if (fresh) {
    return vec4<f32>(0.0);
  }
  let b = stateBase + D * D + r;
  return vec4<f32>(stateIn[b], stateIn[b + 1u], stateIn[b + 2u], stateIn[b + 3u]);
}

fn storeColumnRows(stateBase: u32, col: u32, r: u32, x: vec4<f32>) {
  let b = stateBase + r * D + col;
  stateOut[b] = x.x;
  stateOut[b + D] = x.y;
  stateOut[b + 2u * D] = x.z;
  stateOut[b + 3u * D] = x.w;
}

fn storeNormalizerRows(stateBase: u32, r: u32, x: vec4<f32>) {
  let b = stateBase + D * D + r;
  stateOut[b] = x.x;
  stateOut[b + 1u] = x.y;
  stateOut[b + 2u] = x.z;
  stateOut[b + 3u] = x.w;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let blocksPerHead = D / CB;
  let w = params.workgroupOffset + wid.x;
  let head = w / blocksPerHead;
  let col0 = (w % blocksPerHead) * CB;
  let c = lid % CB;
  let p = lid / CB;
  let col = col0 + c;
  let T = params.tokens;
  let D4 = D / 4u;
  let base = head * T * D;
  let stateBase = head * D * (D + 1u);
  let fresh = params.tokenBegin == 0u;

  // Rows 16 p + 4 i .. + 3 of column col (s_i) and of z (z_i), i < 4: named registers, not an
  // array. NVIDIA's Vulkan compiler kept function-scope arrays of vec4 indexed by loop counters in
  // local memory (measured in softmax-flash, docs/PERFORMANCE.md), which would put every token's
  // state update through a memory round trip.
  var s0 = loadColumnRows(stateBase, col, 16u * p, fresh);
  var s1 = loadColumnRows(stateBase, col, 16u * p + 4u, fresh);
  var s2 = loadColumnRows(stateBase, col, 16u * p + 8u, fresh);
  var s3 = loadColumnRows(stateBase, col, 16u * p + 12u, fresh);
  var z0 = loadNormalizerRows(stateBase, 16u * p, fresh);
  var z1 = loadNormalizerRows(stateBase, 16u * p + 4u, fresh);
  var z2 = loadNormalizerRows(stateBase, 16u * p + 8u, fresh);
  var z3 = loadNormalizerRows(stateBase, 16u * p + 12u, fresh);
  for (var t0 = params.tokenBegin; t0 < params.tokenEnd; t0 += TB) {
    let n = min(TB, params.tokenEnd - t0);
    // Staging and the token loop run a fixed number of steps (literal bounds: the compiler unrolls
    // them, lets the reads of later tokens run ahead of the state's FMA chain, and WebGPU's
    // robustness clamps fold); tokens past n are staged as zeros (and a decay of 1), so they leave s
    // and z unchanged, and their outputs are never written.
    for (var i = 0u; i < KQ_STEPS; i++) {
      let e = lid + i * WG;
      if (e < TB * D4) {
        var kx = vec4<f32>(0.0);
        var qx = vec4<f32>(0.0);
        if (e / D4 < n) {
          let g = (base + t0 * D) / 4u + e;
          kx = phi4(k[g]);
          qx = phi4(q[g]);
        }
        kf[e] = kx;
        qf[e] = qx;
      }
    }
    for (var i = 0u; i < V_STEPS; i++) {
      let e = lid + i * WG;
      if (e < TB * CB) {
        var x = 0.0;
        if (e / CB < n) {
          x = v[base + (t0 + e / CB) * D + col0 + e % CB];
        }
        vv[e] = x;
      }
    }
    if (GATED) {
      // Padding tokens (past n) decay by 1: they must leave the state as it is.
      for (var e = lid; e < TB; e += WG) {
        var a = 1.0;
        if (e < n) {
          a = exp(gate(head * T + t0 + e));
        }
        decays[e] = a;
      }
    }
    workgroupBarrier();
    for (var t = 0u; t < TB; t++) {
      let vi = vec4<f32>(vv[t * CB + c]);
      var a = 1.0;
      if (GATED) {
        a = decays[t];
      }
      let kb = t * D4 + 4u * p;
      let k0 = kf[kb];
      let k1 = kf[kb + 1u];
      let k2 = kf[kb + 2u];
      let k3 = kf[kb + 3u];
      let q0 = qf[kb];
      let q1 = qf[kb + 1u];
      let q2 = qf[kb + 2u];
      let q3 = qf[kb + 3u];
      s0 = fma(k0, vi, select(s0, a * s0, GATED));
      s1 = fma(k1, vi, select(s1, a * s1, GATED));
      s2 = fma(k2, vi, select(s2, a * s2, GATED));
      s3 = fma(k3, vi, select(s3, a * s3, GATED));
      // Two chains of two, off the state's own chain.
      let num = fma(q1, s1, q0 * s0) + fma(q3, s3, q2 * s2);
      var den = vec4<f32>(0.0);
      if (NORMALIZE) {
        z0 = select(z0, a * z0, GATED) + k0;
        z1 = select(z1, a * z1, GATED) + k1;
        z2 = select(z2, a * z2, GATED) + k2;
        z3 = select(z3, a * z3, GATED) + k3;
        den = fma(q1, z1, q0 * z0) + fma(q3, z3, q2 * z2);
      }
      nums[(t * RP + p) * CB + c] = (num.x + num.y) + (num.z + num.w);
      if (NORMALIZE && c == 0u) {
        dens[t * RP + p] = (den.x + den.y) + (den.z + den.w);
      }
    }
    workgroupBarrier();
    for (var i = 0u; i < V_STEPS; i++) {
      let e = lid + i * WG;
      let t = e / CB;
      if (e < TB * CB && t < n) {
        let cc = e % CB;
        var num = 0.0;
        var den = 0.0;
        for (var pp = 0u; pp < RP; pp++) {
          num += nums[(t * RP + pp) * CB + cc];
          den += dens[t * RP + pp];
        }
        var y = num;
        if (NORMALIZE) {
          y = num / (den + EPS);
        }
        out[base + (t0 + t) * D + col0 + cc] = y;
      }
    }
    workgroupBarrier();
  }
  storeColumnRows(stateBase, col, 16u * p, s0);
  storeColumnRows(stateBase, col, 16u * p + 4u, s1);
  storeColumnRows(stateBase, col, 16u * p + 8u, s2);
  storeColumnRows(stateBase, col, 16u * p + 12u, s3);
  if (c == 0u && col0 == 0u) {
    storeNormalizerRows(stateBase, 16u * p, z0);
    storeNormalizerRows(stateBase, 16u * p + 4u, z1);
    storeNormalizerRows(stateBase, 16u * p + 8u, z2);
    storeNormalizerRows(stateBase, 16u * p + 12u, z3);
  }
}
