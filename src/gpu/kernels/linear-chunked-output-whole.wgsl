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
// The feature map phi (FEATURE_MAP; the identity when a pass has applied it) is applied to Q and K
// as they are stored into workgroup memory, after every load of the tile has been issued.
//
// One workgroup owns 64 query rows of one head (256 threads as a 16 x 16 grid), or BLOCKS such
// blocks in turn when c = 64, and walks key tiles of 64 from its chunk's first key; only the last
// tile, the block's own keys, is causal. There:
// the scores are computed by 136 threads, one per 4 x 4 quad on or below the diagonal (the other
// 120, whole warps, skip it), and each row's P V stops at its own quad.
//
// Workgroup memory, three regions reused in turn:
//   A: phi(Q), [feature][row / 4] (the whole block);
//   B: phi(K) of the tile, [feature][key / 4], then the masked scores P, [key][row / 4];
//   C: S_b, [feature][column / 4] (first tile only), then V of the tile, [key][column / 4].
// Z_b (D floats) is read from global memory (L1) by every thread.
//
// S_b and Z_b come from the prefix kernel, or are summed from the chunk summaries where a head has
// few chunks (SUM_STATES): linear-chunked-states.wgsl, which also defines Quad4.
//
// With the gate on (gate-on.wgsl, gated-chunked; cum: the log-decays summed from the chunk's
// start), row i takes exp(cum_i) phi(q_i) S_b and each kept score is scaled by exp(cum_i - cum_j):
// every exponent is <= 0. Per-thread 4 x 4 blocks are named registers (the struct Quad4), never
// arrays: NVIDIA's Vulkan compiler kept function-scope arrays of vec4 in local memory
// (docs/PERFORMANCE.md).

override D: u32 = 64u; // 16, 32 or 64
override NORMALIZE: bool = true;
// Chunks of exactly BQ tokens (the form sets it from c): one key tile per block, so the loop over
// tiles and the next tile's prefetch registers fold away.
override ONE_TILE: bool = false;
// Query blocks per workgroup, run in turn (1 unless ONE_TILE): the next block's inputs and state
// are requested once this block's scores are made, and arrive during its P V.
override BLOCKS: u32 = 1u;
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

// acc + x y^T: row i gains x[i] y.
fn addOuter(acc: Quad4, x: vec4<f32>, y: vec4<f32>) -> Quad4 {
  return Quad4(
    fma(vec4<f32>(x.x), y, acc.a),
    fma(vec4<f32>(x.y), y, acc.b),
    fma(vec4<f32>(x.z), y, acc.c),
    fma(vec4<f32>(x.w), y, acc.d),
  );
}

// The same for the rows i >= jj only (the diagonal quad's key jj).
fn addOuterFrom(acc: Quad4, x: vec4<f32>, y: vec4<f32>, jj: u32) -> Quad4 {
  return Quad4(
    select(acc.a, fma(vec4<f32>(x.x), y, acc.a), jj == 0u),
    select(acc.b, fma(vec4<f32>(x.y), y, acc.b), jj <= 1u),
    select(acc.c, fma(vec4<f32>(x.z), y, acc.c), jj <= 2u),
    select(acc.d, fma(vec4<f32>(x.w), y, acc.d), jj <= 3u),
  );
}

// Row-major vec4 loads of rows [r0, r0 + 64) (zero past T), as stored: element e = lid + 256 r is
// row e % 64, features 4 (e / 64) ..; consecutive threads take consecutive rows (conflict-free
// transposed stores). At most 4 per thread (64 D / 4 <= 1024). The feature map is applied when
// they are stored (storeTransposedRow), after every load of the tile has been issued: a map
// applied to each value as it arrives made each load wait for the one before.
fn loadRow(src: u32, base4: u32, r0: u32, T: u32, lid: u32, r: u32) -> vec4<f32> {
  let D4 = D / 4u;
  let e = lid + 256u * r;
  let row = r0 + e % BQ;
  var x = vec4<f32>(0.0);
  if (e < BQ * D4 && row < T) {
    let i = base4 + row * D4 + e / BQ;
    if (src == 0u) {
      x = vec4<f32>(q[i]);
    } else {
      x = vec4<f32>(k[i]);
    }
  }
  return x;
}

fn loadRows(src: u32, base4: u32, r0: u32, T: u32, lid: u32) -> Quad4 {
  return Quad4(
    loadRow(src, base4, r0, T, lid, 0u),
    loadRow(src, base4, r0, T, lid, 1u),
    loadRow(src, base4, r0, T, lid, 2u),
    loadRow(src, base4, r0, T, lid, 3u),
  );
}

// One of loadRows' values (rows from r0), mapped by phi and transposed into regionA (dst 0) or
// regionB (dst 1): [feature][row / 4]. phi(0) is not 0 (softplus, elu1): rows past T stay zero.
fn storeTransposedRow(raw: vec4<f32>, r: u32, dst: u32, lid: u32, r0: u32, T: u32) {
  let e = lid + 256u * r;
  if (e < BQ * (D / 4u)) {
    let row = e % BQ;
    let x = select(vec4<f32>(0.0), phi4(raw), r0 + row < T);
    let i = 4u * (e / BQ) * R4 + row / 4u;
    let lane = row % 4u;
    if (dst == 0u) {
      regionA[i][lane] = x.x;
      regionA[i + R4][lane] = x.y;
      regionA[i + 2u * R4][lane] = x.z;
      regionA[i + 3u * R4][lane] = x.w;
    } else {
      regionB[i][lane] = x.x;
      regionB[i + R4][lane] = x.y;
      regionB[i + 2u * R4][lane] = x.z;
      regionB[i + 3u * R4][lane] = x.w;
    }
  }
}

fn storeTransposed(x: Quad4, dst: u32, lid: u32, r0: u32, T: u32) {
  storeTransposedRow(x.a, 0u, dst, lid, r0, T);
  storeTransposedRow(x.b, 1u, dst, lid, r0, T);
  storeTransposedRow(x.c, 2u, dst, lid, r0, T);
  storeTransposedRow(x.d, 3u, dst, lid, r0, T);
}

// V rows [k0, k0 + 64) as stored in memory (zero past T), for regionC: [key][column / 4].
fn loadValue(base4: u32, k0: u32, T: u32, lid: u32, r: u32) -> vec4<f32> {
  let D4 = D / 4u;
  let e = lid + 256u * r;
  var x = vec4<f32>(0.0);
  if (e < BQ * D4 && k0 + e / D4 < T) {
    x = vec4<f32>(v[base4 + k0 * D4 + e]);
  }
  return x;
}

fn loadValues(base4: u32, k0: u32, T: u32, lid: u32) -> Quad4 {
  return Quad4(
    loadValue(base4, k0, T, lid, 0u),
    loadValue(base4, k0, T, lid, 1u),
    loadValue(base4, k0, T, lid, 2u),
    loadValue(base4, k0, T, lid, 3u),
  );
}

// Into regionC, [feature or key][column / 4]: the state S_b (D D / 4 vec4s) or V of a tile (BQ D / 4,
// never fewer, since D <= BQ); the loads are zero past their own extent.
fn storeRegionC(x: Quad4, lid: u32) {
  let n = BQ * (D / 4u);
  if (lid < n) {
    regionC[lid] = x.a;
  }
  if (lid + 256u < n) {
    regionC[lid + 256u] = x.b;
  }
  if (lid + 512u < n) {
    regionC[lid + 512u] = x.c;
  }
  if (lid + 768u < n) {
    regionC[lid + 768u] = x.d;
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

// Key j of a score quad as P's column (rows 4 rowQuad + i, i < 4): kept where the key precedes
// the row (full: every key precedes every row; else key j <= row i), scaled by exp(cum_i - cum_j)
// <= 1 with the gate on.
fn pColumn(col: vec4<f32>, j: u32, full: bool, cs: vec4<f32>, ckj: f32) -> vec4<f32> {
  let score = select(col, col * exp(min(cs - vec4<f32>(ckj), vec4<f32>(0.0))), GATED);
  let keep = vec4<bool>(full) | (vec4<u32>(j) <= vec4<u32>(0u, 1u, 2u, 3u));
  return select(vec4<f32>(0.0), score, keep);
}

// Row i of this thread's output block.
fn writeRow(row: u32, T: u32, ownCols: bool, base4: u32, tx: u32, x: vec4<f32>, den: f32) {
  if (row < T && ownCols) {
    let scale = select(1.0, 1.0 / (den + EPS), NORMALIZE);
    out[base4 + row * (D / 4u) + tx] = x * scale;
  }
}

// The first key of the block's chunk (C is a multiple of 64: the block lies in one chunk).
fn chunkStart(blk: ChunkBlock) -> u32 {
  return (blk.q0 / blk.C) * blk.C;
}

// A block's global reads, all requested together: its queries, the keys and values of its first
// key tile (from its chunk's start), and its chunk's state.
struct BlockInputs {
  q: Quad4,
  k: Quad4,
  v: Quad4,
  s: StateLoad,
}

fn loadBlock(blk: ChunkBlock, lid: u32, tx: u32) -> BlockInputs {
  let k0 = chunkStart(blk);
  let chunk = blk.q0 / blk.C;
  let qs = loadRows(0u, blk.base4, blk.q0, blk.T, lid);
  let ks = loadRows(1u, blk.base4, k0, blk.T, lid);
  let vs = loadValues(blk.base4, k0, blk.T, lid);
  return BlockInputs(qs, ks, vs, chunkState(blk, chunk, lid, tx));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let D4 = D / 4u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let ownCols = tx < D4;
  // This workgroup's blocks, in turn: [first, first + count) of the dispatch's range (uniform).
  let first = params.workgroupOffset + wid.x * BLOCKS;
  let count = select(0u, min(BLOCKS, params.blockEnd - first), first < params.blockEnd);

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

  // The first block's inputs and state, all requested before any is used.
  var blk = chunkBlockAt(first);
  var inp = loadBlock(blk, lid, tx);

  for (var n = 0u; n < count; n++) {
    let myRow = blk.q0 + 4u * ty; // first of this thread's 4 output rows
    let kStart = chunkStart(blk);
    let z = inp.s.z;
    storeTransposed(inp.q, 0u, lid, blk.q0, blk.T);
    storeTransposed(inp.k, 1u, lid, kStart, blk.T);
    storeRegionC(inp.s.s, lid);

    // With the gate on: cum of this thread's output rows, and their decay since the chunk began.
    let cq = cum4(blk.head, myRow, blk.T);
    let eq = exp(min(cq, vec4<f32>(0.0)));

    var acc = Quad4(); // rows 4 ty + i, columns 4 tx ..
    // The denominators of rows 4 ty + i, split over the 16 threads of a row quad: thread tx sums
    // the features 4 tx .. 4 tx + 3 of phi(Q) Z_b and the key quad tx of each tile's P (a
    // sixteenth of the work each; every thread summing every term cost a quarter more arithmetic
    // in two of the three products); the 16 partial sums are added at the end.
    var den = vec4<f32>(0.0);
    workgroupBarrier();

    // The next block (ONE_TILE only: BLOCKS is 1 otherwise; its keys start at its own rows).
    let next = n + 1u < count;
    var nb = blk;
    if (next) {
      nb = chunkBlockAt(first + n + 1u);
    }

    // The state entering the chunk: num = phi(Q) S_b, den = phi(Q) Z_b.
    for (var f = 0u; f < D; f++) {
      let a = select(regionA[f * R4 + ty], regionA[f * R4 + ty] * eq, GATED);
      if (ownCols) {
        acc = addOuter(acc, a, regionC[f * D4 + tx]);
      }
    }
    if (NORMALIZE && tx < D4) {
      let f = 4u * tx;
      let a0 = select(regionA[f * R4 + ty], regionA[f * R4 + ty] * eq, GATED);
      let a1 = select(regionA[(f + 1u) * R4 + ty], regionA[(f + 1u) * R4 + ty] * eq, GATED);
      let a2 = select(regionA[(f + 2u) * R4 + ty], regionA[(f + 2u) * R4 + ty] * eq, GATED);
      let a3 = select(regionA[(f + 3u) * R4 + ty], regionA[(f + 3u) * R4 + ty] * eq, GATED);
      den = fma(a3, vec4<f32>(z.w), fma(a2, vec4<f32>(z.z), fma(a1, vec4<f32>(z.y), fma(a0, vec4<f32>(z.x), den))));
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
      var s = Quad4(); // rows 4 rowQuad + i, keys 4 keyQuad ..
      if (scorer) {
        for (var f = 0u; f < D; f++) {
          s = addOuter(s, regionA[f * R4 + rowQuad], regionB[f * R4 + keyQuad]);
        }
      }
      workgroupBarrier(); // phi(K) and S_b read: regions B and C are free
      if (scorer) {
        let cs = cum4(blk.head, blk.q0 + 4u * rowQuad, blk.T);
        let ck = cum4(blk.head, k0 + 4u * keyQuad, blk.T);
        // Off the diagonal quad every key precedes every row; on it, key j <= row i.
        let full = !diag || keyQuad < rowQuad;
        let st = transpose(mat4x4<f32>(s.a, s.b, s.c, s.d)); // st[j]: key j's scores of the 4 rows
        let pb = 4u * keyQuad * R4 + rowQuad;
        regionB[pb] = pColumn(st[0], 0u, full, cs, ck.x);
        regionB[pb + R4] = pColumn(st[1], 1u, full, cs, ck.y);
        regionB[pb + 2u * R4] = pColumn(st[2], 2u, full, cs, ck.z);
        regionB[pb + 3u * R4] = pColumn(st[3], 3u, full, cs, ck.w);
      }
      storeRegionC(inp.v, lid);
      workgroupBarrier();
      // The next tile's keys and values, or the next block's inputs and state, requested now and
      // stored after this tile's P V. (Requesting the next block's queries, keys and state as soon
      // as this block's were staged was 1-2 % slower on an H200: more registers live through the
      // scores; docs/PERFORMANCE.md.)
      let more = !ONE_TILE && t + 1u < tiles;
      if (more) {
        inp.k = loadRows(1u, blk.base4, k0 + BQ, blk.T, lid);
        inp.v = loadValues(blk.base4, k0 + BQ, blk.T, lid);
      }
      if (next) {
        inp = loadBlock(nb, lid, tx);
      }
      // Numerator += P V. On the diagonal tile a row quad stops at its own key quad, and there a
      // masked key is skipped with select, not multiplied by 0: 0 x NaN (or Inf) in a later value
      // would otherwise reach earlier rows.
      let fullQuads = select(R4, ty, diag);
      // This thread's share of the denominators: key quad tx, kept (zeros written for the masked
      // keys of the diagonal quad) unless it lies above the diagonal quad.
      if (NORMALIZE && (!diag || tx <= ty)) {
        let b = 4u * tx * R4 + ty;
        den += (regionB[b] + regionB[b + R4]) + (regionB[b + 2u * R4] + regionB[b + 3u * R4]);
      }
      for (var jq = 0u; jq < R4; jq++) {
        if (jq >= fullQuads) {
          break;
        }
        for (var jj = 0u; jj < 4u; jj++) {
          let j = 4u * jq + jj;
          let p = regionB[j * R4 + ty];
          if (ownCols) {
            acc = addOuter(acc, p, regionC[j * D4 + tx]);
          }
        }
      }
      if (diag) {
        for (var jj = 0u; jj < 4u; jj++) {
          let j = 4u * ty + jj;
          let p = regionB[j * R4 + ty];
          if (ownCols) {
            acc = addOuterFrom(acc, p, regionC[j * D4 + tx], jj);
          }
        }
      }
      if (more) {
        workgroupBarrier(); // P and V read: regions B and C are free
        storeTransposed(inp.k, 1u, lid, k0 + BQ, blk.T);
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
    writeRow(myRow, blk.T, ownCols, blk.base4, tx, acc.a, den.x);
    writeRow(myRow + 1u, blk.T, ownCols, blk.base4, tx, acc.b, den.y);
    writeRow(myRow + 2u, blk.T, ownCols, blk.base4, tx, acc.c, den.z);
    writeRow(myRow + 3u, blk.T, ownCols, blk.base4, tx, acc.d, den.w);
    if (next) {
      workgroupBarrier(); // every read of regions A, B and C done before the next block's stores
      blk = nb;
    }
  }
}
