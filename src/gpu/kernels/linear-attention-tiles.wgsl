// Shared by the attention-form kernels of linear attention (linear-attention.wgsl and
// linear-chunked-output.wgsl; composed before them by src/gpu/wgsl.ts): their tile overrides, the
// workgroup tiles and the staging of phi(Q) and phi(K) slices into them, transposed.
// Workgroup memory: 4 (BQ + 64) DS + 4 * 64 BQ + 4 VR D bytes (forms/linear/common.ts,
// attentionTileBytes).

override D: u32 = 64u; // head dimension: 16, 32, 64 or 128
override TY: u32 = 16u; // thread rows: BQ = 4 TY query rows, 16 TY threads
override DS: u32 = 16u; // features staged per step (a multiple of 4 dividing D)
override VR: u32 = 16u; // value rows staged per step (divides 64)
override NORMALIZE: bool = true;
override BQ: u32 = 4u * TY;
override WG: u32 = 16u * TY;
const BK: u32 = 64u; // keys per tile: 16 threads x 4

var<workgroup> qT: array<vec4<f32>, DS * TY>; // [feature][row / 4]
var<workgroup> kT: array<vec4<f32>, DS * 16u>; // [feature][key / 4]
var<workgroup> pT: array<vec4<f32>, BK * TY>; // [key][row / 4]: masked scores
var<workgroup> vs: array<vec4<f32>, VR * D / 4u>; // [key][column / 4]

// phi of features [d0, d0 + DS) of rows [r0, r0 + rows), transposed into qT or kT (zero past T:
// phi(0) is not 0). Consecutive threads take consecutive rows: conflict-free stores.
fn stageQ(base4: u32, r0: u32, d0: u32, T: u32, lid: u32) {
  let D4 = D / 4u;
  for (var e = lid; e < BQ * (DS / 4u); e += WG) {
    let row = e % BQ;
    let f = 4u * (e / BQ);
    var x = vec4<f32>(0.0);
    if (r0 + row < T) {
      x = phi4(q[base4 + (r0 + row) * D4 + d0 / 4u + f / 4u]);
    }
    let slot = row / 4u;
    let lane = row % 4u;
    qT[f * TY + slot][lane] = x.x;
    qT[(f + 1u) * TY + slot][lane] = x.y;
    qT[(f + 2u) * TY + slot][lane] = x.z;
    qT[(f + 3u) * TY + slot][lane] = x.w;
  }
}

fn stageK(base4: u32, k0: u32, d0: u32, T: u32, lid: u32) {
  let D4 = D / 4u;
  for (var e = lid; e < BK * (DS / 4u); e += WG) {
    let key = e % BK;
    let f = 4u * (e / BK);
    var x = vec4<f32>(0.0);
    if (k0 + key < T) {
      x = phi4(k[base4 + (k0 + key) * D4 + d0 / 4u + f / 4u]);
    }
    let slot = key / 4u;
    let lane = key % 4u;
    kT[f * 16u + slot][lane] = x.x;
    kT[(f + 1u) * 16u + slot][lane] = x.y;
    kT[(f + 2u) * 16u + slot][lane] = x.z;
    kT[(f + 3u) * 16u + slot][lane] = x.w;
  }
}
