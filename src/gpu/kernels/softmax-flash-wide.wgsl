enable subgroups;

// Causal softmax attention, tiled with an online softmax (FlashAttention-2's loop order: a block
// of BR query rows per workgroup walks the key/value tiles up to its diagonal), for devices with
// subgroups of at least TX invocations.
//
// Thread (ty, tx), TY by TX = D / 8, owns the 4 query rows ty + TY x (x < 4) and, per tile of
// BC = D keys, the 8 keys tx + TX j (j < 8): a 4 x 8 block of scores, computed per quad of
// dimensions as one vec4 of Q per row times two 4 x 4 matrices of the keys' quads (32 FMAs per
// loaded vec4 of Q). For O += P V it owns the same rows and the output columns (vec4) tx and
// tx + TX. A row's TX threads are adjacent invocations of one subgroup, so its maximum and sum
// are exchanged with subgroupShuffleXor (no workgroup memory, no barrier). Registers are named
// vec4 values, never arrays indexed by loop counters (a driver may put those in local memory).
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

// -inf stand-in: exp2(NEG - s) is 0 for any finite logit, and NEG - s stays finite.
const NEG: f32 = -3.0e38;
const LOG2E: f32 = 1.4426950408889634;

struct Params {
  tokens: u32,
  heads: u32,
  blocks: u32,  // query blocks per head, ceil(tokens / BR)
  offset: u32,  // first work item of this dispatch
  count: u32,   // work items in this dispatch
  scale: f32,   // 1 / sqrt(D)
  chunk: u32,   // which chunk of key tiles this dispatch walks
  chunkTiles: u32,  // key tiles per chunk
}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> state: array<vec2<f32>>;  // (max, sum) per row
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> qs: array<array<vec4<f32>, BR>, D4>;  // Q [quad][row]
var<workgroup> kp: array<array<vec4<f32>, KW>, D4>;  // K [quad][key], P [key / 4][POFF + row]
var<workgroup> vs: array<array<vec4<f32>, D4>, BC>;  // V [key][quad]

fn hmax(a: vec4<f32>) -> f32 {
  return max(max(a.x, a.y), max(a.z, a.w));
}

fn hsum(a: vec4<f32>) -> f32 {
  return (a.x + a.y) + (a.z + a.w);
}

// Max over the TX adjacent invocations that share a row (one component per row).
fn rowMax(x: vec4<f32>) -> vec4<f32> {
  var m = x;
  for (var o = 1u; o < TX; o <<= 1u) {
    m = max(m, subgroupShuffleXor(m, o));
  }
  return m;
}

fn rowSum(x: vec4<f32>) -> vec4<f32> {
  var s = x;
  for (var o = 1u; o < TX; o <<= 1u) {
    s += subgroupShuffleXor(s, o);
  }
  return s;
}

// This thread's share of a K/V tile (keys k0..k0 + BC - 1; past T, row T - 1), held in registers
// until commitTile writes it to workgroup memory. Adjacent threads read 32 contiguous bytes of K.
var<private> kf: array<vec4<f32>, NF>;
var<private> vf: array<vec4<f32>, NF>;

fn fetchTile(k0: u32, base: u32, T: u32, lid: u32) {
  for (var i = 0u; i < NF; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BC;
    let c = ((e >> 1u) / BC) * 2u + (e & 1u);
    kf[i] = k[base + min(k0 + r, T - 1u) * D4 + c];
    vf[i] = v[base + min(k0 + e / D4, T - 1u) * D4 + e % D4];
  }
}

fn commitTile(lid: u32) {
  for (var i = 0u; i < NF; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BC;
    let c = ((e >> 1u) / BC) * 2u + (e & 1u);
    kp[c][r] = kf[i];
    vs[e / D4][e % D4] = vf[i];
  }
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

// Row i's output: normalised, or (chunk left) unnormalised with the row's (max, sum) beside it.
fn finishRow(i: u32, T: u32, base: u32, sbase: u32, tx: u32, save: bool, mr: f32, lr: f32, a0: vec4<f32>, a1: vec4<f32>) {
  if (i < T) {
    let ob = base + i * D4 + tx;
    if (save) {
      out[ob] = a0;
      out[ob + TX] = a1;
      if (tx == 0u) {
        state[sbase + i] = vec2<f32>(mr, lr);
      }
    } else {
      let inv = 1.0 / lr;
      out[ob] = a0 * inv;
      out[ob + TX] = a1 * inv;
    }
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= params.count) {
    return;
  }
  let item = params.offset + w;
  let T = params.tokens;
  let head = item % params.heads;
  // Heaviest blocks (most keys below the diagonal) first, as in softmax-flash.wgsl.
  let block = params.blocks - 1u - item / params.heads;
  let base = head * T * D4;
  let q0 = block * BR;
  let tx = lid % TX;
  let ty = lid / TX;
  let r0 = ty;
  let r1 = ty + TY;
  let r2 = ty + 2u * TY;
  let r3 = ty + 3u * TY;

  // Softmax in base 2: Q carries log2(e) / sqrt(D), so exp2 gives the same probabilities.
  // Staging: each pair of adjacent threads reads 32 contiguous bytes of one row.
  let qscale = params.scale * LOG2E;
  for (var e = lid; e < BR * D4; e += WG) {
    let r = (e >> 1u) % BR;
    let c = ((e >> 1u) / BR) * 2u + (e & 1u);
    qs[c][r] = q[base + min(q0 + r, T - 1u) * D4 + c] * qscale;
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
  let lastKey = min(q0 + BR, T) - 1u;
  let tiles = lastKey / BC + 1u;
  let tBegin = params.chunk * params.chunkTiles;
  let tEnd = min(tiles, tBegin + params.chunkTiles);
  let sbase = head * T;
  if (tBegin > 0u) {
    // Resume: rows past T read row T - 1 (they are never written). The row's sum goes to the
    // thread tx = 0 alone, since the per-thread parts are added at the end.
    let st0 = state[sbase + last.x];
    let st1 = state[sbase + last.y];
    let st2 = state[sbase + last.z];
    let st3 = state[sbase + last.w];
    m = vec4<f32>(st0.x, st1.x, st2.x, st3.x);
    l = select(vec4<f32>(0.0), vec4<f32>(st0.y, st1.y, st2.y, st3.y), tx == 0u);
    let ob = base + last * D4 + vec4<u32>(tx);
    a00 = out[ob.x];
    a01 = out[ob.x + TX];
    a10 = out[ob.y];
    a11 = out[ob.y + TX];
    a20 = out[ob.z];
    a21 = out[ob.z + TX];
    a30 = out[ob.w];
    a31 = out[ob.w + TX];
  }
  // This thread's keys in a tile, tx + TX j, and its P columns.
  let kj = vec4<u32>(tx) + TX * vec4<u32>(0u, 1u, 2u, 3u);
  let kk = kj + vec4<u32>(4u * TX);
  let p0 = POFF + r0;
  let p1 = POFF + r1;
  let p2 = POFF + r2;
  let p3 = POFF + r3;
  if (PREFETCH && tBegin < tEnd) {
    fetchTile(tBegin * BC, base, T, lid);
  }
  for (var t = tBegin; t < tEnd; t++) {
    let k0 = t * BC;
    workgroupBarrier();
    if (PREFETCH) {
      commitTile(lid);
    } else {
      fetchTile(k0, base, T, lid);
      commitTile(lid);
    }
    workgroupBarrier();
    if (PREFETCH && t + 1u < tEnd) {
      fetchTile(k0 + BC, base, T, lid);  // the next tile's loads run under this tile's work
    }

    // Scores: s_x0[j] = q(row r_x) . k(key tx + TX j), s_x1[j] the same for key tx + TX (4 + j).
    var s00 = vec4<f32>(0.0);
    var s01 = vec4<f32>(0.0);
    var s10 = vec4<f32>(0.0);
    var s11 = vec4<f32>(0.0);
    var s20 = vec4<f32>(0.0);
    var s21 = vec4<f32>(0.0);
    var s30 = vec4<f32>(0.0);
    var s31 = vec4<f32>(0.0);
    for (var c = 0u; c < D4; c++) {
      let kl = mat4x4<f32>(kp[c][kj.x], kp[c][kj.y], kp[c][kj.z], kp[c][kj.w]);
      let kh = mat4x4<f32>(kp[c][kk.x], kp[c][kk.y], kp[c][kk.z], kp[c][kk.w]);
      let qa = qs[c][r0];
      let qb = qs[c][r1];
      let qc = qs[c][r2];
      let qd = qs[c][r3];
      s00 += qa * kl;
      s01 += qa * kh;
      s10 += qb * kl;
      s11 += qb * kh;
      s20 += qc * kl;
      s21 += qc * kh;
      s30 += qd * kl;
      s31 += qd * kh;
    }
    // Causal mask: keys past a row's position (and padding keys past T) get NEG.
    let kl4 = vec4<u32>(k0) + kj;
    let kh4 = vec4<u32>(k0) + kk;
    s00 = select(vec4<f32>(NEG), s00, kl4 <= vec4<u32>(last.x));
    s01 = select(vec4<f32>(NEG), s01, kh4 <= vec4<u32>(last.x));
    s10 = select(vec4<f32>(NEG), s10, kl4 <= vec4<u32>(last.y));
    s11 = select(vec4<f32>(NEG), s11, kh4 <= vec4<u32>(last.y));
    s20 = select(vec4<f32>(NEG), s20, kl4 <= vec4<u32>(last.z));
    s21 = select(vec4<f32>(NEG), s21, kh4 <= vec4<u32>(last.z));
    s30 = select(vec4<f32>(NEG), s30, kl4 <= vec4<u32>(last.w));
    s31 = select(vec4<f32>(NEG), s31, kh4 <= vec4<u32>(last.w));
    let tileMax = vec4<f32>(
      max(hmax(s00), hmax(s01)),
      max(hmax(s10), hmax(s11)),
      max(hmax(s20), hmax(s21)),
      max(hmax(s30), hmax(s31)),
    );
    let mNew = max(m, rowMax(tileMax));
    let alpha = exp2(m - mNew);
    m = mNew;
    let e00 = exp2(s00 - vec4<f32>(mNew.x));
    let e01 = exp2(s01 - vec4<f32>(mNew.x));
    let e10 = exp2(s10 - vec4<f32>(mNew.y));
    let e11 = exp2(s11 - vec4<f32>(mNew.y));
    let e20 = exp2(s20 - vec4<f32>(mNew.z));
    let e21 = exp2(s21 - vec4<f32>(mNew.z));
    let e30 = exp2(s30 - vec4<f32>(mNew.w));
    let e31 = exp2(s31 - vec4<f32>(mNew.w));
    l = l * alpha + vec4<f32>(
      hsum(e00 + e01),
      hsum(e10 + e11),
      hsum(e20 + e21),
      hsum(e30 + e31),
    );
    a00 *= alpha.x;
    a01 *= alpha.x;
    a10 *= alpha.y;
    a11 *= alpha.y;
    a20 *= alpha.z;
    a21 *= alpha.z;
    a30 *= alpha.w;
    a31 *= alpha.w;
    if (POFF == 0u) {
      workgroupBarrier();  // P goes over K: every thread must have read its keys
    }
    // P: key tx + TX j of row r goes to kp[(tx + TX j) / 4][POFF + r][(tx + TX j) % 4].
    storeP(kj, kk, p0, e00, e01);
    storeP(kj, kk, p1, e10, e11);
    storeP(kj, kk, p2, e20, e21);
    storeP(kj, kk, p3, e30, e31);
    workgroupBarrier();

    if (k0 + BC - 1u > q0) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added.
      for (var j = 0u; j < BC; j++) {
        let keep = vec4<u32>(k0 + j) <= last;
        let vj0 = vs[j][tx];
        let vj1 = vs[j][tx + TX];
        let jq = j / 4u;
        let jc = j % 4u;
        let pj = vec4<f32>(kp[jq][p0][jc], kp[jq][p1][jc], kp[jq][p2][jc], kp[jq][p3][jc]);
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
      let pr0 = kp[j4][p0];
      let pr1 = kp[j4][p1];
      let pr2 = kp[j4][p2];
      let pr3 = kp[j4][p3];
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
  let lt = rowSum(l);
  let save = tEnd < tiles;
  finishRow(q0 + r0, T, base, sbase, tx, save, m.x, lt.x, a00, a01);
  finishRow(q0 + r1, T, base, sbase, tx, save, m.y, lt.y, a10, a11);
  finishRow(q0 + r2, T, base, sbase, tx, save, m.z, lt.z, a20, a21);
  finishRow(q0 + r3, T, base, sbase, tx, save, m.w, lt.w, a30, a31);
}
