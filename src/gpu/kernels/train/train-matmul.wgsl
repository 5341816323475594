// C[m][n] (+)= sum_k A'[m][k] B'[k][n], where A' is A or A^T (TRANSPOSE_A: A stored [k][m]) and B'
// is B or B^T (TRANSPOSE_B: B stored [n][k]); ACCUMULATE adds to C instead of overwriting it.
// The forward pass uses C = A B; the backward pass dA = dC B^T and dB = A^T dC.
// One invocation per element of C.
override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override ACCUMULATE: bool = false;

@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = itemIndex(gid, groups);
  if (index >= shape.m * shape.n) {
    return;
  }
  let i = index / shape.n;
  let j = index % shape.n;
  // Element (i, kk) of A' is a[i * aRow + kk * aCol]; element (kk, j) of B' is b[kk * bRow + j * bCol].
  var aRow = shape.k;
  var aCol = 1u;
  if (TRANSPOSE_A) {
    aRow = 1u;
    aCol = shape.m;
  }
  var bRow = shape.n;
  var bCol = 1u;
  if (TRANSPOSE_B) {
    bRow = 1u;
    bCol = shape.k;
  }
  var sum = 0.0;
  for (var kk = 0u; kk < shape.k; kk++) {
    sum += a[i * aRow + kk * aCol] * b[kk * bRow + j * bCol];
  }
  if (ACCUMULATE) {
    c[index] += sum;
  } else {
    c[index] = sum;
  }
}
