// Shared by the softmax-flash kernels (softmax-flash.wgsl, -rows, -wide, -quad), composed after
// the kernel by src/gpu/wgsl.ts: the constants, the uniform (binding 0, as every kernel) and the
// buffers. The row kernel leaves `state` unused (it never walks rows in chunks).

// -inf stand-in: exp2(NEG - s) (or exp) is 0 for any finite logit, and NEG - s stays finite.
const NEG: f32 = -3.0e38;
const LOG2E: f32 = 1.4426950408889634;

struct Params {
  tokens: u32,
  heads: u32,
  blocks: u32,  // query blocks per head, ceil(tokens / BR)
  offset: u32,  // first work item of this dispatch
  count: u32,   // work items in this dispatch
  scale: f32,   // 1 / sqrt(D)
  chunk: u32,   // which chunk of key tiles this dispatch walks (0 for the row kernel)
  chunkTiles: u32,  // key tiles per chunk
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> state: array<vec2<f32>>;  // (max, sum) per row

// A workgroup's block of query rows: head item % heads, and the query blocks counted down from
// the last, heaviest first (most keys below the diagonal), so the tail of a dispatch is short;
// the blocks that reach chunk c of a chunked walk are the last ones, so chunk c's items count
// down from there. ok is false for the grid's padding (see dispatch-grid.wgsl).
struct FlashWork {
  ok: bool,
  head: u32,
  q0: u32,  // first query row, block * BR
}

fn flashWork(wid: vec3<u32>, nwg: vec3<u32>) -> FlashWork {
  let item = workItem(wid, nwg);
  let block = params.blocks - 1u - item / params.heads;
  return FlashWork(item != NO_ITEM, item % params.heads, block * BR);
}
