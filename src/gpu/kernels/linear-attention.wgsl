// Linear attention in its attention (quadratic) form, tiled (shared/reference/algorithms.md, (b)):
//   y_i = sum_{j<=i} (phi(q_i).phi(k_j)) v_j,  divided by sum_{j<=i} phi(q_i).phi(k_j) + eps if NORMALIZE.
// One workgroup owns BQ query rows of one head and walks key tiles of BK from key 0 to its last
// row, so tiles above the diagonal are never touched. Unlike softmax there is no running max and
// no rescaling: numerator and denominator accumulate across tiles directly.
//
// 256 threads as a 16 x 16 grid. Thread (ty, tx) owns query rows ty + 16 m (m < BQ / 16); for the
// scores it owns keys tx + 16 n (n < BK / 16), for the output columns tx + 16 n (n < D / 16).
// Strided ownership keeps neighbouring threads on neighbouring words: coalesced global loads and
// stores, conflict-free (or broadcast) workgroup reads. Scores stay in registers until the causal
// mask, then pass through workgroup memory once to feed the A V product.
// Workgroup memory: (BQ + BK) * DS + BQ * BK + VROWS * D floats (16 KiB in the smallest tiling).

override D: u32 = 64u; // head dimension: 16, 32, 64 or 128
override BQ: u32 = 64u; // query rows per workgroup: 16, 32 or 64
override BK: u32 = 32u; // keys per tile: 16, 32 or 64
override DS: u32 = 16u; // feature columns staged per step of the score product
override VROWS: u32 = 4u; // value rows staged per step of the A V product (divides BK)
override NORMALIZE: bool = true;
const EPS: f32 = 1e-6; // NORMALIZER_EPS in types.ts

// Register arrays are sized for the largest tiling; loops run to the override bounds.
const MAX_M: u32 = 4u; // BQ / 16
const MAX_NK: u32 = 4u; // BK / 16
const MAX_N: u32 = 8u; // D / 16

struct Params {
  tokens: u32,
  // This dispatch covers workgroups [workgroupOffset, workgroupOffset + count) of the whole grid.
  workgroupOffset: u32,
  blocksPerHead: u32,
  headBase: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> qs: array<f32, BQ * DS>;
var<workgroup> ks: array<f32, BK * DS>;
var<workgroup> scores: array<f32, BQ * BK>;
var<workgroup> vs: array<f32, VROWS * D>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = params.workgroupOffset + wid.x;
  let head = params.headBase + w / params.blocksPerHead;
  let q0 = (w % params.blocksPerHead) * BQ;
  let T = params.tokens;
  let base = head * T * D;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let MR = BQ / 16u;
  let NK = BK / 16u;
  let NV = D / 16u;

  var acc: array<array<f32, MAX_N>, MAX_M>;
  var den: array<f32, MAX_M>;
  for (var m = 0u; m < MAX_M; m++) {
    den[m] = 0.0;
    for (var n = 0u; n < MAX_N; n++) {
      acc[m][n] = 0.0;
    }
  }
  let keyEnd = min(q0 + BQ, T);
  for (var k0 = 0u; k0 < keyEnd; k0 += BK) {
    // Scores S = phi(Q_blk) phi(K_tile)^T, feature slice by feature slice.
    // Zeroed explicitly: a declaration in a loop body is not reliably re-zeroed by every compiler.
    var s: array<array<f32, MAX_NK>, MAX_M>;
    for (var m = 0u; m < MR; m++) {
      for (var n = 0u; n < NK; n++) {
        s[m][n] = 0.0;
      }
    }
    for (var d0 = 0u; d0 < D; d0 += DS) {
      for (var e = lid; e < BQ * DS; e += 256u) {
        let row = q0 + e / DS;
        var x = 0.0;
        if (row < T) {
          x = phi(q[base + row * D + d0 + e % DS]);
        }
        qs[e] = x;
      }
      for (var e = lid; e < BK * DS; e += 256u) {
        let key = k0 + e / DS;
        var x = 0.0;
        if (key < T) {
          x = phi(k[base + key * D + d0 + e % DS]);
        }
        ks[e] = x;
      }
      workgroupBarrier();
      for (var c = 0u; c < DS; c++) {
        var a: array<f32, MAX_M>;
        var b: array<f32, MAX_NK>;
        for (var m = 0u; m < MR; m++) {
          a[m] = qs[(ty + 16u * m) * DS + c];
        }
        for (var n = 0u; n < NK; n++) {
          b[n] = ks[(tx + 16u * n) * DS + c];
        }
        for (var m = 0u; m < MR; m++) {
          for (var n = 0u; n < NK; n++) {
            s[m][n] = fma(a[m], b[n], s[m][n]);
          }
        }
      }
      workgroupBarrier();
    }
    // Causal mask, inclusive (j <= i); keys past the end are masked by the same test.
    for (var m = 0u; m < MR; m++) {
      let r = ty + 16u * m;
      for (var n = 0u; n < NK; n++) {
        let c = tx + 16u * n;
        scores[r * BK + c] = select(0.0, s[m][n], k0 + c <= q0 + r);
      }
    }
    workgroupBarrier();
    if (NORMALIZE) {
      for (var m = 0u; m < MR; m++) {
        let r = (ty + 16u * m) * BK;
        for (var j = 0u; j < BK; j++) {
          den[m] += scores[r + j];
        }
      }
    }
    // Numerator += S V_tile, VROWS value rows at a time.
    for (var j0 = 0u; j0 < BK; j0 += VROWS) {
      for (var e = lid; e < VROWS * D; e += 256u) {
        let key = k0 + j0 + e / D;
        var x = 0.0;
        if (key < T) {
          x = v[base + key * D + e % D];
        }
        vs[e] = x;
      }
      workgroupBarrier();
      for (var jj = 0u; jj < VROWS; jj++) {
        var a: array<f32, MAX_M>;
        var b: array<f32, MAX_N>;
        for (var m = 0u; m < MR; m++) {
          a[m] = scores[(ty + 16u * m) * BK + j0 + jj];
        }
        for (var n = 0u; n < NV; n++) {
          b[n] = vs[jj * D + tx + 16u * n];
        }
        for (var m = 0u; m < MR; m++) {
          for (var n = 0u; n < NV; n++) {
            acc[m][n] = fma(a[m], b[n], acc[m][n]);
          }
        }
      }
      workgroupBarrier();
    }
  }
  for (var m = 0u; m < MR; m++) {
    let row = q0 + ty + 16u * m;
    if (row < T) {
      let scale = select(1.0, 1.0 / (den[m] + EPS), NORMALIZE);
      for (var n = 0u; n < NV; n++) {
        out[base + row * D + tx + 16u * n] = acc[m][n] * scale;
      }
    }
  }
}
