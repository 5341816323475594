enable subgroups;

// Causal softmax attention with the wide kernel's tiles and walk (softmax-flash-wide.wgsl: thread
// (ty, tx) owns the 4 query rows ty + TY x and the 8 keys tx + TX j of each tile, and for the
// output the same rows and the quads tx and tx + TX), but both products as outer products, the
// way a dense matrix product is tiled: per dimension of the scores, one vec4 of Q (the thread's
// four rows at that dimension) and two of K (its eight keys), then 32 independent FMAs; per key of
// P V, one vec4 of P (its four rows at that key) and two of V (its two quads), then 32 FMAs.
// Three 128-bit reads per 32 FMAs, as in the wide kernel, but 12 operand registers per step
// instead of 48. Measured on the H200 first: the SGEMM of src/gpu/sgemm-ceiling.ts with 4 x 8
// thread tiles in this form runs at 39.6 TFLOP/s, while inside the wide kernel each product ran
// at 20-31 by ablation (docs/PERFORMANCE.md, "The ceiling of WGSL on the card"). The outer form
// gained 3.5 %: the operand registers were not the main cost.
//
// Workgroup memory, transposed so that a thread's four rows or keys are one vec4:
//   qt[d][ty]      = (Q[ty][d], Q[ty + TY][d], Q[ty + 2 TY][d], Q[ty + 3 TY][d]) times the scale
//   kt[d][tx]      = (K[tx][d], K[tx + TX][d], K[tx + 2 TX][d], K[tx + 3 TX][d]) of the tile's
//                    keys, kt[d][TX + tx] the keys tx + 4 TX .. tx + 7 TX;
//   kt[j][ty]      = P of rows ty + TY x at key j, written over K once every thread has read it;
//   vs[j][c]       = V (softmax-flash-subgroup.wgsl's layout and staging).
// Masking, the diagonal tile, chunks of long rows and the final write are the wide kernel's
// (softmax-flash-rows4.wgsl, softmax-flash.wgsl).
//
// Constants prepended by softmax-flash.ts: D4, TX, TY, BR, BC (= D), WG, NF, PREFETCH as for the
// wide kernel, KPW = max(2 TX, TY) (columns of kt).

var<workgroup> qt: array<array<vec4<f32>, TY>, BC>;
var<workgroup> kt: array<array<vec4<f32>, KPW>, BC>;

// Key r of the tile is slot tx + TX (j / 4), component j % 4 of kt's rows, where r = tx + TX j.
fn commitKeyT(x: vec4<f32>, lid: u32, i: u32) {
  let e = lid + i * WG;
  let r = (e >> 1u) % BC;
  let c = ((e >> 1u) / BC) * 2u + (e & 1u);
  let j = r / TX;
  let slot = r % TX + TX * (j / 4u);
  let comp = j % 4u;
  kt[4u * c][slot][comp] = x.x;
  kt[4u * c + 1u][slot][comp] = x.y;
  kt[4u * c + 2u][slot][comp] = x.z;
  kt[4u * c + 3u][slot][comp] = x.w;
}

fn commitKeysT(lid: u32) {
  commitKeyT(kf.s0, lid, 0u);
  if (NF > 1u) {
    commitKeyT(kf.s1, lid, 1u);
  }
  if (NF > 2u) {
    commitKeyT(kf.s2, lid, 2u);
  }
  if (NF > 3u) {
    commitKeyT(kf.s3, lid, 3u);
  }
  if (NF > 4u) {
    commitKeyT(kf.s4, lid, 4u);
  }
  if (NF > 5u) {
    commitKeyT(kf.s5, lid, 5u);
  }
  if (NF > 6u) {
    commitKeyT(kf.s6, lid, 6u);
  }
  if (NF > 7u) {
    commitKeyT(kf.s7, lid, 7u);
  }
  if (NF > 8u) {
    commitKeyT(kf.s8, lid, 8u);
  }
  if (NF > 9u) {
    commitKeyT(kf.s9, lid, 9u);
  }
  if (NF > 10u) {
    commitKeyT(kf.s10, lid, 10u);
  }
  if (NF > 11u) {
    commitKeyT(kf.s11, lid, 11u);
  }
  if (NF > 12u) {
    commitKeyT(kf.s12, lid, 12u);
  }
  if (NF > 13u) {
    commitKeyT(kf.s13, lid, 13u);
  }
  if (NF > 14u) {
    commitKeyT(kf.s14, lid, 14u);
  }
  if (NF > 15u) {
    commitKeyT(kf.s15, lid, 15u);
  }
}

// Tile t into workgroup memory once every thread is done with the previous one (as stageTile in
// softmax-flash-subgroup.wgsl, with K transposed).
fn stageTileT(t: u32, tEnd: u32, base: u32, T: u32, lid: u32) {
  let k0 = t * BC;
  workgroupBarrier();
  if (!PREFETCH) {
    fetchTile(k0, base, T, lid);
  }
  commitKeysT(lid);
  commitValues(lid);
  workgroupBarrier();
  if (PREFETCH && t + 1u < tEnd) {
    fetchTile(k0 + BC, base, T, lid);
  }
}

// One dimension of the scores: the four rows' values q times the eight keys' k0 (keys tx + TX j,
// j < 4) and k1 (j >= 4).
fn scoreDim(s: Rows4, q: vec4<f32>, k0: vec4<f32>, k1: vec4<f32>) -> Rows4 {
  return Rows4(
    fma(vec4<f32>(q.x), k0, s.a0), fma(vec4<f32>(q.x), k1, s.a1),
    fma(vec4<f32>(q.y), k0, s.b0), fma(vec4<f32>(q.y), k1, s.b1),
    fma(vec4<f32>(q.z), k0, s.c0), fma(vec4<f32>(q.z), k1, s.c1),
    fma(vec4<f32>(q.w), k0, s.d0), fma(vec4<f32>(q.w), k1, s.d1),
  );
}

// One key of O += P V: the four rows' p times the key's values in quads tx (v0) and tx + TX (v1).
fn addKey(a: Rows4, p: vec4<f32>, v0: vec4<f32>, v1: vec4<f32>) -> Rows4 {
  return Rows4(
    fma(vec4<f32>(p.x), v0, a.a0), fma(vec4<f32>(p.x), v1, a.a1),
    fma(vec4<f32>(p.y), v0, a.b0), fma(vec4<f32>(p.y), v1, a.b1),
    fma(vec4<f32>(p.z), v0, a.c0), fma(vec4<f32>(p.z), v1, a.c1),
    fma(vec4<f32>(p.w), v0, a.d0), fma(vec4<f32>(p.w), v1, a.d1),
  );
}

// P of key j (component i of the thread's key vec4s) for the four rows, as one vec4.
fn storePKey(j: u32, ty: u32, p: vec4<f32>) {
  kt[j][ty] = p;
}

fn storeP(kj: vec4<u32>, kk: vec4<u32>, ty: u32, e: Rows4) {
  storePKey(kj.x, ty, vec4<f32>(e.a0.x, e.b0.x, e.c0.x, e.d0.x));
  storePKey(kj.y, ty, vec4<f32>(e.a0.y, e.b0.y, e.c0.y, e.d0.y));
  storePKey(kj.z, ty, vec4<f32>(e.a0.z, e.b0.z, e.c0.z, e.d0.z));
  storePKey(kj.w, ty, vec4<f32>(e.a0.w, e.b0.w, e.c0.w, e.d0.w));
  storePKey(kk.x, ty, vec4<f32>(e.a1.x, e.b1.x, e.c1.x, e.d1.x));
  storePKey(kk.y, ty, vec4<f32>(e.a1.y, e.b1.y, e.c1.y, e.d1.y));
  storePKey(kk.z, ty, vec4<f32>(e.a1.z, e.b1.z, e.c1.z, e.d1.z));
  storePKey(kk.w, ty, vec4<f32>(e.a1.w, e.b1.w, e.c1.w, e.d1.w));
}

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let work = flashWork(grid);
  if (!work.ok) {
    return;  // the grid's padding past this dispatch's items
  }
  let tx = lid % TX;
  let ty = lid / TX;
  let T = params.tokens;
  let head = work.head;
  let base = head * T * D4;
  let q0 = work.q0;

  // Q, transposed into qt and scaled by log2(e) / sqrt(D) (softmax in base 2). Each pair of
  // adjacent threads reads 32 contiguous bytes of one row.
  let qscale = params.scale * LOG2E;
  for (var i = 0u; i < BR * D4 / WG; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BR;
    let c = ((e >> 1u) / BR) * 2u + (e & 1u);
    let x = q[base + min(q0 + r, T - 1u) * D4 + c] * qscale;
    let g = r % TY;
    let comp = r / TY;
    qt[4u * c][g][comp] = x.x;
    qt[4u * c + 1u][g][comp] = x.y;
    qt[4u * c + 2u][g][comp] = x.z;
    qt[4u * c + 3u][g][comp] = x.w;
  }

  // As in the wide kernel: rows ty + TY x (x < 4), their last visible key, running max m, this
  // thread's part of the row sum l, and the output a.
  let i0 = vec4<u32>(q0 + ty) + vec4<u32>(0u, 1u, 2u, 3u) * TY;
  let last = min(i0, vec4<u32>(T - 1u));
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  var a = Rows4();
  let walk = flashWalk(q0, T);
  let sbase = head * T;
  if (walk.tBegin > 0u) {
    let st = loadRowState(last, sbase, tx);
    m = st.m;
    l = st.l;
    a = loadPairs(last, base, tx);
  }
  let kj = vec4<u32>(tx) + TX * vec4<u32>(0u, 1u, 2u, 3u);
  let kk = kj + vec4<u32>(4u * TX);
  if (PREFETCH && walk.tBegin < walk.tEnd) {
    fetchTile(walk.tBegin * BC, base, T, lid);
  }
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    let k0 = t * BC;
    stageTileT(t, walk.tEnd, base, T, lid);

    var s = Rows4();
    for (var d = 0u; d < BC; d++) {
      s = scoreDim(s, qt[d][ty], kt[d][tx], kt[d][tx + TX]);
    }
    let diagonal = k0 + BC - 1u > q0;
    if (diagonal) {
      s = maskScores(s, vec4<u32>(k0) + kj, vec4<u32>(k0) + kk, last);
    }
    let mNew = max(m, rowMax(tileMax(s)));
    let alpha = exp2(m - mNew);
    m = mNew;
    s = probabilities(s, mNew);
    l = l * alpha + rowSums(s);
    a = scaleRows(a, alpha);
    workgroupBarrier();  // P goes over K: every thread must have read its keys
    storeP(kj, kk, ty, s);
    workgroupBarrier();

    if (diagonal) {
      // Only unmasked keys' values are added, so a NaN in a later key's value cannot reach an
      // earlier row through p = 0.
      for (var j = 0u; j < BC; j++) {
        a = addKeyPairs(a, kt[j][ty], vs[j][tx], vs[j][tx + TX], vec4<u32>(k0 + j) <= last);
      }
      continue;
    }
    for (var j = 0u; j < BC; j++) {
      a = addKey(a, kt[j][ty], vs[j][tx], vs[j][tx + TX]);
    }
  }

  finishPairs(i0, T, base, sbase, tx, walk.tEnd < walk.tiles, m, l, a);
}
