// Chunked gated linear attention, phase 0 of 4: the cumulative log-decay of every token inside
// its chunk, cum_t = g_s + ... + g_t for the chunk starting at s. Later phases decay only by
// exp(cum_i - cum_j) with j <= i, or exp(cum_t) and exp(cum_last - cum_t): exponents <= 0, so no
// exp ever overflows, however long the chunk and however strong the decay.
// One thread per (head, chunk) walks the chunk's tokens in order.

struct Params {
  tokens: u32,
  chunkSize: u32,
  chunks: u32,
  // (head, chunk) pairs of the head group: heads * chunks
  pairs: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// [heads][tokens]: g_t, each <= 0
@group(0) @binding(1) var<storage, read> logDecay: array<f32>;
// [heads][tokens]
@group(0) @binding(2) var<storage, read_write> cum: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let pair = gid.x + gid.y * groups.x * 64u;
  if (pair >= params.pairs) {
    return;
  }
  let head = pair / params.chunks;
  let chunk = pair % params.chunks;
  let T = params.tokens;
  let start = head * T + chunk * params.chunkSize;
  let end = head * T + min((chunk + 1u) * params.chunkSize, T);
  var run = 0.0;
  for (var t = start; t < end; t++) {
    run += logDecay[t];
    cum[t] = run;
  }
}
