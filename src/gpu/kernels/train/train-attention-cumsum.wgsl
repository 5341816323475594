// The gated form's cumulative log-decays G_t = g_1 + ... + g_t per sequence and head, so that the
// decay from key j to query i is exp(G_i - G_j) <= 1. One invocation per (sequence, head).
struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  headDim: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> logDecay: array<f32>;
@group(0) @binding(2) var<storage, read_write> cumulative: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let bh = itemIndex(gid, groups);
  if (bh >= shape.batch * shape.heads) {
    return;
  }
  let b = bh / shape.heads;
  let h = bh % shape.heads;
  let T = shape.tokens;
  var run = 0.0;
  for (var t = 0u; t < T; t++) {
    run += logDecay[(b * T + t) * shape.heads + h];
    cumulative[bh * T + t] = run;
  }
}
