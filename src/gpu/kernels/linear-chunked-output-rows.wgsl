// Chunked linear attention, phase 3 of 3, where blocks are few (short contexts; the form decides):
// the sums of linear-chunked-output-whole.wgsl for chunks of exactly 64 tokens,
//   num_i = phi(q_i) S_b + sum_{j in the chunk, j <= i} (phi(q_i) . phi(k_j)) v_j,
//   den_i = phi(q_i) Z_b + sum_{j in the chunk, j <= i} phi(q_i) . phi(k_j),
//   y_i = num_i / (den_i + eps)  (or num_i if not NORMALIZE),
// with one workgroup per 16 query rows instead of 64: four workgroups share a block's work, so each
// runs a quarter of the whole-tile kernel's chain of loads, barriers and multiply-adds. With few
// blocks the GPU is mostly idle and the time is that chain's length, not the work.
//
// 256 threads: thread (ty, tx) owns row r0 + ty, output columns 4 tx .. 4 tx + 3
// (tx < D / 4) and, for the scores, keys 4 tx .. 4 tx + 3 of the chunk. The workgroup's keys run from
// its chunk's start to its own last row. Workgroup memory:
//   qs: phi(Q) of the 16 rows, [row][feature / 4];
//   sc: S_b, [feature][column / 4]; zs: Z_b;
//   kv: phi(K), [feature][key / 4], then V, [key][column / 4] (16 D vec4s either way);
//   ps: the masked scores P, [row][key / 4].
// The state comes from the prefix kernel or is summed from the summaries (SUM_STATES):
// linear-chunked-states.wgsl. With the gate on (gate-on.wgsl; cum: the log-decays summed from the
// chunk's start), row i takes exp(cum_i) phi(q_i) S_b and each kept score exp(cum_i - cum_j).

override D: u32 = 64u; // 16, 32 or 64
override NORMALIZE: bool = true;
const BQ: u32 = 16u; // query rows per workgroup (chunkBlockAt)
const CK: u32 = 64u; // tokens per chunk
const K4: u32 = 16u; // key quads per chunk

@group(0) @binding(0) var<uniform> params: Params;
// QKV: f32, or f16 for linear-chunked-f16 (linear-inputs-*.wgsl); read as f32 either way.
@group(0) @binding(1) var<storage, read> q: array<vec4<QKV>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<QKV>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<QKV>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
// [heads in group][chunks][D * D state S_b (or summary P_b), then D normaliser Z_b (or z_b)]
@group(0) @binding(5) var<storage, read> states: array<vec4<f32>>;

// Rows of qs and ps are padded by one vec4, so that the eight rows a warp reads at once fall in
// different banks.
var<workgroup> qs: array<vec4<f32>, BQ * (D / 4u + 1u)>;
var<workgroup> sc: array<vec4<f32>, D * (D / 4u)>;
var<workgroup> zs: array<vec4<f32>, D / 4u>;
var<workgroup> kv: array<vec4<f32>, 16u * D>;
var<workgroup> ps: array<vec4<f32>, BQ * (K4 + 1u)>;

// Element lid + 256 r of the keys' tile as stored (row-major, D / 4 vec4s per key): key e % 64,
// features 4 (e / 64) ..; zero past the workgroup's last key (nk keys from k0) or past T.
// Consecutive threads take consecutive keys, so the transposed stores do not collide.
fn loadKey(base4: u32, k0: u32, nk: u32, T: u32, lid: u32, r: u32) -> vec4<f32> {
  let e = lid + 256u * r;
  let key = e % CK;
  var x = vec4<f32>(0.0);
  if (e < CK * (D / 4u) && key < nk && k0 + key < T) {
    x = vec4<f32>(k[base4 + (k0 + key) * (D / 4u) + e / CK]);
  }
  return x;
}

// loadKey's value, mapped by phi and transposed into kv, [feature][key / 4] (zero stays zero: phi
// of a key past the workgroup's last one, or past T, is not taken).
fn storeKey(raw: vec4<f32>, kept: bool, lid: u32, r: u32) {
  let e = lid + 256u * r;
  if (e < CK * (D / 4u)) {
    let key = e % CK;
    let x = select(vec4<f32>(0.0), phi4(raw), kept);
    let i = 4u * (e / CK) * K4 + key / 4u;
    let lane = key % 4u;
    kv[i][lane] = x.x;
    kv[i + K4][lane] = x.y;
    kv[i + 2u * K4][lane] = x.z;
    kv[i + 3u * K4][lane] = x.w;
  }
}

// Element lid + 256 r of V's rows from k0 as stored, [key][column / 4]; zero past nk keys or T.
fn loadValue(base4: u32, k0: u32, nk: u32, T: u32, lid: u32, r: u32) -> vec4<f32> {
  let e = lid + 256u * r;
  var x = vec4<f32>(0.0);
  if (e < CK * (D / 4u) && e / (D / 4u) < nk && k0 + e / (D / 4u) < T) {
    x = vec4<f32>(v[base4 + k0 * (D / 4u) + e]);
  }
  return x;
}

fn storeValue(x: vec4<f32>, lid: u32, r: u32) {
  let e = lid + 256u * r;
  if (e < CK * (D / 4u)) {
    kv[e] = x;
  }
}

// cum of token t of the head (0 past T, or with the gate off).
fn cumAt(head: u32, t: u32, T: u32) -> f32 {
  var c = 0.0;
  if (GATED && t < T) {
    c = gate(head * T + t);
  }
  return c;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let D4 = D / 4u;
  let QS = D4 + 1u; // qs's row stride
  let PS = K4 + 1u; // ps's row stride
  // Each warp of 32 takes 8 rows x 4 column (or key) quads, so that a step's workgroup-memory reads
  // are 8 rows' vec4s of phi(Q) or P and 4 of S_b, phi(K) or V.
  let lane = lid % 32u;
  let warp = lid / 32u;
  let ty = 8u * (warp % 2u) + lane % 8u;
  let tx = 4u * (warp / 2u) + lane / 8u;
  let ownCols = tx < D4;
  let blk = chunkBlock(wid);
  let T = blk.T;
  let chunk = blk.q0 / CK;
  let k0 = chunk * CK;
  let nk = blk.q0 + BQ - k0; // keys from the chunk's start to this workgroup's last row
  let i = blk.q0 - k0 + ty; // this thread's row, counted from the chunk's start
  let row = blk.q0 + ty;

  // Every global read requested before any is used: queries, keys, values, the state.
  var qx = vec4<f32>(0.0);
  let qRow = blk.q0 + lid / D4;
  if (lid < BQ * D4 && qRow < T) {
    qx = vec4<f32>(q[blk.base4 + qRow * D4 + lid % D4]);
  }
  let k0x = loadKey(blk.base4, k0, nk, T, lid, 0u);
  let k1x = loadKey(blk.base4, k0, nk, T, lid, 1u);
  let k2x = loadKey(blk.base4, k0, nk, T, lid, 2u);
  let k3x = loadKey(blk.base4, k0, nk, T, lid, 3u);
  let v0x = loadValue(blk.base4, k0, nk, T, lid, 0u);
  let v1x = loadValue(blk.base4, k0, nk, T, lid, 1u);
  let v2x = loadValue(blk.base4, k0, nk, T, lid, 2u);
  let v3x = loadValue(blk.base4, k0, nk, T, lid, 3u);
  let state = chunkState(blk, chunk, lid, tx);

  if (lid < BQ * D4) {
    qs[(lid / D4) * QS + lid % D4] = select(vec4<f32>(0.0), phi4(qx), qRow < T);
  }
  let keyOf = lid % CK; // the key of each of this thread's loadKey elements
  let keptKey = keyOf < nk && k0 + keyOf < T;
  storeKey(k0x, keptKey, lid, 0u);
  storeKey(k1x, keptKey, lid, 1u);
  storeKey(k2x, keptKey, lid, 2u);
  storeKey(k3x, keptKey, lid, 3u);
  if (lid < D * D4) {
    sc[lid] = state.s.a;
  }
  if (lid + 256u < D * D4) {
    sc[lid + 256u] = state.s.b;
  }
  if (lid + 512u < D * D4) {
    sc[lid + 512u] = state.s.c;
  }
  if (lid + 768u < D * D4) {
    sc[lid + 768u] = state.s.d;
  }
  if (ty == 0u && ownCols) {
    zs[tx] = state.z;
  }
  workgroupBarrier();

  // phi(q_i) S_b and phi(q_i) Z_b (every thread of the row sums the same denominator), scaled by
  // the row's decay since the chunk began with the gate on.
  let ci = cumAt(blk.head, row, T);
  let ei = exp(min(ci, 0.0));
  var acc = vec4<f32>(0.0);
  var den = 0.0;
  for (var fq = 0u; fq < D4; fq++) {
    let qv = select(qs[ty * QS + fq], qs[ty * QS + fq] * ei, GATED);
    if (ownCols) {
      acc = fma(vec4<f32>(qv.x), sc[(4u * fq) * D4 + tx], acc);
      acc = fma(vec4<f32>(qv.y), sc[(4u * fq + 1u) * D4 + tx], acc);
      acc = fma(vec4<f32>(qv.z), sc[(4u * fq + 2u) * D4 + tx], acc);
      acc = fma(vec4<f32>(qv.w), sc[(4u * fq + 3u) * D4 + tx], acc);
    }
    if (NORMALIZE) {
      den += dot(qv, zs[fq]);
    }
  }

  // Scores of row i with keys 4 tx .. 4 tx + 3, kept where the key is not after the row (key j <= i),
  // scaled by exp(cum_i - cum_j) <= 1 with the gate on; zero elsewhere.
  var s4 = vec4<f32>(0.0);
  if (4u * tx <= i) {
    for (var fq = 0u; fq < D4; fq++) {
      let qv = qs[ty * QS + fq];
      s4 = fma(vec4<f32>(qv.x), kv[(4u * fq) * K4 + tx], s4);
      s4 = fma(vec4<f32>(qv.y), kv[(4u * fq + 1u) * K4 + tx], s4);
      s4 = fma(vec4<f32>(qv.z), kv[(4u * fq + 2u) * K4 + tx], s4);
      s4 = fma(vec4<f32>(qv.w), kv[(4u * fq + 3u) * K4 + tx], s4);
    }
    if (GATED) {
      let j0 = k0 + 4u * tx;
      let cj = vec4<f32>(cumAt(blk.head, j0, T), cumAt(blk.head, j0 + 1u, T),
        cumAt(blk.head, j0 + 2u, T), cumAt(blk.head, j0 + 3u, T));
      s4 *= exp(min(vec4<f32>(ci) - cj, vec4<f32>(0.0)));
    }
  }
  let keep = vec4<u32>(4u * tx) + vec4<u32>(0u, 1u, 2u, 3u) <= vec4<u32>(i);
  ps[ty * PS + tx] = select(vec4<f32>(0.0), s4, keep);
  workgroupBarrier(); // phi(K) read: kv is free for V
  storeValue(v0x, lid, 0u);
  storeValue(v1x, lid, 1u);
  storeValue(v2x, lid, 2u);
  storeValue(v3x, lid, 3u);
  workgroupBarrier();

  // num += P V over the keys before the row's own key quad, then that quad's keys j <= i one by one:
  // a masked key is skipped, not multiplied by 0 (0 x NaN in a later value would reach this row).
  let own = i / 4u;
  for (var jq = 0u; jq < own; jq++) {
    let p = ps[ty * PS + jq];
    if (NORMALIZE) {
      den += (p.x + p.y) + (p.z + p.w);
    }
    if (ownCols) {
      acc = fma(vec4<f32>(p.x), kv[(4u * jq) * D4 + tx], acc);
      acc = fma(vec4<f32>(p.y), kv[(4u * jq + 1u) * D4 + tx], acc);
      acc = fma(vec4<f32>(p.z), kv[(4u * jq + 2u) * D4 + tx], acc);
      acc = fma(vec4<f32>(p.w), kv[(4u * jq + 3u) * D4 + tx], acc);
    }
  }
  let p = ps[ty * PS + own];
  for (var jj = 0u; jj < 4u; jj++) {
    if (4u * own + jj <= i) {
      if (NORMALIZE) {
        den += p[jj];
      }
      if (ownCols) {
        acc = fma(vec4<f32>(p[jj]), kv[(4u * own + jj) * D4 + tx], acc);
      }
    }
  }
  if (row < T && ownCols) {
    let scale = select(1.0, 1.0 / (den + EPS), NORMALIZE);
    out[blk.base4 + row * D4 + tx] = acc * scale;
  }
}
