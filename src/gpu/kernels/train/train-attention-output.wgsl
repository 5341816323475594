// y_i = sum_{j <= i} W_ij v_j per head, from train-attention-weights.wgsl's W.
// One invocation per element of y [b][t][heads * d].
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = itemIndex(gid, groups);
  if (index >= elementCount()) {
    return;
  }
  let e = element(index);
  let T = shape.tokens;
  let rowBase = ((e.b * shape.heads + e.h) * T + e.t) * T;
  var sum = 0.0;
  for (var j = 0u; j <= e.t; j++) {
    sum += weights[rowBase + j] * v[(e.b * T + j) * e.width + e.col];
  }
  y[index] = sum;
}
