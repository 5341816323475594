// Chunked gated linear attention, phase 0 of 4: the cumulative log-decay of every token inside
// its chunk, cum_t = g_s + ... + g_t for the chunk starting at s. Later phases decay only by
// exp(cum_i - cum_j) with j <= i, or exp(cum_t) and exp(cum_last - cum_t): exponents <= 0, so no
// exp ever overflows, however long the chunk and however strong the decay.
// One thread per (head, chunk) of the head group walks the chunk's tokens in order; Params, the
// uniform and the entry point: chunk-pairs.wgsl.

// [heads][tokens]: g_t, each <= 0
@group(0) @binding(1) var<storage, read> logDecay: array<f32>;
// [heads][tokens]
@group(0) @binding(2) var<storage, read_write> cum: array<f32>;

fn chunkPair(pair: u32, head: u32, chunk: u32, start: u32, end: u32) {
  var run = 0.0;
  for (var t = start; t < end; t++) {
    run += logDecay[t];
    cum[t] = run;
  }
}
