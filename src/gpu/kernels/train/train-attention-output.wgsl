// y_i = sum_{j <= i} W_ij v_j per head, from train-attention-weights.wgsl's W.
// One invocation per element of y [b][t][heads * d].
struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  headDim: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = itemIndex(gid, groups);
  let T = shape.tokens;
  let width = shape.heads * shape.headDim;
  if (index >= shape.batch * T * width) {
    return;
  }
  let r = index / width;
  let col = index % width;
  let b = r / T;
  let t = r % T;
  let h = col / shape.headDim;
  let rowBase = ((b * shape.heads + h) * T + t) * T;
  var sum = 0.0;
  for (var j = 0u; j <= t; j++) {
    sum += weights[rowBase + j] * v[(b * T + j) * width + col];
  }
  y[index] = sum;
}
