// Gated linear attention's backward pass, step 9: the log-decay gradient. G_s = g_1 + ... + g_s,
// so dg_t = sum_{s >= t} dG_s: one thread per (head, chunk) adds the totals of the later chunks
// (linear-backward-dg-totals.wgsl), then walks its own tokens from the last.

struct Params {
  tokens: u32,
  chunkSize: u32,
  chunks: u32,
  pairs: u32, // heads * chunks
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dG: array<f32>;
@group(0) @binding(2) var<storage, read> totals: array<f32>;
@group(0) @binding(3) var<storage, read_write> dg: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let pair = gid.x + gid.y * groups.x * 64u;
  if (pair >= params.pairs) {
    return;
  }
  let head = pair / params.chunks;
  let chunk = pair % params.chunks;
  var s = 0.0;
  for (var b = chunk + 1u; b < params.chunks; b++) {
    s += totals[head * params.chunks + b];
  }
  let start = head * params.tokens + chunk * params.chunkSize;
  let end = head * params.tokens + min((chunk + 1u) * params.chunkSize, params.tokens);
  for (var t = end; t > start; t--) {
    s += dG[t - 1u];
    dg[t - 1u] = s;
  }
}
