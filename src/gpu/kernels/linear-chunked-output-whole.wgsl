// Chunked linear attention, phase 3 of 3, for chunks of a multiple of 64 tokens and D <= 64 when
// the device offers 32 D + 1024 vec4s of workgroup memory (48 KiB at D = 64): the same sums as
// linear-chunked-output.wgsl,
//   num = phi(Q_b) S_b + (phi(Q_b) phi(K_b)^T masked by tril) V_b,
//   den = phi(Q_b) Z_b + rowsum(masked scores),   y = num / (den + eps)  (or num if not NORMALIZE),
// with whole tiles staged at once instead of feature slices: phi(Q) of the block's 64 rows, phi(K)
// and V of 64 keys, and the chunk state S_b, each loaded by one batch of global reads issued
// together (one memory latency, not one per slice), and S_b read from workgroup memory (the
// sliced kernel reads it from global memory in its inner loop).
//
// One workgroup owns 64 query rows of one head (256 threads as a 16 x 16 grid) and walks key tiles
// of 64 from its chunk's first key; only the last tile, the block's own keys, is causal. There:
// the scores are computed by 136 threads, one per 4 x 4 quad on or below the diagonal (the other
// 120, whole warps, skip it), and each row's P V stops at its own quad.
//
// Workgroup memory, three regions reused in turn:
//   A: phi(Q), [feature][row / 4] (the whole block);
//   B: phi(K) of the tile, [feature][key / 4], then the masked scores P, [key][row / 4];
//   C: S_b, [feature][column / 4] (first tile only), then V of the tile, [key][column / 4].
// Z_b (D floats) is read from global memory (L1) by every thread.
//
// With the gate on (gate-on.wgsl, gated-chunked; cum: the log-decays summed from the chunk's
// start), row i takes exp(cum_i) phi(q_i) S_b and each kept score is scaled by exp(cum_i - cum_j):
// every exponent is <= 0. Register arrays are arrays of vec4 indexed by loops with literal bounds
// (see linear-chunked-output.wgsl).

override D: u32 = 64u; // 16, 32 or 64
override NORMALIZE: bool = true;
// Chunks of exactly BQ tokens (the form sets it from c): one key tile per block, so the loop over
// tiles and the next tile's prefetch registers fold away.
override ONE_TILE: bool = false;
const BQ: u32 = 64u; // query rows per workgroup, and keys per tile
const R4: u32 = 16u; // BQ / 4: row (or key) quads

@group(0) @binding(0) var<uniform> params: Params;
// QKV: f32, or f16 for linear-chunked-f16 (linear-inputs-*.wgsl); read as f32 either way.
@group(0) @binding(1) var<storage, read> q: array<vec4<QKV>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<QKV>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<QKV>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
// [heads in group][chunks][D * D state S_b, then D normaliser Z_b]
@group(0) @binding(5) var<storage, read> states: array<vec4<f32>>;

var<workgroup> regionA: array<vec4<f32>, D * R4>;
var<workgroup> regionB: array<vec4<f32>, BQ * R4>;
var<workgroup> regionC: array<vec4<f32>, D * R4>;

// Row-major vec4 loads of rows [r0, r0 + 64) (zero past T): element e = lid + 256 r is row e % 64,
// features 4 (e / 64) ..; consecutive threads take consecutive rows (conflict-free transposed
// stores). At most 4 per thread (64 D / 4 <= 1024).
fn loadRows(src: u32, base4: u32, r0: u32, T: u32, lid: u32) -> array<vec4<f32>, 4> {
  let D4 = D / 4u;
  var x: array<vec4<f32>, 4>;
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 256u * r;
    let row = r0 + e % BQ;
    x[r] = vec4<f32>(0.0);
    if (e < BQ * D4 && row < T) {
      let i = base4 + row * D4 + e / BQ;
      // phi(0) is not 0 (softplus, elu1): rows past T stay zero, after the map.
      if (src == 0u) {
        x[r] = phi4(vec4<f32>(q[i]));
      } else {
        x[r] = phi4(vec4<f32>(k[i]));
      }
    }
  }
  return x;
}

// Stores loadRows' values transposed into regionA (dst 0) or regionB (dst 1): [feature][row / 4].
fn storeTransposed(x: array<vec4<f32>, 4>, dst: u32, lid: u32) {
  let D4 = D / 4u;
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 256u * r;
    if (e < BQ * D4) {
      let row = e % BQ;
      let f = 4u * (e / BQ);
      let slot = row / 4u;
      let lane = row % 4u;
      for (var j = 0u; j < 4u; j++) {
        if (dst == 0u) {
          regionA[(f + j) * R4 + slot][lane] = x[r][j];
        } else {
          regionB[(f + j) * R4 + slot][lane] = x[r][j];
        }
      }
    }
  }
}

// V rows [k0, k0 + 64) as stored in memory (zero past T), for regionC: [key][column / 4].
fn loadValues(base4: u32, k0: u32, T: u32, lid: u32) -> array<vec4<f32>, 4> {
  let D4 = D / 4u;
  var x: array<vec4<f32>, 4>;
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 256u * r;
    x[r] = vec4<f32>(0.0);
    if (e < BQ * D4 && k0 + e / D4 < T) {
      x[r] = vec4<f32>(v[base4 + k0 * D4 + e]);
    }
  }
  return x;
}

fn storeValues(x: array<vec4<f32>, 4>, lid: u32) {
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 256u * r;
    if (e < BQ * (D / 4u)) {
      regionC[e] = x[r];
    }
  }
}

// cum of rows r0 .. r0 + 3 (0 past T, or with the gate off).
fn cum4(head: u32, r0: u32, T: u32) -> vec4<f32> {
  var c = vec4<f32>(0.0);
  if (GATED) {
    for (var i = 0u; i < 4u; i++) {
      if (r0 + i < T) {
        c[i] = gate(head * T + r0 + i);
      }
    }
  }
  return c;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let blk = chunkBlock(wid);
  let D4 = D / 4u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let myRow = blk.q0 + 4u * ty; // first of this thread's 4 output rows
  let chunk = blk.q0 / blk.C; // C is a multiple of 64: the block lies in one chunk
  let kStart = chunk * blk.C;
  let stateBase = (blk.headInGroup * params.chunks + chunk) * (D * (D + 1u) / 4u);
  let ownCols = tx < D4;

  // The diagonal tile's scores: thread n < 136 takes quad (sy, sx), sx <= sy, row-major.
  var sy = u32(floor((sqrt(8.0 * f32(lid) + 1.0) - 1.0) * 0.5));
  if ((sy + 1u) * (sy + 2u) / 2u <= lid) {
    sy += 1u;
  }
  if (sy * (sy + 1u) / 2u > lid) {
    sy -= 1u;
  }
  let sx = lid - sy * (sy + 1u) / 2u;
  let diagScorer = lid < R4 * (R4 + 1u) / 2u;

  // The first tile's inputs and the state, all requested before any is used.
  let qx = loadRows(0u, blk.base4, blk.q0, blk.T, lid);
  var kx = loadRows(1u, blk.base4, kStart, blk.T, lid);
  var vx = loadValues(blk.base4, kStart, blk.T, lid);
  var sx4: array<vec4<f32>, 4>;
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 256u * r;
    sx4[r] = vec4<f32>(0.0);
    if (e < D * D4) {
      sx4[r] = states[stateBase + e];
    }
  }
  storeTransposed(qx, 0u, lid);
  storeTransposed(kx, 1u, lid);
  for (var r = 0u; r < 4u; r++) {
    let e = lid + 256u * r;
    if (e < D * D4) {
      regionC[e] = sx4[r];
    }
  }

  // With the gate on: cum of this thread's output rows, and their decay since the chunk began.
  let cq = cum4(blk.head, myRow, blk.T);
  let eq = exp(min(cq, vec4<f32>(0.0)));

  var acc: array<vec4<f32>, 4>; // [i]: row 4 ty + i, columns 4 tx ..
  for (var i = 0u; i < 4u; i++) {
    acc[i] = vec4<f32>(0.0);
  }
  // The denominators of rows 4 ty + i, split over the 16 threads of a row quad: thread tx sums
  // the features 4 tx .. 4 tx + 3 of phi(Q) Z_b and the key quad tx of each tile's P (a sixteenth
  // of the work each; every thread summing every term cost a quarter more arithmetic in two of the
  // three products); the 16 partial sums are added at the end.
  var den = vec4<f32>(0.0);
  var z = vec4<f32>(0.0);
  if (NORMALIZE && tx < D4) {
    z = states[stateBase + D * D4 + tx];
  }
  workgroupBarrier();

  // The state entering the chunk: num = phi(Q) S_b, den = phi(Q) Z_b.
  for (var f = 0u; f < D; f++) {
    let a = select(regionA[f * R4 + ty], regionA[f * R4 + ty] * eq, GATED);
    if (ownCols) {
      let b = regionC[f * D4 + tx];
      for (var i = 0u; i < 4u; i++) {
        acc[i] = fma(vec4<f32>(a[i]), b, acc[i]);
      }
    }
  }
  if (NORMALIZE && tx < D4) {
    for (var j = 0u; j < 4u; j++) {
      let f = 4u * tx + j;
      let a = select(regionA[f * R4 + ty], regionA[f * R4 + ty] * eq, GATED);
      den = fma(a, vec4<f32>(z[j]), den);
    }
  }

  let tiles = select((blk.q0 - kStart) / BQ + 1u, 1u, ONE_TILE);
  for (var t = 0u; t < tiles; t++) {
    let k0 = kStart + t * BQ;
    let diag = k0 == blk.q0;
    // Scores of quad (rowQuad, keyQuad): every quad for a full tile, quads on or below the
    // diagonal for the block's own keys.
    let rowQuad = select(ty, sy, diag);
    let keyQuad = select(tx, sx, diag);
    let scorer = !diag || diagScorer;
    var s: array<vec4<f32>, 4>; // [i]: row 4 rowQuad + i, keys 4 keyQuad ..
    for (var i = 0u; i < 4u; i++) {
      s[i] = vec4<f32>(0.0);
    }
    if (scorer) {
      for (var f = 0u; f < D; f++) {
        let a = regionA[f * R4 + rowQuad];
        let b = regionB[f * R4 + keyQuad];
        for (var i = 0u; i < 4u; i++) {
          s[i] = fma(vec4<f32>(a[i]), b, s[i]);
        }
      }
    }
    workgroupBarrier(); // phi(K) and S_b read: regions B and C are free
    if (scorer) {
      let cs = cum4(blk.head, blk.q0 + 4u * rowQuad, blk.T);
      let ck = cum4(blk.head, k0 + 4u * keyQuad, blk.T);
      for (var j = 0u; j < 4u; j++) {
        var p: vec4<f32>;
        for (var i = 0u; i < 4u; i++) {
          // With the gate on, exp(cum_i - cum_j) <= 1 for a kept pair (j <= i in one chunk).
          let score = select(s[i][j], s[i][j] * exp(min(cs[i] - ck[j], 0.0)), GATED);
          // Off the diagonal quad every key precedes every row; on it, key j <= row i.
          p[i] = select(0.0, score, !diag || keyQuad < rowQuad || j <= i);
        }
        regionB[(4u * keyQuad + j) * R4 + rowQuad] = p;
      }
    }
    storeValues(vx, lid);
    workgroupBarrier();
    // The next tile's keys and values, requested now and stored after this tile's P V.
    let more = !ONE_TILE && t + 1u < tiles;
    if (more) {
      kx = loadRows(1u, blk.base4, k0 + BQ, blk.T, lid);
      vx = loadValues(blk.base4, k0 + BQ, blk.T, lid);
    }
    // Numerator += P V. On the diagonal tile a row quad stops at its own key quad, and there a
    // masked key is skipped with select, not multiplied by 0: 0 x NaN (or Inf) in a later value
    // would otherwise reach earlier rows.
    let fullQuads = select(R4, ty, diag);
    // This thread's share of the denominators: key quad tx, kept (zeros written for the masked
    // keys of the diagonal quad) unless it lies above the diagonal quad.
    if (NORMALIZE && (!diag || tx <= ty)) {
      for (var jj = 0u; jj < 4u; jj++) {
        den += regionB[(4u * tx + jj) * R4 + ty];
      }
    }
    for (var jq = 0u; jq < R4; jq++) {
      if (jq >= fullQuads) {
        break;
      }
      for (var jj = 0u; jj < 4u; jj++) {
        let j = 4u * jq + jj;
        let p = regionB[j * R4 + ty];
        if (ownCols) {
          let b = regionC[j * D4 + tx];
          for (var i = 0u; i < 4u; i++) {
            acc[i] = fma(vec4<f32>(p[i]), b, acc[i]);
          }
        }
      }
    }
    if (diag) {
      for (var jj = 0u; jj < 4u; jj++) {
        let j = 4u * ty + jj;
        let p = regionB[j * R4 + ty];
        if (ownCols) {
          let b = regionC[j * D4 + tx];
          for (var i = 0u; i < 4u; i++) {
            acc[i] = select(acc[i], fma(vec4<f32>(p[i]), b, acc[i]), jj <= i);
          }
        }
      }
    }
    if (more) {
      workgroupBarrier(); // P and V read: regions B and C are free
      storeTransposed(kx, 1u, lid);
      workgroupBarrier();
    }
  }
  // The 16 partial denominators of each row quad, summed through region B (free after the last
  // tile's P V: the barrier orders its last reads before these writes).
  if (NORMALIZE) {
    workgroupBarrier();
    regionB[tx * R4 + ty] = den;
    workgroupBarrier();
    den = vec4<f32>(0.0);
    for (var t = 0u; t < 16u; t++) {
      den += regionB[t * R4 + ty];
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let row = myRow + i;
    if (row < blk.T && ownCols) {
      let scale = select(1.0, 1.0 / (den[i] + EPS), NORMALIZE);
      out[blk.base4 + row * D4 + tx] = acc[i] * scale;
    }
  }
}
