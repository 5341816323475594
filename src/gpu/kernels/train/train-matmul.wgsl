// C[m][n] (+)= sum_k A'[m][k] B'[k][n], where A' is A or A^T (TRANSPOSE_A: A stored [k][m]) and B'
// is B or B^T (TRANSPOSE_B: B stored [n][k]); ACCUMULATE adds to C instead of overwriting it.
// The forward pass uses C = A B; the backward pass dA = dC B^T and dB = A^T dC.
//
// Tiled: a workgroup of WORKGROUP_SIZE = 64 invocations computes one TILE x TILE block of C, each
// invocation an 8 x 8 grid of it (rows ty + 8r, columns tx + 8c: neighbouring invocations write
// neighbouring columns), stepping through k DEPTH at a time with both operands' slices staged in
// workgroup memory (rows padded by one float so that the transposed stores do not collide in banks).
// Split-k: the k range is cut into splits of shape.kSplit; split s writes the block of C at
// c[s * m * n ..] (with one split, C itself; with more, partial sums that train-column-sum.wgsl
// adds), so that a weight gradient, whose k is every token of the batch, still fills the GPU.
// Workgroups: ceil(m / TILE) x ceil(n / TILE) x splits, on the trainer's 2-D grid.
struct Shape {
  m: u32,
  k: u32,
  n: u32,
  kSplit: u32,
}

override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override ACCUMULATE: bool = false;

const TILE = 64u;
const DEPTH = 16u;
const MICRO = 8u;
const STRIDE = 65u;

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// aTile[kk * STRIDE + i] = A'(row0 + i, k0 + kk); bTile[kk * STRIDE + j] = B'(k0 + kk, col0 + j).
var<workgroup> aTile: array<f32, 1040>;
var<workgroup> bTile: array<f32, 1040>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let tilesM = (shape.m + TILE - 1u) / TILE;
  let tilesN = (shape.n + TILE - 1u) / TILE;
  let splits = (shape.k + shape.kSplit - 1u) / shape.kSplit;
  let group = wid.x + wid.y * groups.x;
  if (group >= tilesM * tilesN * splits) {
    return;
  }
  let s = group / (tilesM * tilesN);
  let t = group % (tilesM * tilesN);
  let row0 = (t / tilesN) * TILE;
  let col0 = (t % tilesN) * TILE;
  let kBegin = s * shape.kSplit;
  let kEnd = min(shape.k, kBegin + shape.kSplit);
  let tx = local % MICRO;
  let ty = local / MICRO;
  var acc: array<f32, 64>;
  for (var k0 = kBegin; k0 < kEnd; k0 += DEPTH) {
    // TILE x DEPTH elements of each operand, 16 per invocation, read along memory's fast axis.
    for (var l = 0u; l < 16u; l++) {
      let e = l * 64u + local;
      var i = e / DEPTH;
      var ka = e % DEPTH;
      if (TRANSPOSE_A) {
        ka = e / TILE;
        i = e % TILE;
      }
      var av = 0.0;
      if (row0 + i < shape.m && k0 + ka < kEnd) {
        if (TRANSPOSE_A) {
          av = a[(k0 + ka) * shape.m + row0 + i];
        } else {
          av = a[(row0 + i) * shape.k + k0 + ka];
        }
      }
      aTile[ka * STRIDE + i] = av;
      var kb = e / TILE;
      var j = e % TILE;
      if (TRANSPOSE_B) {
        j = e / DEPTH;
        kb = e % DEPTH;
      }
      var bv = 0.0;
      if (col0 + j < shape.n && k0 + kb < kEnd) {
        if (TRANSPOSE_B) {
          bv = b[(col0 + j) * shape.k + k0 + kb];
        } else {
          bv = b[(k0 + kb) * shape.n + col0 + j];
        }
      }
      bTile[kb * STRIDE + j] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk++) {
      var ar: array<f32, 8>;
      var bc: array<f32, 8>;
      for (var r = 0u; r < MICRO; r++) {
        ar[r] = aTile[kk * STRIDE + ty + MICRO * r];
        bc[r] = bTile[kk * STRIDE + tx + MICRO * r];
      }
      for (var r = 0u; r < MICRO; r++) {
        for (var q = 0u; q < MICRO; q++) {
          acc[r * MICRO + q] = fma(ar[r], bc[q], acc[r * MICRO + q]);
        }
      }
    }
    workgroupBarrier();
  }
  let base = s * shape.m * shape.n;
  for (var r = 0u; r < MICRO; r++) {
    let i = row0 + ty + MICRO * r;
    if (i >= shape.m) {
      break;
    }
    for (var q = 0u; q < MICRO; q++) {
      let j = col0 + tx + MICRO * q;
      if (j < shape.n) {
        let index = base + i * shape.n + j;
        if (ACCUMULATE) {
          c[index] += acc[r * MICRO + q];
        } else {
          c[index] = acc[r * MICRO + q];
        }
      }
    }
  }
}
