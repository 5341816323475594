// The gated form's log-decay gradients, one invocation per (sequence, head): with R_ij the pair
// terms of train-attention-backward-scores.wgsl (a_ij = c_ij exp(G_i - G_j), so a pair adds R_ij
// to dG_i and takes it from dG_j), dG_t = sum_{j <= t} R_tj - sum_{i >= t} R_it, and as
// G_t = g_1 + ... + g_t, dg_t = sum_{s >= t} dG_s. Written [b][t][heads], as the log-decays.
@group(0) @binding(1) var<storage, read> decayTerms: array<f32>;
@group(0) @binding(2) var<storage, read_write> dLogDecay: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let bh = itemIndex(gid, groups);
  if (bh >= sequenceHeadCount()) {
    return;
  }
  let T = shape.tokens;
  let base = bh * T * T;
  var run = 0.0;
  for (var s = 0u; s < T; s++) {
    let t = T - 1u - s;
    var dG = 0.0;
    for (var j = 0u; j <= t; j++) {
      dG += decayTerms[base + t * T + j];
    }
    for (var i = t; i < T; i++) {
      dG -= decayTerms[base + i * T + t];
    }
    run += dG;
    dLogDecay[logDecayIndex(bh, t)] = run;
  }
}
