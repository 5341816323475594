// Causal softmax attention, tiled with an online softmax (FlashAttention, Dao et al. 2022).
// A workgroup owns BR query rows of one head and walks the key/value tiles of BC keys up to the
// diagonal, staged in workgroup memory; scores never leave the workgroup.
//
// Register tiling, as in a tiled matrix product: thread (ty, tx), TY = BR / 4 by TX = BC / 4,
// owns the 4 rows ty + TY x (x < 4). For S = Q K^T it computes the 4 x 4 block of scores of those
// rows with the keys tx + TX y (y < 4): per quad of dimensions, one vec4 of Q per row times the
// 4 x 4 matrix of the keys' quads (16 FMAs per loaded vec4). For O += P V it owns the same rows and
// the output columns (vec4) tx and tx + TX, so D = 8 TX; four keys at a time, the 4 x 4 matrices
// of V times each row's 4 probabilities. The row maxima are exchanged through workgroup memory
// (each thread posts the max of its 4 keys); the row sums stay per thread and are added once at
// the end. Every register lives in a named vec4 or mat4x4, never in an array indexed by a loop
// counter (which a driver may place in slow local memory). Strided rows and keys, and rows of Q
// and K padded by one vec4, keep the threads of a warp on distinct banks.
//
// Long rows are walked in chunks of `chunkTiles` key tiles, one chunk per dispatch (split-KV
// with the online-softmax state carried between dispatches, as FlashAttention-2 carries it
// between tiles): a workgroup that does not reach its diagonal leaves its unnormalised output in
// `out` and the row's (max, sum) in `state`, and the next chunk's workgroup resumes from them.
// Every workgroup then walks at most chunkTiles tiles, so a dispatch holds thousands of
// equal-sized workgroups however long T is (see softmax-flash.ts).
override D: u32 = 64u;     // head dimension, 8 TX: 16, 32 or 64
override BR: u32 = 32u;    // query rows per workgroup, 4 TY
override BC: u32 = 32u;    // keys per tile, 4 TX
override TX: u32 = 8u;     // threads along the keys, BC / 4 = D / 8
override WG: u32 = 64u;    // TX * TY

// NEG, LOG2E, Params and the bindings: softmax-flash-common.wgsl.

var<workgroup> qs: array<vec4<f32>, BR * (D / 4u + 1u)>;  // Q rows, pre-scaled by log2(e)/sqrt(D)
var<workgroup> ks: array<vec4<f32>, BC * (D / 4u + 1u)>;
var<workgroup> vs: array<vec4<f32>, BC * D / 4u>;
var<workgroup> ps: array<vec4<f32>, BR * (BC / 4u + 1u)>;  // probabilities, [row][key / 4]
var<workgroup> red: array<f32, BR * TX>;                   // per-thread row maxima, then sums

// Max over this tile of row r, from the TX maxima its threads posted, and the running max m.
fn rowMax(r: u32, m: f32) -> f32 {
  var mx = m;
  for (var u = 0u; u < TX; u++) {
    mx = max(mx, red[r * TX + u]);
  }
  return mx;
}

fn rowSum(r: u32) -> f32 {
  var total = 0.0;
  for (var u = 0u; u < TX; u++) {
    total += red[r * TX + u];
  }
  return total;
}

fn hmax(a: vec4<f32>) -> f32 {
  return max(max(a.x, a.y), max(a.z, a.w));
}

// Posts p (row r, keys tx + TX y) to ps.
fn storeP(r: u32, tx: u32, p: vec4<f32>) {
  let PS = BC / 4u + 1u;
  let b = r * PS;
  ps[b + tx / 4u][tx % 4u] = p.x;
  ps[b + (tx + TX) / 4u][(tx + TX) % 4u] = p.y;
  ps[b + (tx + 2u * TX) / 4u][(tx + 2u * TX) % 4u] = p.z;
  ps[b + (tx + 3u * TX) / 4u][(tx + 3u * TX) % 4u] = p.w;
}

// Leaves row i's unnormalised output and (running max, row sum) for the next chunk.
fn saveRow(row: u32, i: u32, T: u32, base: u32, sbase: u32, tx: u32, mr: f32, a0: vec4<f32>, a1: vec4<f32>) {
  if (i < T) {
    let ob = base + i * (D / 4u) + tx;
    out[ob] = a0;
    out[ob + TX] = a1;
    if (tx == 0u) {
      state[sbase + i] = vec2<f32>(mr, rowSum(row));
    }
  }
}

fn writeRow(row: u32, i: u32, T: u32, base: u32, tx: u32, a0: vec4<f32>, a1: vec4<f32>) {
  if (i < T) {
    let inv = 1.0 / rowSum(row);
    let ob = base + i * (D / 4u) + tx;
    out[ob] = a0 * inv;
    out[ob + TX] = a1 * inv;
  }
}

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let work = flashWork(grid);
  if (!work.ok) {
    return;  // the grid's padding past this dispatch's items
  }
  let D4 = D / 4u;
  let QS = D4 + 1u;
  let PS = BC / 4u + 1u;
  let TY = BR / 4u;
  let T = params.tokens;
  let head = work.head;
  let q0 = work.q0;
  let base = head * T * D4;
  let tx = lid % TX;
  let ty = lid / TX;
  let r0 = ty;
  let r1 = ty + TY;
  let r2 = ty + 2u * TY;
  let r3 = ty + 3u * TY;

  // Softmax in base 2: Q carries log2(e) / sqrt(D), so exp2 gives the same probabilities.
  let qscale = params.scale * LOG2E;
  for (var e = lid; e < BR * D4; e += WG) {
    let r = e / D4;
    let c = e % D4;
    qs[r * QS + c] = q[base + min(q0 + r, T - 1u) * D4 + c] * qscale;
  }

  // Last key each row may see (rows past T repeat row T - 1 and are not written).
  let last = min(vec4<u32>(q0 + r0, q0 + r1, q0 + r2, q0 + r3), vec4<u32>(T - 1u));
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  var a00 = vec4<f32>(0.0);
  var a01 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0);
  var a11 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0);
  var a21 = vec4<f32>(0.0);
  var a30 = vec4<f32>(0.0);
  var a31 = vec4<f32>(0.0);
  let walk = flashWalk(q0, T);
  let sbase = head * T;
  if (walk.tBegin > 0u) {
    // Resume: rows past T read row T - 1 (they are never written). The row's sum goes to the
    // thread tx = 0 alone, since the per-thread parts are added at the end.
    let i = min(vec4<u32>(q0 + r0, q0 + r1, q0 + r2, q0 + r3), vec4<u32>(T - 1u));
    let st = loadRowState(i, sbase, tx);
    m = st.m;
    l = st.l;
    let ob = base + i * D4 + vec4<u32>(tx);
    a00 = out[ob.x];
    a01 = out[ob.x + TX];
    a10 = out[ob.y];
    a11 = out[ob.y + TX];
    a20 = out[ob.z];
    a21 = out[ob.z + TX];
    a30 = out[ob.w];
    a31 = out[ob.w + TX];
  }
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    let k0 = t * BC;
    stagePaddedTile(k0, base, T, lid);

    // Scores: s_x[y] = q(row r_x) . k(key tx + TX y); q * K is the row of 4 dot products.
    var s0 = vec4<f32>(0.0);
    var s1 = vec4<f32>(0.0);
    var s2 = vec4<f32>(0.0);
    var s3 = vec4<f32>(0.0);
    for (var c = 0u; c < D4; c++) {
      let kk = mat4x4<f32>(
        ks[tx * QS + c],
        ks[(tx + TX) * QS + c],
        ks[(tx + 2u * TX) * QS + c],
        ks[(tx + 3u * TX) * QS + c],
      );
      s0 += qs[r0 * QS + c] * kk;
      s1 += qs[r1 * QS + c] * kk;
      s2 += qs[r2 * QS + c] * kk;
      s3 += qs[r3 * QS + c] * kk;
    }
    // Causal mask: keys past a row's position (and padding keys past T) get NEG.
    let keys = vec4<u32>(k0 + tx, k0 + tx + TX, k0 + tx + 2u * TX, k0 + tx + 3u * TX);
    s0 = select(vec4<f32>(NEG), s0, keys <= vec4<u32>(last.x));
    s1 = select(vec4<f32>(NEG), s1, keys <= vec4<u32>(last.y));
    s2 = select(vec4<f32>(NEG), s2, keys <= vec4<u32>(last.z));
    s3 = select(vec4<f32>(NEG), s3, keys <= vec4<u32>(last.w));
    red[r0 * TX + tx] = hmax(s0);
    red[r1 * TX + tx] = hmax(s1);
    red[r2 * TX + tx] = hmax(s2);
    red[r3 * TX + tx] = hmax(s3);
    workgroupBarrier();
    let mNew = vec4<f32>(rowMax(r0, m.x), rowMax(r1, m.y), rowMax(r2, m.z), rowMax(r3, m.w));
    let alpha = exp2(m - mNew);
    m = mNew;
    let p0 = exp2(s0 - vec4<f32>(mNew.x));
    let p1 = exp2(s1 - vec4<f32>(mNew.y));
    let p2 = exp2(s2 - vec4<f32>(mNew.z));
    let p3 = exp2(s3 - vec4<f32>(mNew.w));
    let one = vec4<f32>(1.0);
    l = l * alpha + vec4<f32>(dot(p0, one), dot(p1, one), dot(p2, one), dot(p3, one));
    storeP(r0, tx, p0);
    storeP(r1, tx, p1);
    storeP(r2, tx, p2);
    storeP(r3, tx, p3);
    a00 *= alpha.x;
    a01 *= alpha.x;
    a10 *= alpha.y;
    a11 *= alpha.y;
    a20 *= alpha.z;
    a21 *= alpha.z;
    a30 *= alpha.w;
    a31 *= alpha.w;
    workgroupBarrier();

    // O += P V, four keys at a time: V * p is the sum over those keys of p[j] v(key j). A tile
    // that reaches past the block's first row (the diagonal, and padding past T) skips its masked
    // keys with select instead: p = 0 times a NaN or Inf in a later value would otherwise reach
    // earlier rows. Only the diagonal tiles take this path.
    if (k0 + BC - 1u > q0) {
      for (var j = 0u; j < BC; j++) {
        let key = k0 + j;
        let keep = vec4<u32>(key) <= last;
        let vj0 = vs[j * D4 + tx];
        let vj1 = vs[j * D4 + tx + TX];
        let pj = vec4<f32>(
          ps[r0 * PS + j / 4u][j % 4u],
          ps[r1 * PS + j / 4u][j % 4u],
          ps[r2 * PS + j / 4u][j % 4u],
          ps[r3 * PS + j / 4u][j % 4u],
        );
        a00 = select(a00, fma(vec4<f32>(pj.x), vj0, a00), keep.x);
        a01 = select(a01, fma(vec4<f32>(pj.x), vj1, a01), keep.x);
        a10 = select(a10, fma(vec4<f32>(pj.y), vj0, a10), keep.y);
        a11 = select(a11, fma(vec4<f32>(pj.y), vj1, a11), keep.y);
        a20 = select(a20, fma(vec4<f32>(pj.z), vj0, a20), keep.z);
        a21 = select(a21, fma(vec4<f32>(pj.z), vj1, a21), keep.z);
        a30 = select(a30, fma(vec4<f32>(pj.w), vj0, a30), keep.w);
        a31 = select(a31, fma(vec4<f32>(pj.w), vj1, a31), keep.w);
      }
      continue;
    }
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let vb = j4 * 4u * D4 + tx;
      let v0 = mat4x4<f32>(vs[vb], vs[vb + D4], vs[vb + 2u * D4], vs[vb + 3u * D4]);
      let v1 = mat4x4<f32>(
        vs[vb + TX],
        vs[vb + D4 + TX],
        vs[vb + 2u * D4 + TX],
        vs[vb + 3u * D4 + TX],
      );
      let pr0 = ps[r0 * PS + j4];
      let pr1 = ps[r1 * PS + j4];
      let pr2 = ps[r2 * PS + j4];
      let pr3 = ps[r3 * PS + j4];
      a00 += v0 * pr0;
      a01 += v1 * pr0;
      a10 += v0 * pr1;
      a11 += v1 * pr1;
      a20 += v0 * pr2;
      a21 += v1 * pr2;
      a30 += v0 * pr3;
      a31 += v1 * pr3;
    }
  }

  // Row sums: each thread holds the sum over its own keys; add the TX parts of each row.
  workgroupBarrier();
  red[r0 * TX + tx] = l.x;
  red[r1 * TX + tx] = l.y;
  red[r2 * TX + tx] = l.z;
  red[r3 * TX + tx] = l.w;
  workgroupBarrier();
  if (walk.tEnd < walk.tiles) {
    saveRow(r0, q0 + r0, T, base, sbase, tx, m.x, a00, a01);
    saveRow(r1, q0 + r1, T, base, sbase, tx, m.y, a10, a11);
    saveRow(r2, q0 + r2, T, base, sbase, tx, m.z, a20, a21);
    saveRow(r3, q0 + r3, T, base, sbase, tx, m.w, a30, a31);
    return;
  }
  writeRow(r0, q0 + r0, T, base, tx, a00, a01);
  writeRow(r1, q0 + r1, T, base, tx, a10, a11);
  writeRow(r2, q0 + r2, T, base, tx, a20, a21);
  writeRow(r3, q0 + r3, T, base, tx, a30, a31);
}
