// Linear attention as an RNN (Katharopoulos et al. 2020), with many threads per state column:
//   S_i = S_{i-1} + phi(k_i) v_i^T,  z_i = z_{i-1} + phi(k_i),
//   y_i = phi(q_i) S_i  divided by phi(q_i).z_i + eps if NORMALIZE;
// with the gate on (gate-on.wgsl, gated-recurrent), S_i = a_i S_{i-1} + phi(k_i) v_i^T and
// z_i = a_i z_{i-1} + phi(k_i), a_i = exp(g_i) <= 1.
//
// The recurrence's only sequential dependency is one FMA per state element per token; everything
// else (the output's dot product over the rows of S) is off that chain. So the state is spread
// over as many threads as the card can run: thread (p, c) of a workgroup holds rows
// R p .. R p + R - 1 (R = D / RP, in NV = R / 4 vec4 registers) of column col0 + c, and per token
// does R FMAs of update and R of its share of phi(q_i) S_i. Its share goes to workgroup memory;
// after a block of TB tokens one barrier, the RP shares of each (token, column) are summed, a
// second barrier, and the block's outputs are written. The normaliser z is one more column, c = CB,
// whose v is 1 (z_i is S's column for v = 1, and phi(q_i).z_i its output): the same code, on
// threads of their own (p is the fastest index, so z's RP threads sit together in the last warp).
// phi(k), phi(q) and v come straight from storage (every thread of a column group reads the same
// rows; the L1 cache serves them); the feature map is applied beforehand
// (linear-feature-map-pass.wgsl), so FEATURE_MAP is the identity here.
// Loops run to literal bounds with constant guards (i < NV) so the driver unrolls them and keeps
// the state in registers (see linear-chunked-output.wgsl); tokens past the range get v = 0 (and a
// decay of 1), which leaves the state unchanged, and are never written.
// A dispatch covers tokens [tokenBegin, tokenEnd): the state is loaded from stateIn and stored to
// stateOut around it (layout [heads][D * D state S, then D normaliser z], as linear-recurrent.wgsl).
// Workgroup memory: TB WG (2 TB WG with ONE_BARRIER) + TB CZ floats.

override D: u32 = 64u;
override RP: u32 = 16u; // threads per column: D / RP rows each, a multiple of 4, at most 64
override CB: u32 = 8u; // columns of S per workgroup (dividing D)
override TB: u32 = 16u; // tokens per block (between the barriers)
override NORMALIZE: bool = true;
// One barrier per block instead of two: the shares double-buffered, each output summing its own
// (and z's) RP shares.
override ONE_BARRIER: bool = false;
override NV: u32 = D / (4u * RP); // vec4s of the column per thread, 1 .. 16
override CZ: u32 = CB + select(0u, 1u, NORMALIZE); // columns with z
override WG: u32 = CZ * RP;
override SUM_STEPS: u32 = (TB * CZ + WG - 1u) / WG; // reduction steps per thread
override OUT_STEPS: u32 = (TB * CB + WG - 1u) / WG; // output steps per thread

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
@group(0) @binding(5) var<storage, read> stateIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> stateOut: array<f32>;

// [half][token][row part][column] (no bank conflicts); two halves with ONE_BARRIER.
var<workgroup> shares: array<f32, TB * WG * select(1u, 2u, ONE_BARRIER)>;
var<workgroup> sums: array<f32, TB * CZ>; // [token][column]: y's numerator, then z's

// The RP shares of one (token, column) starting at shares[first]: four independent sums, not one
// chain of RP dependent adds.
fn sumShares(first: u32) -> f32 {
  var acc = vec4<f32>(0.0);
  for (var pp = 0u; pp < RP; pp += 4u) {
    acc.x += shares[first + pp * CZ];
    if (pp + 1u < RP) {
      acc.y += shares[first + (pp + 1u) * CZ];
    }
    if (pp + 2u < RP) {
      acc.z += shares[first + (pp + 2u) * CZ];
    }
    if (pp + 3u < RP) {
      acc.w += shares[first + (pp + 3u) * CZ];
    }
  }
  return (acc.x + acc.y) + (acc.z + acc.w);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let blocksPerHead = D / CB;
  let w = params.workgroupOffset + wid.x;
  let head = w / blocksPerHead;
  let col0 = (w % blocksPerHead) * CB;
  let p = lid % RP;
  let c = lid / RP;
  let isZ = c == CB; // only with NORMALIZE
  let col = col0 + min(c, CB - 1u); // z's threads read some v and ignore it
  let T = params.tokens;
  let D4 = D / 4u;
  let base = head * T * D;
  let stateBase = head * D * (D + 1u);
  let end = params.tokenEnd;

  var s: array<vec4<f32>, 16>; // [i]: rows R p + 4 i .. + 3 of the column (or of z)
  for (var i = 0u; i < 16u; i++) {
    if (i < NV) {
      let r = 4u * (NV * p + i);
      var sv = vec4<f32>(0.0);
      if (params.tokenBegin != 0u) {
        if (isZ) {
          let zb = stateBase + D * D + r;
          sv = vec4<f32>(stateIn[zb], stateIn[zb + 1u], stateIn[zb + 2u], stateIn[zb + 3u]);
        } else {
          let sb = stateBase + r * D + col;
          sv = vec4<f32>(stateIn[sb], stateIn[sb + D], stateIn[sb + 2u * D], stateIn[sb + 3u * D]);
        }
      }
      s[i] = sv;
    }
  }

  var half = 0u; // where this block's shares go: 0, or TB WG with ONE_BARRIER every other block
  for (var t0 = params.tokenBegin; t0 < end; t0 += TB) {
    let n = min(TB, end - t0);
    for (var t = 0u; t < TB; t++) {
      let live = t < n;
      let tk = min(t0 + t, end - 1u);
      let row = (base + tk * D) / 4u + NV * p;
      let vi = select(0.0, select(v[base + tk * D + col], 1.0, isZ), live);
      var a = 1.0;
      if (GATED) {
        a = select(1.0, exp(gate(head * T + tk)), live);
      }
      var num = vec4<f32>(0.0);
      for (var i = 0u; i < 16u; i++) {
        if (i < NV) {
          let kk = phi4(k[row + i]);
          let qq = phi4(q[row + i]);
          s[i] = fma(kk, vec4<f32>(vi), select(s[i], a * s[i], GATED));
          num = fma(qq, s[i], num);
        }
      }
      shares[half + t * WG + p * CZ + c] = (num.x + num.y) + (num.z + num.w);
    }
    workgroupBarrier();
    if (ONE_BARRIER) {
      // The block's outputs straight from its half of the shares (the next block writes the other
      // half, and the one after waits at the next barrier for every read here).
      for (var j = 0u; j < OUT_STEPS; j++) {
        let e = lid + j * WG;
        let t = e / CB;
        if (e < TB * CB && t < n) {
          let cc = e % CB;
          var y = sumShares(half + t * WG + cc);
          if (NORMALIZE) {
            y = y / (sumShares(half + t * WG + CB) + EPS);
          }
          out[base + (t0 + t) * D + col0 + cc] = y;
        }
      }
      half = TB * WG - half;
    } else {
      // The RP shares of each (token, column), z's included, summed.
      for (var j = 0u; j < SUM_STEPS; j++) {
        let e = lid + j * WG;
        if (e < TB * CZ) {
          sums[e] = sumShares((e / CZ) * WG + e % CZ);
        }
      }
      workgroupBarrier();
      // The next block's shares may be written now (every sum above is taken); the sums are read
      // here before the next block's first barrier.
      for (var j = 0u; j < OUT_STEPS; j++) {
        let e = lid + j * WG;
        let t = e / CB;
        if (e < TB * CB && t < n) {
          let cc = e % CB;
          var y = sums[t * CZ + cc];
          if (NORMALIZE) {
            y = y / (sums[t * CZ + CB] + EPS);
          }
          out[base + (t0 + t) * D + col0 + cc] = y;
        }
      }
    }
  }

  for (var i = 0u; i < 16u; i++) {
    if (i < NV) {
      let r = 4u * (NV * p + i);
      if (isZ) {
        if (col0 == 0u) {
          let zb = stateBase + D * D + r;
          stateOut[zb] = s[i].x;
          stateOut[zb + 1u] = s[i].y;
          stateOut[zb + 2u] = s[i].z;
          stateOut[zb + 3u] = s[i].w;
        }
      } else if (c < CB) {
        let sb = stateBase + r * D + col;
        stateOut[sb] = s[i].x;
        stateOut[sb + D] = s[i].y;
        stateOut[sb + 2u * D] = s[i].z;
        stateOut[sb + 3u * D] = s[i].w;
      }
    }
  }
}
