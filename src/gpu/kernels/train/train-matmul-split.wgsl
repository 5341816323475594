// Weight gradients dW = A^T dC (A stored [k][m], dC [k][n], k = batch x tokens rows) with the
// long k cut into splits of SPLIT rows, so that many invocations share the sum: invocation
// (s, i, j) writes partial[s][i][j] = sum over rows kk of split s of A[kk][i] dC[kk][j]; then
// train-column-sum.wgsl adds the splits. (One invocation per output would loop over every row.)
override SPLIT: u32 = 64u;

@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = itemIndex(gid, groups);
  let outputs = shape.m * shape.n;
  let splits = (shape.k + SPLIT - 1u) / SPLIT;
  if (index >= splits * outputs) {
    return;
  }
  let s = index / outputs;
  let ij = index % outputs;
  let i = ij / shape.n;
  let j = ij % shape.n;
  let end = min(shape.k, (s + 1u) * SPLIT);
  var sum = 0.0;
  for (var kk = s * SPLIT; kk < end; kk++) {
    sum += a[kk * shape.m + i] * b[kk * shape.n + j];
  }
  partial[index] = sum;
}
