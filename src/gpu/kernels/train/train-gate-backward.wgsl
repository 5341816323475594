// d/du log sigmoid(u + b) = sigmoid(-(u + b)) = 1 / (1 + exp(u + b)): dPre = dLogDecay times that.
struct Shape {
  rows: u32,
  heads: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> dLogDecay: array<f32>;
@group(0) @binding(2) var<storage, read> pre: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dPre: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  if (i >= shape.rows * shape.heads) {
    return;
  }
  let z = pre[i] + bias[i % shape.heads];
  dPre[i] = dLogDecay[i] / (1.0 + exp(z));
}
