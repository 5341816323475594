// The gated form's cumulative log-decays G_t = g_1 + ... + g_t per sequence and head, so that the
// decay from key j to query i is exp(G_i - G_j) <= 1. One invocation per (sequence, head).
@group(0) @binding(1) var<storage, read> logDecay: array<f32>;
@group(0) @binding(2) var<storage, read_write> cumulative: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let bh = itemIndex(gid, groups);
  if (bh >= sequenceHeadCount()) {
    return;
  }
  let T = shape.tokens;
  var run = 0.0;
  for (var t = 0u; t < T; t++) {
    run += logDecay[logDecayIndex(bh, t)];
    cumulative[bh * T + t] = run;
  }
}
