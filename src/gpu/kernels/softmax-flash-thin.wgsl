enable subgroups;

// Causal softmax attention with an online softmax, the wide kernel's staging (Q, K/P and V of a
// 64 x 64 tile in 48 KiB at d = 64, the next K/V tile prefetched into registers) with a quarter
// of its work per thread: thread (ty, tx), TY by TX = D / 4, owns the 4 query rows ty + TY x
// (x < 4), the 4 keys tx + TX j (j < 4) of each tile of BC = 4 TX = D keys, and one output quad,
// tx. 16 scores and 4 vec4 of output per thread (wide: 32 and 8), so far fewer registers and 256
// threads at d = 64, at 8 FMAs per vec4 read from workgroup memory (wide: 10.7). Everything else
// (subgroup row max and sum, 2-D workgroup arrays, masks on the diagonal tile only, selects not
// multiplies, chunked rows with carried state, FMA chains) is as in the other subgroup kernels.
//
// Constants, prepended by softmax-flash.ts:
//   D4: D / 4      TX: D4, threads along the keys (and output quads)
//   TY, BR = 4 TY, BC = 4 TX, WG = TX TY, POFF, KW, NF, PREFETCH: as in softmax-flash-wide.wgsl

// NEG, LOG2E, Params and the bindings, addDots and addColumns: softmax-flash-common.wgsl.

// Workgroup tiles qs, kp, vs and the tile staging: softmax-flash-subgroup.wgsl; hmax, hsum,
// rowMax, rowSum: softmax-flash-shuffle.wgsl.

// P of one row (column pc of kp) for this thread's keys kj.
fn storeP(kj: vec4<u32>, pc: u32, e: vec4<f32>) {
  kp[kj.x / 4u][pc][kj.x % 4u] = e.x;
  kp[kj.y / 4u][pc][kj.y % 4u] = e.y;
  kp[kj.z / 4u][pc][kj.z % 4u] = e.z;
  kp[kj.w / 4u][pc][kj.w % 4u] = e.w;
}

// Row i's output quad tx: normalised, or (chunk left) unnormalised with the row's (max, sum).
fn finishQuad(i: u32, T: u32, base: u32, sbase: u32, tx: u32, save: bool, mr: f32, lr: f32, a: vec4<f32>) {
  if (i < T) {
    out[base + i * D4 + tx] = a * select(1.0 / lr, 1.0, save);
    if (save && tx == 0u) {
      state[sbase + i] = vec2<f32>(mr, lr);
    }
  }
}

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let work = flashWork(grid);
  if (!work.ok) {
    return;  // the grid's padding past this dispatch's items
  }
  let T = params.tokens;
  let head = work.head;
  let q0 = work.q0;
  let base = head * T * D4;
  let tx = lid % TX;
  let ty = lid / TX;
  // This thread's rows ty + TY x (x < 4).
  let r = vec4<u32>(ty) + TY * vec4<u32>(0u, 1u, 2u, 3u);

  let qscale = params.scale * LOG2E;
  for (var i = 0u; i < BR * D4 / WG; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BR;
    let c = ((e >> 1u) / BR) * 2u + (e & 1u);
    qs[c][r] = q[base + min(q0 + r, T - 1u) * D4 + c] * qscale;
  }

  let last = min(vec4<u32>(q0) + r, vec4<u32>(T - 1u));
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  // a_x: row r_x's output quad tx.
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  let walk = flashWalk(q0, T);
  let sbase = head * T;
  if (walk.tBegin > 0u) {
    let st = loadRowState(last, sbase, tx);
    m = st.m;
    l = st.l;
    let ob = vec4<u32>(base + tx) + last * D4;
    a0 = out[ob.x];
    a1 = out[ob.y];
    a2 = out[ob.z];
    a3 = out[ob.w];
  }
  let kj = vec4<u32>(tx) + TX * vec4<u32>(0u, 1u, 2u, 3u);
  let p0 = POFF + r.x;
  let p1 = POFF + r.y;
  let p2 = POFF + r.z;
  let p3 = POFF + r.w;
  if (PREFETCH && walk.tBegin < walk.tEnd) {
    fetchTile(walk.tBegin * BC, base, T, lid);
  }
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    stageTile(t, walk.tEnd, base, T, lid);
    let k0 = t * BC;

    // Scores: s_x[j] = q(row r_x) . k(key tx + TX j), as FMA chains over K transposed.
    var s0 = vec4<f32>(0.0);
    var s1 = vec4<f32>(0.0);
    var s2 = vec4<f32>(0.0);
    var s3 = vec4<f32>(0.0);
    for (var c = 0u; c < D4; c++) {
      let kt = transpose(mat4x4<f32>(kp[c][kj.x], kp[c][kj.y], kp[c][kj.z], kp[c][kj.w]));
      s0 = addDots(s0, qs[c][r.x], kt);
      s1 = addDots(s1, qs[c][r.y], kt);
      s2 = addDots(s2, qs[c][r.z], kt);
      s3 = addDots(s3, qs[c][r.w], kt);
    }
    // Only the diagonal tile (and padding past T) holds keys past a row's position.
    let diagonal = k0 + BC - 1u > q0;
    if (diagonal) {
      let keys = vec4<u32>(k0) + kj;
      s0 = select(vec4<f32>(NEG), s0, keys <= vec4<u32>(last.x));
      s1 = select(vec4<f32>(NEG), s1, keys <= vec4<u32>(last.y));
      s2 = select(vec4<f32>(NEG), s2, keys <= vec4<u32>(last.z));
      s3 = select(vec4<f32>(NEG), s3, keys <= vec4<u32>(last.w));
    }
    let mNew = max(m, rowMax(vec4<f32>(hmax(s0), hmax(s1), hmax(s2), hmax(s3))));
    let alpha = exp2(m - mNew);
    m = mNew;
    let e0 = exp2(s0 - vec4<f32>(mNew.x));
    let e1 = exp2(s1 - vec4<f32>(mNew.y));
    let e2 = exp2(s2 - vec4<f32>(mNew.z));
    let e3 = exp2(s3 - vec4<f32>(mNew.w));
    l = l * alpha + vec4<f32>(hsum(e0), hsum(e1), hsum(e2), hsum(e3));
    a0 *= alpha.x;
    a1 *= alpha.y;
    a2 *= alpha.z;
    a3 *= alpha.w;
    if (POFF == 0u) {
      workgroupBarrier();  // P goes over K: every thread must have read its keys
    }
    storeP(kj, p0, e0);
    storeP(kj, p1, e1);
    storeP(kj, p2, e2);
    storeP(kj, p3, e3);
    workgroupBarrier();

    if (diagonal) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added, so a NaN
      // in a later key's value cannot reach an earlier row through p = 0.
      for (var j = 0u; j < BC; j++) {
        let keep = vec4<u32>(k0 + j) <= last;
        let vj = vs[j][tx];
        let jq = j / 4u;
        let jc = j % 4u;
        let pj = vec4<f32>(kp[jq][p0][jc], kp[jq][p1][jc], kp[jq][p2][jc], kp[jq][p3][jc]);
        a0 = select(a0, fma(vec4<f32>(pj.x), vj, a0), keep.x);
        a1 = select(a1, fma(vec4<f32>(pj.y), vj, a1), keep.y);
        a2 = select(a2, fma(vec4<f32>(pj.z), vj, a2), keep.z);
        a3 = select(a3, fma(vec4<f32>(pj.w), vj, a3), keep.w);
      }
      continue;
    }
    // O += P V, four keys at a time: the values of keys 4 j4 .. 4 j4 + 3 weighted by P.
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let j = 4u * j4;
      let vm = mat4x4<f32>(vs[j][tx], vs[j + 1u][tx], vs[j + 2u][tx], vs[j + 3u][tx]);
      a0 = addColumns(a0, vm, kp[j4][p0]);
      a1 = addColumns(a1, vm, kp[j4][p1]);
      a2 = addColumns(a2, vm, kp[j4][p2]);
      a3 = addColumns(a3, vm, kp[j4][p3]);
    }
  }

  let lt = rowSum(l);
  let save = walk.tEnd < walk.tiles;
  finishQuad(q0 + r.x, T, base, sbase, tx, save, m.x, lt.x, a0);
  finishQuad(q0 + r.y, T, base, sbase, tx, save, m.y, lt.y, a1);
  finishQuad(q0 + r.z, T, base, sbase, tx, save, m.z, lt.z, a2);
  finishQuad(q0 + r.w, T, base, sbase, tx, save, m.w, lt.w, a3);
}
