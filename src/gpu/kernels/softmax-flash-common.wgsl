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

fn flashWork(grid: Grid) -> FlashWork {
  let item = workItem(grid);
  let block = params.blocks - 1u - item / params.heads;
  return FlashWork(item != NO_ITEM, item % params.heads, block * BR);
}

// The key tiles of a block of rows starting at q0: `tiles` up to its last row's diagonal (or T),
// of which this dispatch walks [tBegin, tEnd) (chunk params.chunk of a chunked walk).
struct FlashWalk {
  tiles: u32,
  tBegin: u32,
  tEnd: u32,
}

fn flashWalk(q0: u32, T: u32) -> FlashWalk {
  let tiles = (min(q0 + BR, T) - 1u) / BC + 1u;
  let tBegin = params.chunk * params.chunkTiles;
  return FlashWalk(tiles, tBegin, min(tiles, tBegin + params.chunkTiles));
}

// Resuming a chunk: the running max of four rows (positions; rows past T read row T - 1, which
// they never write) and their sum, given to the thread tx = 0 alone since each thread's part of
// a row's sum is added at the end.
struct RowState {
  m: vec4<f32>,
  l: vec4<f32>,
}

fn loadRowState(rows: vec4<u32>, sbase: u32, tx: u32) -> RowState {
  let s0 = state[sbase + rows.x];
  let s1 = state[sbase + rows.y];
  let s2 = state[sbase + rows.z];
  let s3 = state[sbase + rows.w];
  let l = select(vec4<f32>(0.0), vec4<f32>(s0.y, s1.y, s2.y, s3.y), tx == 0u);
  return RowState(vec4<f32>(s0.x, s1.x, s2.x, s3.x), l);
}

// s + q * M and a + M * p written as chains of vec4 FMAs. WGSL's matrix products are a dot
// product (or sum of columns) added to the accumulator afterwards: a multiply, three FMAs and an
// add per component, where the chains below are four FMAs (the sum is taken in another order).
// addDots(s, q, kt): s[i] + sum_c q[c] kt[c][i], i.e. s + q * transpose(kt).
fn addDots(s: vec4<f32>, q: vec4<f32>, kt: mat4x4<f32>) -> vec4<f32> {
  return fma(vec4<f32>(q.w), kt[3], fma(vec4<f32>(q.z), kt[2], fma(vec4<f32>(q.y), kt[1], fma(vec4<f32>(q.x), kt[0], s))));
}

// addColumns(a, m, p): a + m * p, the columns of m weighted by p.
fn addColumns(a: vec4<f32>, m: mat4x4<f32>, p: vec4<f32>) -> vec4<f32> {
  return fma(m[3], vec4<f32>(p.w), fma(m[2], vec4<f32>(p.z), fma(m[1], vec4<f32>(p.y), fma(m[0], vec4<f32>(p.x), a))));
}
