// Chunked linear attention, phase 1 of 3 (shared/reference/algorithms.md, (d)): per chunk b,
//   P_b = phi(K_b)^T V_b (D x D) and z_b = colsum phi(K_b) (D).
// One workgroup owns a TS x TS tile (TS = min(D, 64)) of one chunk's P_b; it walks the chunk's
// tokens KT at a time, staging phi(K) and V slices in workgroup memory (2 * KT * TS floats,
// 16 KiB at KT = 32, TS = 64). 256 threads as a 16 x 16 grid: thread (ty, tx) owns state rows
// ty + 16 m and columns tx + 16 n of the tile, so loads and stores are coalesced. The workgroups of
// column tile 0 also sum z_b, from the phi(K) values they already hold.

override D: u32 = 64u;
override TS: u32 = 64u; // tile side, min(D, 64)
override KT: u32 = 32u; // tokens staged per step

const MAX_M: u32 = 4u; // TS / 16

struct Params {
  tokens: u32,
  workgroupOffset: u32,
  chunks: u32,
  headBase: u32,
  chunkSize: u32, // a uniform, so that chunk sizes share pipelines
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
// [heads in group][chunks][D * D summary P_b, then D column sums z_b]
@group(0) @binding(3) var<storage, read_write> states: array<f32>;

var<workgroup> ks: array<f32, KT * TS>;
var<workgroup> vs: array<f32, KT * TS>;

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
  let base = head * T * D;
  let tStart = chunk * params.chunkSize;
  let tEnd = min(tStart + params.chunkSize, T);
  let tx = lid % 16u;
  let ty = lid / 16u;
  let MR = TS / 16u;
  let sumZ = col0 == 0u && tx == 0u;

  var acc: array<array<f32, MAX_M>, MAX_M>;
  var z: array<f32, MAX_M>;
  for (var m = 0u; m < MAX_M; m++) {
    z[m] = 0.0;
    for (var n = 0u; n < MAX_M; n++) {
      acc[m][n] = 0.0;
    }
  }
  for (var t0 = tStart; t0 < tEnd; t0 += KT) {
    for (var e = lid; e < KT * TS; e += 256u) {
      let t = t0 + e / TS;
      var kx = 0.0;
      var vx = 0.0;
      // phi(0) is not 0 (softplus, elu1): tokens past the end must be zeroed after the map.
      if (t < tEnd) {
        kx = phi(k[base + t * D + r0 + e % TS]);
        vx = v[base + t * D + col0 + e % TS];
      }
      ks[e] = kx;
      vs[e] = vx;
    }
    workgroupBarrier();
    for (var t = 0u; t < KT; t++) {
      var a: array<f32, MAX_M>;
      var b: array<f32, MAX_M>;
      for (var m = 0u; m < MR; m++) {
        a[m] = ks[t * TS + ty + 16u * m];
        b[m] = vs[t * TS + tx + 16u * m];
      }
      for (var m = 0u; m < MR; m++) {
        for (var n = 0u; n < MR; n++) {
          acc[m][n] = fma(a[m], b[n], acc[m][n]);
        }
      }
      if (sumZ) {
        for (var m = 0u; m < MR; m++) {
          z[m] += a[m];
        }
      }
    }
    workgroupBarrier();
  }
  let out = chunkIndex * D * (D + 1u);
  for (var m = 0u; m < MR; m++) {
    let row = r0 + ty + 16u * m;
    for (var n = 0u; n < MR; n++) {
      states[out + row * D + col0 + tx + 16u * n] = acc[m][n];
    }
    if (sumZ) {
      states[out + D * D + row] = z[m];
    }
  }
}
