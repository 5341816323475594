enable subgroups;

// Causal softmax attention with an online softmax, for large heads: softmax-flash-sliced.wgsl's
// staging (Q and K in two halves of the head dimension, then V whole into the same memory, P
// apart; 48 KiB at d = 128) with half the work per thread and twice the threads. Thread (ty, tx),
// TY = BR / 4 by TX = D4 / 2, owns the rows ty + TY x (x < 4), the 4 keys tx + TX j (j < 4) of
// each tile of BC = 4 TX keys, and the output quads tx and tx + TX: 16 scores and 8 vec4 of output
// (the sliced kernel: 32 and 16), so fewer registers per thread and more warps per SM, at 8 FMAs
// per vec4 read from workgroup memory in the scores (sliced: 10.7) and 10.7 in P V (sliced: 12.8).
// At d = 128: 64 x 64 tiles, 256 threads.
//
// Constants, prepended by softmax-flash.ts:
//   D4: D / 4 quads      S4: D4 / 2, quads per slice    TX: D4 / 2    TY: TX
//   BR = BC = 4 TX = 2 D4: rows and keys per tile        WG: TX TY threads
//   NS: S4 BR / WG, vec4s of Q (and of K) each thread stages per slice
//   NV: BC D4 / WG, vec4s of V each thread stages per tile

// NEG, LOG2E, Params and the bindings: softmax-flash-common.wgsl. hmax, hsum, rowMax, rowSum:
// softmax-flash-shuffle.wgsl. Rows4 (here the output: row x's quads tx and tx + TX), scaleRows,
// addColumnPairs, addKeyPairs, finishPairs and loadPairs: softmax-flash-rows4.wgsl.

// qk and ps (workgroup memory), stageSlice, stageValues and value: softmax-flash-slices.wgsl.

// One quad c of the current slice: rows r (four; column x of st) against the thread's keys kj,
// as FMA chains over the keys' dimensions (kt[d]: dimension 4 c + d of the four keys).
fn scoreStep(st: mat4x4<f32>, c: u32, r: vec4<u32>, kj: vec4<u32>) -> mat4x4<f32> {
  let kt = transpose(mat4x4<f32>(qk[S4 + c][kj.x], qk[S4 + c][kj.y], qk[S4 + c][kj.z], qk[S4 + c][kj.w]));
  return mat4x4<f32>(
    addDots(st[0], qk[c][r.x], kt),
    addDots(st[1], qk[c][r.y], kt),
    addDots(st[2], qk[c][r.z], kt),
    addDots(st[3], qk[c][r.w], kt),
  );
}

// P of one row for this thread's keys kj.
fn storeP(kj: vec4<u32>, row: u32, e: vec4<f32>) {
  ps[kj.x / 4u][row][kj.x % 4u] = e.x;
  ps[kj.y / 4u][row][kj.y % 4u] = e.y;
  ps[kj.z / 4u][row][kj.z % 4u] = e.z;
  ps[kj.w / 4u][row][kj.w % 4u] = e.w;
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
  // This thread's rows ty + TY x (x < 4), and its keys in a tile.
  let r = vec4<u32>(ty) + TY * vec4<u32>(0u, 1u, 2u, 3u);
  let kj = vec4<u32>(tx) + TX * vec4<u32>(0u, 1u, 2u, 3u);
  // Softmax in base 2: Q carries log2(e) / sqrt(D), so exp2 gives the same probabilities.
  let qscale = params.scale * LOG2E;

  let last = min(vec4<u32>(q0) + r, vec4<u32>(T - 1u));
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
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    let k0 = t * BC;

    // Scores, one slice of the dimensions at a time (each staged once every thread is done with
    // what the memory held before: the previous tile's values, then the first slice). Column x of
    // st holds row r_x's scores for keys kj.
    var st = mat4x4<f32>();
    for (var h = 0u; h < 2u; h++) {
      workgroupBarrier();
      stageSlice(h, q0, k0, base, T, lid, qscale);
      workgroupBarrier();
      for (var c = 0u; c < S4; c++) {
        st = scoreStep(st, c, r, kj);
      }
    }
    var s0 = st[0];
    var s1 = st[1];
    var s2 = st[2];
    var s3 = st[3];
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
    a = scaleRows(a, alpha);
    // P has its own memory, last read by the previous tile's values (two barriers ago).
    storeP(kj, r.x, e0);
    storeP(kj, r.y, e1);
    storeP(kj, r.z, e2);
    storeP(kj, r.w, e3);
    workgroupBarrier();  // every thread is done with the second slice; P is complete
    stageValues(k0, base, T, lid);
    workgroupBarrier();

    if (diagonal) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added, so a NaN
      // in a later key's value cannot reach an earlier row through p = 0.
      for (var j = 0u; j < BC; j++) {
        let keep = vec4<u32>(k0 + j) <= last;
        let v0 = value(j, tx);
        let v1 = value(j, tx + TX);
        let jq = j / 4u;
        let jc = j % 4u;
        let p = vec4<f32>(ps[jq][r.x][jc], ps[jq][r.y][jc], ps[jq][r.z][jc], ps[jq][r.w][jc]);
        a = addKeyPairs(a, p, v0, v1, keep);
      }
      continue;
    }
    // O += P V, four keys at a time: V * p is the sum over those keys of p[j] v(key j).
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let pa = ps[j4][r.x];
      let pb = ps[j4][r.y];
      let pc = ps[j4][r.z];
      let pd = ps[j4][r.w];
      // Keys 4 j4 .. 4 j4 + 3: rows 2 j4 and 2 j4 + 1 of qk, two keys each.
      let v0 = mat4x4<f32>(qk[2u * j4][tx], qk[2u * j4][D4 + tx], qk[2u * j4 + 1u][tx], qk[2u * j4 + 1u][D4 + tx]);
      let c1 = tx + TX;
      let v1 = mat4x4<f32>(qk[2u * j4][c1], qk[2u * j4][D4 + c1], qk[2u * j4 + 1u][c1], qk[2u * j4 + 1u][D4 + c1]);
      a = addColumnPairs(a, v0, v1, pa, pb, pc, pd);
    }
  }

  finishPairs(vec4<u32>(q0) + r, T, base, sbase, tx, walk.tEnd < walk.tiles, m, l, a);
}
