enable subgroups;

// Causal softmax attention, tiled with an online softmax (FlashAttention-2's loop order: a block
// of BR query rows per workgroup walks the key/value tiles up to its diagonal), for devices with
// subgroups of at least TX invocations.
//
// Thread (ty, tx), TY by TX = D / 8, owns the 4 query rows ty + TY x (x < 4) and, per tile of
// BC = D keys, the 8 keys tx + TX j (j < 8): a 4 x 8 block of scores, computed per quad of
// dimensions as one vec4 of Q per row times two 4 x 4 matrices of the keys' quads (10.7 FMAs per
// vec4 read from workgroup memory). For O += P V it owns the same rows and the output columns
// (vec4) tx and tx + TX. A row's TX threads are adjacent invocations of one subgroup, so its
// maximum and sum are exchanged with subgroupShuffleXor (no workgroup memory, no barrier).
// Per-thread registers are named vec4 values (the struct Rows4 holds four rows' worth), never
// arrays: NVIDIA's driver put arrays of vec4 indexed by constant-bound loop counters in local
// memory (3x slower, measured with 8 rows per thread).
//
// Workgroup memory is two-dimensional, [quad][row or key] for Q, K and P and [key][quad] for V,
// and every read in the inner loops indexes one dimension by a loop counter with literal bounds
// and the other by a value fixed per thread (its rows, keys or columns). WebGPU clamps every
// index that it cannot prove in range (robustness); indexed this way, the clamps fold into
// constants once the driver unrolls the loop or are computed once per thread, where a flat index
// such as base + c would be clamped, with its own address, at every read. Adjacent threads read
// adjacent vec4s, so a warp's reads fall on distinct banks without padding. P goes over K (same
// array, POFF = 0) once every thread has read its keys, or beside it (POFF = BC) when there is
// room.
//
// Long rows are walked in chunks of `chunkTiles` key tiles, one chunk per dispatch, the
// online-softmax state carried between dispatches exactly as in softmax-flash.wgsl: a workgroup
// that does not reach its diagonal leaves its unnormalised output in `out` and (max, sum) per row
// in `state`, and the next chunk's workgroup resumes from them.
//
// Masking selects, never multiplies: masked scores become NEG, and a tile that reaches past the
// block's first row (the diagonal tile, and padding past T) adds only the values of unmasked keys,
// so a NaN or Inf in a later key's value cannot reach an earlier row through p = 0.
//
// The shapes are constants (a two-dimensional array's inner size must be one), prepended by
// softmax-flash.ts:
//   D4: D / 4, quads per row (4, 8 or 16)    TX: D / 8, threads along the keys
//   TY: threads along the rows               BR: 4 TY, query rows per workgroup
//   BC: 8 TX = D, keys per tile              WG: TX TY, threads per workgroup
//   POFF: column of P in kp (0 or BC)        KW: columns of kp, max(BC, POFF + BR)
//   NF: BC D4 / WG, vec4s of K (and of V) each thread stages per tile
//   PREFETCH: load tile t + 1 into registers while tile t is worked on (double buffering)
// The products are chains of vec4 FMAs (addDots, addColumns in softmax-flash-common.wgsl), not
// WGSL's vector-matrix products, whose dot products are added to the accumulator afterwards.

// NEG, LOG2E, Params and the bindings: softmax-flash-common.wgsl.

// Workgroup tiles qs, kp, vs and the tile staging: softmax-flash-subgroup.wgsl; hmax, hsum,
// rowMax, rowSum: softmax-flash-shuffle.wgsl.

// Rows4 and its helpers (maskScores, tileMax, probabilities, rowSums, scaleRows, and for the
// output addColumnPairs, addKeyPairs, finishPairs, loadPairs): softmax-flash-rows4.wgsl.

// One quad c of the dot products of rows r, r + TY, r + 2 TY, r + 3 TY with the thread's keys.
fn scoreStep(s: Rows4, c: u32, r: u32, kl: mat4x4<f32>, kh: mat4x4<f32>) -> Rows4 {
  let qa = qs[c][r];
  let qb = qs[c][r + TY];
  let qc = qs[c][r + 2u * TY];
  let qd = qs[c][r + 3u * TY];
  let lt = transpose(kl);
  let ht = transpose(kh);
  return Rows4(
    addDots(s.a0, qa, lt), addDots(s.a1, qa, ht),
    addDots(s.b0, qb, lt), addDots(s.b1, qb, ht),
    addDots(s.c0, qc, lt), addDots(s.c1, qc, ht),
    addDots(s.d0, qd, lt), addDots(s.d1, qd, ht),
  );
}

// P of one row (column pc of kp) for this thread's keys kj (e0) and kk (e1).
fn storeP(kj: vec4<u32>, kk: vec4<u32>, pc: u32, e0: vec4<f32>, e1: vec4<f32>) {
  kp[kj.x / 4u][pc][kj.x % 4u] = e0.x;
  kp[kj.y / 4u][pc][kj.y % 4u] = e0.y;
  kp[kj.z / 4u][pc][kj.z % 4u] = e0.z;
  kp[kj.w / 4u][pc][kj.w % 4u] = e0.w;
  kp[kk.x / 4u][pc][kk.x % 4u] = e1.x;
  kp[kk.y / 4u][pc][kk.y % 4u] = e1.y;
  kp[kk.z / 4u][pc][kk.z % 4u] = e1.z;
  kp[kk.w / 4u][pc][kk.w % 4u] = e1.w;
}

// P: key tx + TX j of row r goes to kp[(tx + TX j) / 4][POFF + r][(tx + TX j) % 4].
fn storeRowsP(kj: vec4<u32>, kk: vec4<u32>, pc: u32, e: Rows4) {
  storeP(kj, kk, pc, e.a0, e.a1);
  storeP(kj, kk, pc + TY, e.b0, e.b1);
  storeP(kj, kk, pc + 2u * TY, e.c0, e.c1);
  storeP(kj, kk, pc + 3u * TY, e.d0, e.d1);
}

// O += P V for keys j .. j + 3 (v0, v1: the 4 x 4 matrices of their values in the thread's two
// output quads); pc: P's column of the group's first row.
fn addPV(a: Rows4, j4: u32, pc: u32, v0: mat4x4<f32>, v1: mat4x4<f32>) -> Rows4 {
  let pa = kp[j4][pc];
  let pb = kp[j4][pc + TY];
  let pcc = kp[j4][pc + 2u * TY];
  let pd = kp[j4][pc + 3u * TY];
  return addColumnPairs(a, v0, v1, pa, pb, pcc, pd);
}

// The diagonal tile, key j alone: only rows that may see it (keep) add its value.
fn addPVKey(a: Rows4, j: u32, pc: u32, vj0: vec4<f32>, vj1: vec4<f32>, keep: vec4<bool>) -> Rows4 {
  let jq = j / 4u;
  let jc = j % 4u;
  let p = vec4<f32>(kp[jq][pc][jc], kp[jq][pc + TY][jc], kp[jq][pc + 2u * TY][jc], kp[jq][pc + 3u * TY][jc]);
  return addKeyPairs(a, p, vj0, vj1, keep);
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

  // Softmax in base 2: Q carries log2(e) / sqrt(D), so exp2 gives the same probabilities.
  // Staging: each pair of adjacent threads reads 32 contiguous bytes of one row.
  let qscale = params.scale * LOG2E;
  for (var i = 0u; i < BR * D4 / WG; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BR;
    let c = ((e >> 1u) / BR) * 2u + (e & 1u);
    qs[c][r] = q[base + min(q0 + r, T - 1u) * D4 + c] * qscale;
  }

  // Rows ty + TY x (x < 4). last: the last key each row may see (rows past T repeat row T - 1
  // and are not written); m: running max; l: this thread's part of the row sum; a: output.
  let i0 = vec4<u32>(q0 + ty) + vec4<u32>(0u, 1u, 2u, 3u) * TY;
  let last = min(i0, vec4<u32>(T - 1u));
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  var a = Rows4();
  let walk = flashWalk(q0, T);
  let sbase = head * T;
  if (walk.tBegin > 0u) {
    // Resume: the row's sum goes to the thread tx = 0 alone (the parts are added at the end).
    let st = loadRowState(last, sbase, tx);
    m = st.m;
    l = st.l;
    a = loadPairs(last, base, tx);
  }
  // This thread's keys in a tile, tx + TX j, and its rows' first P column.
  let kj = vec4<u32>(tx) + TX * vec4<u32>(0u, 1u, 2u, 3u);
  let kk = kj + vec4<u32>(4u * TX);
  let pc = POFF + ty;
  if (PREFETCH && walk.tBegin < walk.tEnd) {
    fetchTile(walk.tBegin * BC, base, T, lid);
  }
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    let k0 = t * BC;
    stageTile(t, walk.tEnd, base, T, lid);

    // Scores, per quad of dimensions: each row's vec4 of Q times the 4 x 4 matrices of the keys.
    var s = Rows4();
    for (var c = 0u; c < D4; c++) {
      let kl = mat4x4<f32>(kp[c][kj.x], kp[c][kj.y], kp[c][kj.z], kp[c][kj.w]);
      let kh = mat4x4<f32>(kp[c][kk.x], kp[c][kk.y], kp[c][kk.z], kp[c][kk.w]);
      s = scoreStep(s, c, ty, kl, kh);
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
    a = scaleRows(a, alpha);
    if (POFF == 0u) {
      workgroupBarrier();  // P goes over K: every thread must have read its keys
    }
    storeRowsP(kj, kk, pc, s);
    workgroupBarrier();

    if (diagonal) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added, so a NaN
      // in a later key's value cannot reach an earlier row through p = 0.
      for (var j = 0u; j < BC; j++) {
        a = addPVKey(a, j, pc, vs[j][tx], vs[j][tx + TX], vec4<u32>(k0 + j) <= last);
      }
      continue;
    }
    // O += P V, four keys at a time: V * p is the sum over those keys of p[j] v(key j).
    for (var j4 = 0u; j4 < BC / 4u; j4++) {
      let j = 4u * j4;
      let v0 = mat4x4<f32>(vs[j][tx], vs[j + 1u][tx], vs[j + 2u][tx], vs[j + 3u][tx]);
      let v1 = mat4x4<f32>(
        vs[j][tx + TX],
        vs[j + 1u][tx + TX],
        vs[j + 2u][tx + TX],
        vs[j + 3u][tx + TX],
      );
      a = addPV(a, j4, pc, v0, v1);
    }
  }

  finishPairs(i0, T, base, sbase, tx, walk.tEnd < walk.tiles, m, l, a);
}
