// Gated linear attention's backward pass, step 9: the log-decay gradient. G_s = g_1 + ... + g_s,
// so dg_t = sum_{s >= t} dG_s: one thread per (head, chunk) adds the totals of the later chunks
// (linear-backward-dg-totals.wgsl), then walks its own tokens from the last. Params, the uniform
// and the entry point: chunk-pairs.wgsl.

@group(0) @binding(1) var<storage, read> dG: array<f32>;
@group(0) @binding(2) var<storage, read> totals: array<f32>;
@group(0) @binding(3) var<storage, read_write> dg: array<f32>;

fn chunkPair(pair: u32, head: u32, chunk: u32, start: u32, end: u32) {
  var s = 0.0;
  for (var b = chunk + 1u; b < params.chunks; b++) {
    s += totals[head * params.chunks + b];
  }
  for (var t = end; t > start; t--) {
    s += dG[t - 1u];
    dg[t - 1u] = s;
  }
}
