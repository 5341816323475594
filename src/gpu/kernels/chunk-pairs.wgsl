// Shared by gated-chunked-cumsum.wgsl, linear-backward-dg-totals.wgsl and linear-backward-dg.wgsl
// (with thread-items.wgsl, composed before each by src/gpu/wgsl.ts's CHUNK_PAIRS_WGSL): one thread
// per (head, chunk) pair. The kernel defines chunkPair(pair, head, chunk, start, end), [start, end)
// being the chunk's tokens as rows of the [heads][tokens] layout.

struct Params {
  tokens: u32,
  chunkSize: u32,
  chunks: u32,
  // (head, chunk) pairs: heads * chunks
  items: u32,
}

@group(0) @binding(0) var<uniform> params: Params;

fn threadItem(pair: u32) {
  let head = pair / params.chunks;
  let chunk = pair % params.chunks;
  let T = params.tokens;
  let start = head * T + chunk * params.chunkSize;
  let end = head * T + min((chunk + 1u) * params.chunkSize, T);
  chunkPair(pair, head, chunk, start, end);
}
