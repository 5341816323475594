// Gated linear attention's backward pass, step 8: each chunk's sum of dG_t
// (linear-backward-finish.wgsl), for the suffix sums of linear-backward-dg.wgsl.
// One thread per (head, chunk); Params, the uniform and the entry point: chunk-pairs.wgsl.

@group(0) @binding(1) var<storage, read> dG: array<f32>;
@group(0) @binding(2) var<storage, read_write> totals: array<f32>;

fn chunkPair(pair: u32, head: u32, chunk: u32, start: u32, end: u32) {
  var s = 0.0;
  for (var t = start; t < end; t++) {
    s += dG[t];
  }
  totals[pair] = s;
}
