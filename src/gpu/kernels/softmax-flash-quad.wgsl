enable subgroups;

// Causal softmax attention with an online softmax, the wide kernel's scheme (see
// softmax-flash-wide.wgsl) for large heads: thread (ty, tx), TY by TX = D / 16, owns the 4 query
// rows ty + TY x (x < 4), the 4 keys tx + TX j (j < 4) of each tile of BC = 4 TX keys, and the 4
// output columns (vec4) tx + TX i (i < 4). At d = 128 a tile of 64 keys would need 64 KiB for K
// and V alone, over WebGPU's usual 48 KiB; 32-key tiles with 32 rows fit in 48 KiB (Q, K/P, V).
// Everything else (subgroup row max and sum, 2-D workgroup arrays indexed by a loop counter and a
// per-thread value, masking by select, chunked rows with carried state) is as in the wide kernel.
//
// Constants, prepended by softmax-flash.ts:
//   D4: D / 4 (8, 16 or 32)      TX: D / 16, threads along the keys (and column groups)
//   TY, BR = 4 TY, BC = 4 TX, WG = TX TY, POFF, KW, NF, PREFETCH: as in softmax-flash-wide.wgsl

// NEG, LOG2E, Params and the bindings: softmax-flash-common.wgsl.

// Workgroup tiles qs, kp, vs and the tile staging: softmax-flash-subgroup.wgsl; hmax, hsum,
// rowMax, rowSum: softmax-flash-shuffle.wgsl.

// P of one row (column pc of kp) for this thread's keys kj.
fn storeP(kj: vec4<u32>, pc: u32, e: vec4<f32>) {
  kp[kj.x / 4u][pc][kj.x % 4u] = e.x;
  kp[kj.y / 4u][pc][kj.y % 4u] = e.y;
  kp[kj.z / 4u][pc][kj.z % 4u] = e.z;
  kp[kj.w / 4u][pc][kj.w % 4u] = e.w;
}

// finishRow and loadRow (four output quads per row as a mat4x4): softmax-flash-quads.wgsl.

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

    // Scores: s_x[j] = q(row r_x) . k(key tx + TX j).
    var s0 = vec4<f32>(0.0);
    var s1 = vec4<f32>(0.0);
    var s2 = vec4<f32>(0.0);
    var s3 = vec4<f32>(0.0);
    for (var c = 0u; c < D4; c++) {
      let kl = mat4x4<f32>(kp[c][kj.x], kp[c][kj.y], kp[c][kj.z], kp[c][kj.w]);
      s0 += qs[c][r.x] * kl;
      s1 += qs[c][r.y] * kl;
      s2 += qs[c][r.z] * kl;
      s3 += qs[c][r.w] * kl;
    }
    let keys = vec4<u32>(k0) + kj;
    s0 = select(vec4<f32>(NEG), s0, keys <= vec4<u32>(last.x));
    s1 = select(vec4<f32>(NEG), s1, keys <= vec4<u32>(last.y));
    s2 = select(vec4<f32>(NEG), s2, keys <= vec4<u32>(last.z));
    s3 = select(vec4<f32>(NEG), s3, keys <= vec4<u32>(last.w));
    let tileMax = vec4<f32>(hmax(s0), hmax(s1), hmax(s2), hmax(s3));
    let mNew = max(m, rowMax(tileMax));
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

    if (k0 + BC - 1u > q0) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added.
      for (var j = 0u; j < BC; j++) {
        let keep = vec4<u32>(k0 + j) <= last;
        let vj = mat4x4<f32>(vs[j][tx], vs[j][tx + TX], vs[j][tx + 2u * TX], vs[j][tx + 3u * TX]);
        let jq = j / 4u;
        let jc = j % 4u;
        let pj = vec4<f32>(kp[jq][p0][jc], kp[jq][p1][jc], kp[jq][p2][jc], kp[jq][p3][jc]);
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
      let j = 4u * j4;
      let pr0 = kp[j4][p0];
      let pr1 = kp[j4][p1];
      let pr2 = kp[j4][p2];
      let pr3 = kp[j4][p3];
      for (var i = 0u; i < 4u; i++) {
        let col = tx + i * TX;
        let vm = mat4x4<f32>(vs[j][col], vs[j + 1u][col], vs[j + 2u][col], vs[j + 3u][col]);
        a0[i] += vm * pr0;
        a1[i] += vm * pr1;
        a2[i] += vm * pr2;
        a3[i] += vm * pr3;
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
