// Shared by the attention-form kernels of linear attention (linear-attention.wgsl and
// linear-chunked-output.wgsl; composed before them by src/gpu/wgsl.ts): their tile overrides, the
// workgroup tiles, the staging of phi(Q) and phi(K) slices into them, transposed, the P V product
// over a key tile and the output rows. The kernels declare v and out.
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
      x = phi4(vec4<f32>(q[base4 + (r0 + row) * D4 + d0 / 4u + f / 4u]));
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
      x = phi4(vec4<f32>(k[base4 + (k0 + key) * D4 + d0 / 4u + f / 4u]));
    }
    let slot = key / 4u;
    let lane = key % 4u;
    kT[f * 16u + slot][lane] = x.x;
    kT[(f + 1u) * 16u + slot][lane] = x.y;
    kT[(f + 2u) * 16u + slot][lane] = x.z;
    kT[(f + 3u) * 16u + slot][lane] = x.w;
  }
}

// s += phi(Q_tile) phi(K_tile)^T over the DS features staged in qT and kT: thread (tx, ty) holds
// rows 4 ty + i against keys 4 tx ... 4 tx + 3 in s[i].
fn scoreStep(s: ptr<function, array<vec4<f32>, 4>>, tx: u32, ty: u32) {
  for (var f = 0u; f < DS; f++) {
    let a = qT[f * TY + ty];
    let b = kT[f * 16u + tx];
    for (var i = 0u; i < 4u; i++) {
      (*s)[i] = fma(vec4<f32>(a[i]), b, (*s)[i]);
    }
  }
}

// Numerator (acc) and denominator (den) += P V over the key tile at k0 (P in pT, masked), VR value
// rows at a time; keys at or past keyEnd are all masked. acc[4 u + i]: row 4 ty + i, columns
// 4 (tx + 16 u) ..; den: rows 4 ty + i. A key outside [minKey, row] is skipped with select, not
// multiplied by 0: 0 x NaN (or Inf) in a later value, or in another chunk's, would otherwise reach
// these rows.
fn accumulateValues(
  acc: ptr<function, array<vec4<f32>, 8>>,
  den: ptr<function, vec4<f32>>,
  base4: u32,
  k0: u32,
  keyEnd: u32,
  myRow: u32,
  minKey: u32,
  T: u32,
  lid: u32,
) {
  let D4 = D / 4u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  for (var j0 = 0u; j0 < BK && k0 + j0 < keyEnd; j0 += VR) {
    for (var e = lid; e < VR * D4; e += WG) {
      let key = k0 + j0 + e / D4;
      var x = vec4<f32>(0.0);
      if (key < T) {
        x = vec4<f32>(v[base4 + key * D4 + e % D4]);
      }
      vs[e] = x;
    }
    workgroupBarrier();
    for (var jj = 0u; jj < VR; jj++) {
      let p = pT[(j0 + jj) * TY + ty];
      *den += p;
      let key = k0 + j0 + jj;
      let keep = (vec4<u32>(key) <= vec4<u32>(myRow) + vec4<u32>(0u, 1u, 2u, 3u)) &
        vec4<bool>(key >= minKey);
      for (var u = 0u; u < 2u; u++) {
        let g = tx + 16u * u;
        if (g < D4) {
          let b = vs[jj * D4 + g];
          for (var i = 0u; i < 4u; i++) {
            let a = (*acc)[4u * u + i];
            (*acc)[4u * u + i] = select(a, fma(vec4<f32>(p[i]), b, a), keep[i]);
          }
        }
      }
    }
    workgroupBarrier();
  }
}

// Writes this thread's output rows below T: acc / (den + EPS), or acc if not NORMALIZE.
fn writeRows(acc: array<vec4<f32>, 8>, den: vec4<f32>, base4: u32, myRow: u32, T: u32, tx: u32) {
  let D4 = D / 4u;
  for (var i = 0u; i < 4u; i++) {
    let row = myRow + i;
    if (row < T) {
      let scale = select(1.0, 1.0 / (den[i] + EPS), NORMALIZE);
      for (var u = 0u; u < 2u; u++) {
        let g = tx + 16u * u;
        if (g < D4) {
          out[base4 + row * D4 + g] = acc[4u * u + i] * scale;
        }
      }
    }
  }
}
