// Causal softmax attention with f16 inputs on matrix units (tensor cores), FlashAttention-2's
// structure (Dao 2023): a workgroup owns BR = 16 NS query rows of one head, one subgroup per 16
// rows, and walks the key/value tiles of BC keys up to the diagonal. Per tile, each subgroup
// computes its 16 x BC block of scores S = Q K^T as 16 x 16 x 16 matrix products (f16 inputs, f32
// accumulation), the row max and sum stay in f32 (online softmax), the probabilities are rounded
// to f16 and the tile's contribution P V is again a 16 x 16 x 16 product with f32 accumulation.
//
// The matrix operations (SgLeft, SgRight, SgAcc, sgInit, the loads, mma*, storeAcc) and the f16
// type `h` come from a piece composed with this file (src/gpu/forms/f16/flash-f16.ts): the WebGPU
// subgroup-matrix builtins (softmax-flash-f16-sgm.wgsl), the same operations shared out among the
// invocations in plain WGSL (softmax-flash-f16-sgm-lanes.wgsl: shader-f16 alone), or written out
// whole in every invocation (softmax-flash-f16-sgm-emulated.wgsl, for tests without features).
//
// A subgroup matrix cannot be scaled row by row, so the output is not accumulated in matrices:
// each tile's P V is stored to workgroup memory and added, rescaled by the row's exp2(m_old -
// m_new), to f32 registers of the TPR threads that own the row (each a run of the row's columns).
// Q, K and V are read as f32 and rounded to f16 where they are staged; the scores get the scale
// 1 / sqrt(d) (and log2(e), for exp2) in f32 after the product, so the product sees exactly the
// f16-rounded inputs. Long rows are walked in chunks as softmax-flash.wgsl walks them (the
// unnormalised output and the row's (max, sum) carried between dispatches).
//
// The constants D, D4, D16, BR, BC, NS, SGS, WG, TPR, KC, OC, PW, the entry point's builtins
// (structs Lanes and SubgroupIds, apart: a struct holding local_invocation_index makes all its
// members non-uniform to the analysis) and subgroupOf are prepended by flash-f16.ts.
// A key's value is multiplied by p = 0 on the diagonal tile when the key is past the row, so a
// NaN or Inf in a later value row reaches earlier rows here (finite inputs are required).

// NEG, LOG2E, Params, the bindings, flashWork and flashWalk: softmax-flash-common.wgsl.

var<workgroup> ks: array<h, BC * D>;   // this tile's keys, [key][dim]
var<workgroup> vs: array<h, BC * D>;   // this tile's values, [key][dim]
var<workgroup> ps: array<h, BR * PW>;  // Q [row][dim] at the start, then P [row][key]
var<workgroup> sos: array<f32, BR * PW>;  // S [row][key], then this tile's P V [row][dim]
var<workgroup> red: array<f32, BR * TPR>;  // the row's partial maxima, then partial sums

// Stages rows r0.. of a [T][D] f32 input (rows past T as zeros) into `ks` or `vs` as f16.
fn stageKV(k0: u32, base: u32, T: u32, lid: u32) {
  for (var e = lid; e < BC * D4; e += WG) {
    let key = e / D4;
    let c = e % D4;
    let ok = k0 + key < T;
    let at = base + min(k0 + key, T - 1u) * D4 + c;
    let kv = select(vec4<f32>(0.0), k[at], ok);
    let vv = select(vec4<f32>(0.0), v[at], ok);
    let o = key * D + 4u * c;
    ks[o] = toH(kv.x);
    ks[o + 1u] = toH(kv.y);
    ks[o + 2u] = toH(kv.z);
    ks[o + 3u] = toH(kv.w);
    vs[o] = toH(vv.x);
    vs[o + 1u] = toH(vv.y);
    vs[o + 2u] = toH(vv.z);
    vs[o + 3u] = toH(vv.w);
  }
}

@compute @workgroup_size(WG)
fn main(grid: Grid, lanes: Lanes, ids: SubgroupIds) {
  let lid = lanes.lid;
  let work = flashWork(grid);
  if (!work.ok) {
    return;  // the grid's padding past this dispatch's items
  }
  let T = params.tokens;
  let q0 = work.q0;
  let base = work.head * T * D4;
  let sbase = work.head * T;
  // Subgroup sg computes rows 16 sg .. 16 sg + 15 (the matrix products); thread (row, part)
  // does the softmax of `row` for keys part + TPR i and owns the output columns of vec4
  // part OC .. part OC + OC - 1. subgroupOf (from flash-f16.ts) is 0 with one subgroup per
  // workgroup: the matrix builtins need offsets that WGSL's uniformity analysis can prove
  // uniform, which an index computed from local_invocation_index is not.
  let sg = subgroupOf(ids);
  let lane = lid % SGS;
  let row = lid / TPR;
  let part = lid % TPR;
  let pos = q0 + row;
  let last = min(pos, T - 1u);
  let qscale = params.scale * LOG2E;
  sgInit(lane);

  for (var e = lid; e < BR * D4; e += WG) {
    let r = e / D4;
    let c = e % D4;
    let qv = select(vec4<f32>(0.0), q[base + min(q0 + r, T - 1u) * D4 + c], q0 + r < T);
    let o = r * D + 4u * c;
    ps[o] = toH(qv.x);
    ps[o + 1u] = toH(qv.y);
    ps[o + 2u] = toH(qv.z);
    ps[o + 3u] = toH(qv.w);
  }
  workgroupBarrier();
  var qf: array<SgLeft, D16>;
  for (var c = 0u; c < D16; c++) {
    qf[c] = loadQ(sg * 16u * D + c * 16u);
  }

  var m = NEG;
  var l = 0.0;
  var o: array<vec4<f32>, OC>;
  for (var i = 0u; i < OC; i++) {
    o[i] = vec4<f32>(0.0);
  }
  let walk = flashWalk(q0, T);
  if (walk.tBegin > 0u) {
    // Resume this row (rows past T read row T - 1, which they never write); its sum goes to
    // part 0 alone, since the parts are added at the end.
    let st = state[sbase + last];
    m = st.x;
    l = select(0.0, st.y, part == 0u);
    for (var i = 0u; i < OC; i++) {
      o[i] = out[base + last * D4 + part * OC + i];
    }
  }
  for (var t = walk.tBegin; t < walk.tEnd; t++) {
    let k0 = t * BC;
    workgroupBarrier();  // the last tile's (or Q's) reads of the workgroup arrays are done
    stageKV(k0, base, T, lid);
    workgroupBarrier();

    // S = Q K^T for this subgroup's 16 rows, 16 keys at a time.
    for (var j = 0u; j < BC / 16u; j++) {
      var acc = sgZero();
      for (var c = 0u; c < D16; c++) {
        acc = mmaQK(qf[c], loadKT(j * 16u * D + c * 16u), acc);
      }
      storeAcc(sg * 16u * BC + j * 16u, BC, acc, lane);
    }
    workgroupBarrier();

    // Online softmax of `row` over this tile, in base 2; masked keys (past the row, or past T)
    // get p = 0.
    var mx = m;
    for (var i = 0u; i < KC; i++) {
      let j = part + TPR * i;
      if (k0 + j <= last) {
        mx = max(mx, sos[row * BC + j] * qscale);
      }
    }
    red[row * TPR + part] = mx;
    workgroupBarrier();
    var mNew = m;
    for (var u = 0u; u < TPR; u++) {
      mNew = max(mNew, red[row * TPR + u]);
    }
    let alpha = exp2(m - mNew);
    m = mNew;
    var tileSum = 0.0;
    for (var i = 0u; i < KC; i++) {
      let j = part + TPR * i;
      let p = select(0.0, exp2(sos[row * BC + j] * qscale - mNew), k0 + j <= last);
      let ph = toH(p);
      tileSum += f32(ph);  // the sum of the probabilities the product sees
      ps[row * BC + j] = ph;
    }
    l = l * alpha + tileSum;
    workgroupBarrier();

    // This tile's P V, 16 output columns at a time.
    for (var n = 0u; n < D16; n++) {
      var acc = sgZero();
      for (var j = 0u; j < BC / 16u; j++) {
        acc = mmaPV(loadP(sg * 16u * BC + j * 16u), loadV(j * 16u * D + n * 16u), acc);
      }
      storeAcc(sg * 16u * D + n * 16u, D, acc, lane);
    }
    workgroupBarrier();
    for (var i = 0u; i < OC; i++) {
      let x = row * D + 4u * (part * OC + i);
      o[i] = o[i] * alpha + vec4<f32>(sos[x], sos[x + 1u], sos[x + 2u], sos[x + 3u]);
    }
  }

  // The row's sum: add its TPR parts.
  workgroupBarrier();
  red[row * TPR + part] = l;
  workgroupBarrier();
  var total = 0.0;
  for (var u = 0u; u < TPR; u++) {
    total += red[row * TPR + u];
  }
  if (pos >= T) {
    return;
  }
  let ob = base + pos * D4 + part * OC;
  if (walk.tEnd < walk.tiles) {
    for (var i = 0u; i < OC; i++) {
      out[ob + i] = o[i];
    }
    if (part == 0u) {
      state[sbase + pos] = vec2<f32>(m, total);
    }
    return;
  }
  let inv = 1.0 / total;
  for (var i = 0u; i < OC; i++) {
    out[ob + i] = o[i] * inv;
  }
}
