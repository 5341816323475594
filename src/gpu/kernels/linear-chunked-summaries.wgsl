// Chunked linear attention, phase 1 of 3 (Buckman & Gelada 2024): per chunk b,
//   P_b = phi(K_b)^T V_b (D x D) and z_b = colsum phi(K_b) (D).
// One workgroup owns a TS x TS tile (TS = min(D, 64)) of one chunk's P_b; it walks the chunk's
// tokens KT at a time, staging phi(K) and V rows in workgroup memory as vec4s (2 KT TS floats,
// 16 KiB at KT = 32, TS = 64). 256 threads as a 16 x 16 grid: thread (ty, tx) owns state rows
// 4 ty + i and columns 4 tx + j of the tile, a 4 x 4 register tile fed by two vec4 reads per
// token (named registers). The
// workgroups of column tile 0 also sum z_b, from the phi(K) values they already hold.
// With the gate on (gate-on.wgsl, gated-chunked), each token's phi(k) is first weighted by its
// decay to the chunk's end, exp(cum_e - cum_t) <= 1 (e the chunk's last token, cum the log-decays
// summed from the chunk's start): P_b and z_b are then the chunk's share of the state after e.

override D: u32 = 64u;
override TS: u32 = 64u; // tile side, min(D, 64)
override KT: u32 = 32u; // tokens staged per step

struct Params {
  tokens: u32,
  workgroupOffset: u32,
  chunks: u32,
  headBase: u32,
  chunkSize: u32, // a uniform, so that chunk sizes share pipelines
}

@group(0) @binding(0) var<uniform> params: Params;
// QKV: f32, or f16 for linear-chunked-f16 (linear-inputs-*.wgsl); read as f32 either way.
@group(0) @binding(1) var<storage, read> k: array<vec4<QKV>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<QKV>>;
// [heads in group][chunks][D * D summary P_b, then D column sums z_b]
@group(0) @binding(3) var<storage, read_write> states: array<vec4<f32>>;

var<workgroup> ks: array<vec4<f32>, KT * TS / 4u>; // [token][row / 4]
var<workgroup> vs: array<vec4<f32>, KT * TS / 4u>; // [token][column / 4]

// Staged element e (< KT TS / 4) of a step from token t0: token t0 + e / (TS / 4), a vec4 of its
// row of K (src 0; features c0 + 4 (e % (TS / 4)) ..) or V (src 1; columns c0 + ..), as stored;
// zero past the chunk's end or past the step.
fn stageLoad(src: u32, base4: u32, t0: u32, tEnd: u32, c0: u32, e: u32) -> vec4<f32> {
  let TS4 = TS / 4u;
  let t = t0 + e / TS4;
  var x = vec4<f32>(0.0);
  if (e < KT * TS4 && t < tEnd) {
    let i = base4 + t * (D / 4u) + c0 / 4u + e % TS4;
    if (src == 0u) {
      x = vec4<f32>(k[i]);
    } else {
      x = vec4<f32>(v[i]);
    }
  }
  return x;
}

// Stores staged element e: phi(k), weighted with the gate on by the token's decay to the chunk's
// end (every exponent <= 0), and v. phi(0) is not 0 (softplus, elu1): tokens past the end stay 0.
fn stageStore(kRaw: vec4<f32>, vx: vec4<f32>, head: u32, t0: u32, tEnd: u32, e: u32) {
  let TS4 = TS / 4u;
  if (e < KT * TS4) {
    let t = t0 + e / TS4;
    var kx = select(vec4<f32>(0.0), phi4(kRaw), t < tEnd);
    if (GATED && t < tEnd) {
      let T = params.tokens;
      kx *= exp(min(gate(head * T + tEnd - 1u) - gate(head * T + t), 0.0));
    }
    ks[e] = kx;
    vs[e] = vx;
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tilesPerSide = D / TS;
  let w = params.workgroupOffset + wid.x;
  let tile = w % (tilesPerSide * tilesPerSide);
  let chunkIndex = w / (tilesPerSide * tilesPerSide); // over (head in group, chunk)
  let chunk = chunkIndex % params.chunks;
  let head = params.headBase + chunkIndex / params.chunks;
  let r0 = (tile / tilesPerSide) * TS;
  let col0 = (tile % tilesPerSide) * TS;
  let T = params.tokens;
  let D4 = D / 4u;
  let TS4 = TS / 4u;
  let base4 = head * T * D4;
  let tStart = chunk * params.chunkSize;
  let tEnd = min(tStart + params.chunkSize, T);
  let tx = lid % 16u;
  let ty = lid / 16u;
  let inTile = ty < TS4 && tx < TS4;
  let sumZ = col0 == 0u && tx == 0u;

  // Rows 4 ty + i (a_i), columns 4 tx ..: named registers, not an array (NVIDIA's compiler kept
  // function-scope arrays of vec4 in local memory; docs/PERFORMANCE.md).
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var z = vec4<f32>(0.0);
  for (var t0 = tStart; t0 < tEnd; t0 += KT) {
    // At most two staging steps per thread (KT TS / 4 <= 512 vec4s of each of K and V), both
    // steps' loads issued before either is mapped and stored: a feature map applied to each value
    // as it arrived made each load wait for the one before.
    let k0 = stageLoad(0u, base4, t0, tEnd, r0, lid);
    let v0 = stageLoad(1u, base4, t0, tEnd, col0, lid);
    let k1 = stageLoad(0u, base4, t0, tEnd, r0, lid + 256u);
    let v1 = stageLoad(1u, base4, t0, tEnd, col0, lid + 256u);
    stageStore(k0, v0, head, t0, tEnd, lid);
    stageStore(k1, v1, head, t0, tEnd, lid + 256u);
    workgroupBarrier();
    if (inTile) {
      for (var t = 0u; t < KT; t++) {
        let a = ks[t * TS4 + ty];
        let b = vs[t * TS4 + tx];
        a0 = fma(vec4<f32>(a.x), b, a0);
        a1 = fma(vec4<f32>(a.y), b, a1);
        a2 = fma(vec4<f32>(a.z), b, a2);
        a3 = fma(vec4<f32>(a.w), b, a3);
        z += a;
      }
    }
    workgroupBarrier();
  }
  if (inTile) {
    let out4 = chunkIndex * (D * (D + 1u) / 4u);
    let o = out4 + (r0 + 4u * ty) * D4 + col0 / 4u + tx;
    states[o] = a0;
    states[o + D4] = a1;
    states[o + 2u * D4] = a2;
    states[o + 3u * D4] = a3;
    if (sumZ) {
      states[out4 + D * D4 + r0 / 4u + ty] = z;
    }
  }
}
