// The gated form's log-decays: g = log sigmoid(u + bias[h]) <= 0 for the gate projection u
// [rows][heads], so each head's state decays by sigmoid(u + b) in (0, 1) at each token.
struct Shape {
  rows: u32,
  heads: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> logDecay: array<f32>;

// log(1 + e) to a few ulp for small e (Goldberg's correction; WGSL has no log1p).
fn log1pAccurate(e: f32) -> f32 {
  let u = 1.0 + e;
  if (u == 1.0) {
    return e;
  }
  return log(u) * e / (u - 1.0);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  if (i >= shape.rows * shape.heads) {
    return;
  }
  let z = pre[i] + bias[i % shape.heads];
  // log sigmoid(z) = min(z, 0) - log(1 + exp(-|z|)): never overflows.
  logDecay[i] = min(z, 0.0) - log1pAccurate(exp(-abs(z)));
}
