enable subgroups;

// Causal softmax attention with an online softmax, for large heads (d = 128 on a GPU with 48 KiB
// of workgroup memory): the wide kernel's 4 rows x 8 keys of scores per thread, with Q and K
// staged in two slices of the head dimension so that 64 x 64 tiles and 128 threads fit.
//
// At d = 128 one 64-key tile of K and V alone takes 64 KiB, and Q for 64 rows 32 KiB, so the
// quad kernel (softmax-flash-quad.wgsl) runs 32 x 32 tiles with 64 threads: 8 warps per SM, a
// mostly idle SM. Here a workgroup keeps no Q of its own; per key tile it stages Q and K for the
// first half of the dimensions (quads 0 .. S4 - 1), adds their products to the scores, then the
// second half, then V whole into the same memory. Workgroup memory: that array (D4 x BC vec4,
// 32 KiB) and P (BC / 4 x BR vec4, 16 KiB). Q is read again from global memory (the L2) for every
// key tile: 96 KiB per tile of 2.1 MFLOP instead of 64 KiB.
//
// Thread (ty, tx), TY = BR / 4 by TX = BC / 8, owns the rows ty + TY x (x < 4) and, per tile, the
// keys tx + TX j (j < 8): scores as named vec4 (Rows4), one vec4 of Q per row times two 4 x 4
// matrices of the keys' quads per step. For O += P V it owns the same rows and the output quads
// tx + TX i (i < 4; D4 = 4 TX), a mat4x4 per row. A row's TX threads are adjacent invocations of
// one subgroup: its maximum and sum by subgroupShuffleXor. Every workgroup-memory read indexes one
// dimension by a loop counter with literal bounds and the other by a value fixed per thread, and a
// warp's reads fall on distinct banks (see softmax-flash-wide.wgsl for why both matter).
//
// Long rows are walked in chunks of key tiles with the online-softmax state carried between
// dispatches, and masks are selects on the diagonal tile only, as in the wide kernel.
//
// Constants, prepended by softmax-flash.ts:
//   D4: D / 4 quads      S4: D4 / 2, quads per slice    TX: D4 / 4    TY: 2 TX
//   BR = BC = 8 TX = 2 D4: rows and keys per tile        WG: TX TY threads
//   NS: S4 BR / WG, vec4s of Q (and of K) each thread stages per slice
//   NV: BC D4 / WG, vec4s of V each thread stages per tile

// NEG, LOG2E, Params and the bindings: softmax-flash-common.wgsl. hmax, hsum, rowMax, rowSum:
// softmax-flash-shuffle.wgsl. Rows4 and its helpers: softmax-flash-rows4.wgsl. finishRow and
// loadRow: softmax-flash-quads.wgsl.

// qk and ps (workgroup memory), stageSlice, stageValues and value: softmax-flash-slices.wgsl.

// One quad c of the current slice: rows r (four) against the thread's keys kj, kk.
fn scoreStep(s: Rows4, c: u32, r: vec4<u32>, kj: vec4<u32>, kk: vec4<u32>) -> Rows4 {
  // kl[d], kh[d]: dimension 4 c + d of the thread's keys (transposed: FMA chains, see addDots).
  let kl = transpose(mat4x4<f32>(qk[S4 + c][kj.x], qk[S4 + c][kj.y], qk[S4 + c][kj.z], qk[S4 + c][kj.w]));
  let kh = transpose(mat4x4<f32>(qk[S4 + c][kk.x], qk[S4 + c][kk.y], qk[S4 + c][kk.z], qk[S4 + c][kk.w]));
  let qa = qk[c][r.x];
  let qb = qk[c][r.y];
  let qc = qk[c][r.z];
  let qd = qk[c][r.w];
  return Rows4(
    addDots(s.a0, qa, kl), addDots(s.a1, qa, kh),
    addDots(s.b0, qb, kl), addDots(s.b1, qb, kh),
    addDots(s.c0, qc, kl), addDots(s.c1, qc, kh),
    addDots(s.d0, qd, kl), addDots(s.d1, qd, kh),
  );
}

// P of one row for this thread's keys kj (e0) and kk (e1).
fn storeP(kj: vec4<u32>, kk: vec4<u32>, row: u32, e0: vec4<f32>, e1: vec4<f32>) {
  ps[kj.x / 4u][row][kj.x % 4u] = e0.x;
  ps[kj.y / 4u][row][kj.y % 4u] = e0.y;
  ps[kj.z / 4u][row][kj.z % 4u] = e0.z;
  ps[kj.w / 4u][row][kj.w % 4u] = e0.w;
  ps[kk.x / 4u][row][kk.x % 4u] = e1.x;
  ps[kk.y / 4u][row][kk.y % 4u] = e1.y;
  ps[kk.z / 4u][row][kk.z % 4u] = e1.z;
  ps[kk.w / 4u][row][kk.w % 4u] = e1.w;
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
  let kk = kj + vec4<u32>(4u * TX);
  // Softmax in base 2: Q carries log2(e) / sqrt(D), so exp2 gives the same probabilities.
  let qscale = params.scale * LOG2E;

  let last = min(vec4<u32>(q0) + r, vec4<u32>(T - 1u));
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  // a_x: row r_x's output, column i of the matrix = output quad tx + TX i.
  var a0 = mat4x4<f32>();
  var a1 = mat4x4<f32>();
  var a2 = mat4x4<f32>();
  var a3 = mat4x4<f32>();
  let walk = flashWalk(q0, T);
  let sbase = head * T;
  if (walk.tBegin > 0u) {
    let st = loadRowState(last, sbase, tx);
    m = st.m;
    l = st.l;
    let ob = base + last * D4 + vec4<u32>(tx);
    a0 = loadRow(ob.x);
    a1 = loadRow(ob.y);
    a2 = loadRow(ob.z);
    a3 = loadRow(ob.w);
  }
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    let k0 = t * BC;

    // Scores, one slice of the dimensions at a time (each staged once every thread is done with
    // what the memory held before: the previous tile's values, then the first slice).
    var s = Rows4();
    for (var h = 0u; h < 2u; h++) {
      workgroupBarrier();
      stageSlice(h, q0, k0, base, T, lid, qscale);
      workgroupBarrier();
      for (var c = 0u; c < S4; c++) {
        s = scoreStep(s, c, r, kj, kk);
      }
    }
    // Only the diagonal tile (and padding past T) holds keys past a row's position.
    let diagonal = k0 + BC - 1u > q0;
    if (diagonal) {
      s = maskScores(s, vec4<u32>(k0) + kj, vec4<u32>(k0) + kk, last);
    }
    let mNew = max(m, rowMax(tileMax(s)));
    let alpha = exp2(m - mNew);
    m = mNew;
    s = probabilities(s, mNew);
    l = l * alpha + rowSums(s);
    a0 *= alpha.x;
    a1 *= alpha.y;
    a2 *= alpha.z;
    a3 *= alpha.w;
    // P has its own memory, last read by the previous tile's values (two barriers ago).
    storeP(kj, kk, r.x, s.a0, s.a1);
    storeP(kj, kk, r.y, s.b0, s.b1);
    storeP(kj, kk, r.z, s.c0, s.c1);
    storeP(kj, kk, r.w, s.d0, s.d1);
    workgroupBarrier();  // every thread is done with the second slice; P is complete
    stageValues(k0, base, T, lid);
    workgroupBarrier();

    if (diagonal) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added, so a NaN
      // in a later key's value cannot reach an earlier row through p = 0.
      for (var j = 0u; j < BC; j++) {
        let keep = vec4<u32>(k0 + j) <= last;
        let vj = mat4x4<f32>(value(j, tx), value(j, tx + TX), value(j, tx + 2u * TX), value(j, tx + 3u * TX));
        let jq = j / 4u;
        let jc = j % 4u;
        let pj = vec4<f32>(ps[jq][r.x][jc], ps[jq][r.y][jc], ps[jq][r.z][jc], ps[jq][r.w][jc]);
        if (keep.x) {
          a0 += vj * pj.x;
        }
        if (keep.y) {
          a1 += vj * pj.y;
        }
        if (keep.z) {
          a2 += vj * pj.z;
        }
        if (keep.w) {
          a3 += vj * pj.w;
        }
      }
      continue;
    }
    // O += P V, four keys at a time: column i of a_x gains V(keys, quad tx + TX i) p_x.
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let pr0 = ps[j4][r.x];
      let pr1 = ps[j4][r.y];
      let pr2 = ps[j4][r.z];
      let pr3 = ps[j4][r.w];
      for (var i = 0u; i < 4u; i++) {
        let col = tx + i * TX;
        // Keys 4 j4 .. 4 j4 + 3: rows 2 j4 and 2 j4 + 1 of qk, two keys each.
        let vm = mat4x4<f32>(
          qk[2u * j4][col],
          qk[2u * j4][D4 + col],
          qk[2u * j4 + 1u][col],
          qk[2u * j4 + 1u][D4 + col],
        );
        a0[i] = addColumns(a0[i], vm, pr0);
        a1[i] = addColumns(a1[i], vm, pr1);
        a2[i] = addColumns(a2[i], vm, pr2);
        a3[i] = addColumns(a3[i], vm, pr3);
      }
    }
  }

  let lt = rowSum(l);
  let save = walk.tEnd < walk.tiles;
  finishRow(q0 + r.x, T, base, sbase, tx, save, m.x, lt.x, a0);
  finishRow(q0 + r.y, T, base, sbase, tx, save, m.y, lt.y, a1);
  finishRow(q0 + r.z, T, base, sbase, tx, save, m.z, lt.z, a2);
  finishRow(q0 + r.w, T, base, sbase, tx, save, m.w, lt.w, a3);
}
