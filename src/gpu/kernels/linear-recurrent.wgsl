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

  var s: array<vec4<f32>, 4>; // [i]: rows 16 p + 4 i .. + 3 of column col
  var z: array<vec4<f32>, 4>; // [i]: the same rows of z
  for (var i = 0u; i < 4u; i++) {
    let r = 16u * p + 4u * i;
    var sv = vec4<f32>(0.0);
    var zv = vec4<f32>(0.0);
    if (!fresh) {
      sv = vec4<f32>(
        stateIn[stateBase + r * D + col],
        stateIn[stateBase + (r + 1u) * D + col],
        stateIn[stateBase + (r + 2u) * D + col],
        stateIn[stateBase + (r + 3u) * D + col],
      );
      zv = vec4<f32>(
        stateIn[stateBase + D * D + r],
        stateIn[stateBase + D * D + r + 1u],
        stateIn[stateBase + D * D + r + 2u],
        stateIn[stateBase + D * D + r + 3u],
      );
    }
    s[i] = sv;
    z[i] = zv;
  }
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
      var num = vec4<f32>(0.0);
      var den = vec4<f32>(0.0);
      for (var i = 0u; i < 4u; i++) {
        let kk = kf[t * D4 + 4u * p + i];
        let qq = qf[t * D4 + 4u * p + i];
        s[i] = fma(kk, vi, select(s[i], a * s[i], GATED));
        num = fma(qq, s[i], num);
        if (NORMALIZE) {
          z[i] = select(z[i], a * z[i], GATED) + kk;
          den = fma(qq, z[i], den);
        }
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
  for (var i = 0u; i < 4u; i++) {
    let r = 16u * p + 4u * i;
    stateOut[stateBase + r * D + col] = s[i].x;
    stateOut[stateBase + (r + 1u) * D + col] = s[i].y;
    stateOut[stateBase + (r + 2u) * D + col] = s[i].z;
    stateOut[stateBase + (r + 3u) * D + col] = s[i].w;
    if (c == 0u && col0 == 0u) {
      stateOut[stateBase + D * D + r] = z[i].x;
      stateOut[stateBase + D * D + r + 1u] = z[i].y;
      stateOut[stateBase + D * D + r + 2u] = z[i].z;
      stateOut[stateBase + D * D + r + 3u] = z[i].w;
    }
  }
}
