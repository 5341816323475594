// Causal softmax attention's backward pass, step 1 of 3 (FlashAttention-2, Dao 2023):
// D_i = dO_i . O_i for every row, the term the softmax's Jacobian subtracts
// (dS = P * (dP - D)). One thread per (head, row).

override D: u32 = 64u;

struct Params {
  rows: u32, // heads * tokens
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> dOut: array<f32>;
// [heads][tokens]: (log-sum-exp, D_i); this kernel writes the second
@group(0) @binding(3) var<storage, read_write> stats: array<vec2<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * 64u;
  if (row >= params.rows) {
    return;
  }
  var s = 0.0;
  for (var x = 0u; x < D; x++) {
    s = fma(dOut[row * D + x], out[row * D + x], s);
  }
  stats[row].y = s;
}
