// Gated linear attention's backward pass, step 8: each chunk's sum of dG_t
// (linear-backward-finish.wgsl), for the suffix sums of linear-backward-dg.wgsl.
// One thread per (head, chunk).

struct Params {
  tokens: u32,
  chunkSize: u32,
  chunks: u32,
  pairs: u32, // heads * chunks
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dG: array<f32>;
@group(0) @binding(2) var<storage, read_write> totals: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let pair = gid.x + gid.y * groups.x * 64u;
  if (pair >= params.pairs) {
    return;
  }
  let head = pair / params.chunks;
  let chunk = pair % params.chunks;
  let start = head * params.tokens + chunk * params.chunkSize;
  let end = head * params.tokens + min((chunk + 1u) * params.chunkSize, params.tokens);
  var s = 0.0;
  for (var t = start; t < end; t++) {
    s += dG[t];
  }
  totals[pair] = s;
}
