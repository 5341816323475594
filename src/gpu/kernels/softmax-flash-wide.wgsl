enable subgroups;

// Causal softmax attention, tiled with an online softmax (FlashAttention-2's loop order: a block
// of BR query rows per workgroup walks the key/value tiles up to its diagonal), for devices with
// subgroups of at least TX invocations.
//
// Thread (ty, tx), TY by TX = D / 8, owns the RT query rows ty + TY x (x < RT, RT = 4 or 8) and,
// per tile of BC = D keys, the 8 keys tx + TX j (j < 8): an RT x 8 block of scores, computed per
// quad of dimensions as one vec4 of Q per row times two 4 x 4 matrices of the keys' quads (RT = 8:
// 16 FMAs per vec4 read from workgroup memory, RT = 4: 10.7). For O += P V it owns the same rows
// and the output columns (vec4) tx and tx + TX. A row's TX threads are adjacent invocations of one
// subgroup, so its maximum and sum are exchanged with subgroupShuffleXor (no workgroup memory, no
// barrier). Per-thread registers are arrays indexed only by loop counters with constant bounds
// (after unrolling, named registers; an array indexed by a value the compiler cannot fold may go
// to slow local memory).
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
//   TY: threads along the rows               RT: rows per thread (4 or 8), RQ = RT / 4
//   BR: RT TY, query rows per workgroup
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

  // Softmax in base 2: Q carries log2(e) / sqrt(D), so exp2 gives the same probabilities.
  // Staging: each pair of adjacent threads reads 32 contiguous bytes of one row.
  let qscale = params.scale * LOG2E;
  for (var i = 0u; i < BR * D4 / WG; i++) {
    let e = lid + i * WG;
    let r = (e >> 1u) % BR;
    let c = ((e >> 1u) / BR) * 2u + (e & 1u);
    qs[c][r] = q[base + min(q0 + r, T - 1u) * D4 + c] * qscale;
  }

  // Row x of this thread is ty + TY x; last[x / 4][x % 4] is the last key it may see (rows past
  // T repeat row T - 1 and are not written). m, l: running max and this thread's part of the sum.
  var last: array<vec4<u32>, RQ>;
  var m: array<vec4<f32>, RQ>;
  var l: array<vec4<f32>, RQ>;
  for (var g = 0u; g < RQ; g++) {
    let r = vec4<u32>(q0 + ty) + TY * (vec4<u32>(0u, 1u, 2u, 3u) + 4u * g);
    last[g] = min(r, vec4<u32>(T - 1u));
    m[g] = vec4<f32>(NEG);
    l[g] = vec4<f32>(0.0);
  }
  // a[2 x], a[2 x + 1]: row x's output quads tx and tx + TX.
  var a: array<vec4<f32>, 2 * RT>;
  let lastKey = min(q0 + BR, T) - 1u;
  let tiles = lastKey / BC + 1u;
  let tBegin = params.chunk * params.chunkTiles;
  let tEnd = min(tiles, tBegin + params.chunkTiles);
  let sbase = head * T;
  if (tBegin > 0u) {
    // Resume: the row's sum goes to the thread tx = 0 alone (the parts are added at the end).
    for (var x = 0u; x < RT; x++) {
      let i = last[x / 4u][x % 4u];
      let st = state[sbase + i];
      m[x / 4u][x % 4u] = st.x;
      l[x / 4u][x % 4u] = select(0.0, st.y, tx == 0u);
      a[2u * x] = out[base + i * D4 + tx];
      a[2u * x + 1u] = out[base + i * D4 + tx + TX];
    }
  }
  // This thread's keys in a tile, tx + TX j.
  let kj = vec4<u32>(tx) + TX * vec4<u32>(0u, 1u, 2u, 3u);
  let kk = kj + vec4<u32>(4u * TX);
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

    // Scores: s[2 x] = q(row x) . k(keys tx + TX j, j < 4), s[2 x + 1] the keys tx + TX (4 + j).
    var s = array<vec4<f32>, 2 * RT>();
    for (var c = 0u; c < D4; c++) {
      let kl = mat4x4<f32>(kp[c][kj.x], kp[c][kj.y], kp[c][kj.z], kp[c][kj.w]);
      let kh = mat4x4<f32>(kp[c][kk.x], kp[c][kk.y], kp[c][kk.z], kp[c][kk.w]);
      for (var x = 0u; x < RT; x++) {
        let qx = qs[c][ty + TY * x];
        s[2u * x] += qx * kl;
        s[2u * x + 1u] += qx * kh;
      }
    }
    // Only the diagonal tile (and padding past T) holds keys past a row's position: they get NEG.
    let diagonal = k0 + BC - 1u > q0;
    if (diagonal) {
      let kl4 = vec4<u32>(k0) + kj;
      let kh4 = vec4<u32>(k0) + kk;
      for (var x = 0u; x < RT; x++) {
        let lx = vec4<u32>(last[x / 4u][x % 4u]);
        s[2u * x] = select(vec4<f32>(NEG), s[2u * x], kl4 <= lx);
        s[2u * x + 1u] = select(vec4<f32>(NEG), s[2u * x + 1u], kh4 <= lx);
      }
    }
    // Online softmax, four rows (one vec4 of m) at a time.
    var alpha: array<vec4<f32>, RQ>;
    for (var g = 0u; g < RQ; g++) {
      let b = 8u * g;
      let tileMax = vec4<f32>(
        max(hmax(s[b]), hmax(s[b + 1u])),
        max(hmax(s[b + 2u]), hmax(s[b + 3u])),
        max(hmax(s[b + 4u]), hmax(s[b + 5u])),
        max(hmax(s[b + 6u]), hmax(s[b + 7u])),
      );
      let mNew = max(m[g], rowMax(tileMax));
      alpha[g] = exp2(m[g] - mNew);
      m[g] = mNew;
    }
    for (var x = 0u; x < RT; x++) {
      let mx = vec4<f32>(m[x / 4u][x % 4u]);
      s[2u * x] = exp2(s[2u * x] - mx);
      s[2u * x + 1u] = exp2(s[2u * x + 1u] - mx);
      let ax = alpha[x / 4u][x % 4u];
      a[2u * x] *= ax;
      a[2u * x + 1u] *= ax;
    }
    for (var g = 0u; g < RQ; g++) {
      let b = 8u * g;
      l[g] = l[g] * alpha[g] + vec4<f32>(
        hsum(s[b] + s[b + 1u]),
        hsum(s[b + 2u] + s[b + 3u]),
        hsum(s[b + 4u] + s[b + 5u]),
        hsum(s[b + 6u] + s[b + 7u]),
      );
    }
    if (POFF == 0u) {
      workgroupBarrier();  // P goes over K: every thread must have read its keys
    }
    // P: key tx + TX j of row r goes to kp[(tx + TX j) / 4][POFF + r][(tx + TX j) % 4].
    for (var x = 0u; x < RT; x++) {
      storeP(kj, kk, POFF + ty + TY * x, s[2u * x], s[2u * x + 1u]);
    }
    workgroupBarrier();

    if (diagonal) {
      // The diagonal tile (and padding past T): only unmasked keys' values are added.
      for (var j = 0u; j < BC; j++) {
        let vj0 = vs[j][tx];
        let vj1 = vs[j][tx + TX];
        for (var x = 0u; x < RT; x++) {
          let keep = k0 + j <= last[x / 4u][x % 4u];
          let p = vec4<f32>(kp[j / 4u][POFF + ty + TY * x][j % 4u]);
          a[2u * x] = select(a[2u * x], fma(p, vj0, a[2u * x]), keep);
          a[2u * x + 1u] = select(a[2u * x + 1u], fma(p, vj1, a[2u * x + 1u]), keep);
        }
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
      for (var x = 0u; x < RT; x++) {
        let pr = kp[j4][POFF + ty + TY * x];
        a[2u * x] += v0 * pr;
        a[2u * x + 1u] += v1 * pr;
      }
    }
  }

  // Row sums: each thread holds the sum over its own keys; add the TX parts of each row.
  let save = tEnd < tiles;
  for (var g = 0u; g < RQ; g++) {
    let lt = rowSum(l[g]);
    for (var i = 0u; i < 4u; i++) {
      let x = 4u * g + i;
      finishRow(q0 + ty + TY * x, T, base, sbase, tx, save, m[g][i], lt[i], a[2u * x], a[2u * x + 1u]);
    }
  }
}
