// Shared by the softmax training kernels (softmax-train-forward.wgsl, softmax-backward-dq.wgsl,
// softmax-backward-dkdv.wgsl; composed after backward-tiles.wgsl by src/gpu/backward/softmax.ts):
// the head dimension and score scale, the dispatch parameters, the q, k, v bindings, and the
// products over a 64-token tile into output columns with their stores.

override D: u32 = 64u;
override SCALE: f32 = 0.125; // 1 / sqrt(D)

struct Params {
  tokens: u32,
  // This dispatch covers workgroups [workgroupOffset, ...) of the grid of (head, 64-row block).
  workgroupOffset: u32,
  blocksPerHead: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;

// The first output column of the tile product in flight (0, or 64 at D = 128).
var<private> colBase: u32;

// The 64-token block workgroup w owns: headBase = head * T, and its first token (returned).
var<private> headBase: u32;

fn enterBlock(w: u32) -> u32 {
  headBase = (w / params.blocksPerHead) * params.tokens;
  return (w % params.blocksPerHead) * TILE;
}

// Forward and dQ: the 64 query rows workgroup w owns (q0 returned); rowBase is head * T + q0,
// rowsLeft the rows from q0 inside T.
var<private> rowBase: u32;
var<private> rowsLeft: u32;

fn enterRows(w: u32) -> u32 {
  let q0 = enterBlock(w);
  rowBase = headBase + q0;
  rowsLeft = params.tokens - q0;
  return q0;
}

// The 64 keys from k0 (the key tile in flight; dK dV: the workgroup's block): keyBase is
// head * T + k0, keysLeft the keys from k0 inside T.
var<private> keyBase: u32;
var<private> keysLeft: u32;

fn enterKeys(k0: u32) {
  keyBase = headBase + k0;
  keysLeft = params.tokens - k0;
}

// Product `which` over the 64 tokens of the tile in flight (tileProduct with inner = TILE), into
// output columns [0, 64) in acc0 and, at D = 128, [64, 128) in acc1.
fn tileProductColumns(
  which: u32,
  lid: u32,
  acc0: ptr<function, array<vec4<f32>, 4>>,
  acc1: ptr<function, array<vec4<f32>, 4>>,
) {
  colBase = 0u;
  tileProduct(which, TILE, lid, acc0);
  if (D > 64u) {
    colBase = 64u;
    tileProduct(which, TILE, lid, acc1);
  }
}

// Writes the thread's rows (those below `rows`) of the output pair (acc0, acc1) through the
// kernel's storeOut(which, r, c, value), r the row in the block and c the column.
fn storeColumns(
  which: u32,
  lid: u32,
  rows: u32,
  acc0: array<vec4<f32>, 4>,
  acc1: array<vec4<f32>, 4>,
) {
  let tx = lid % 16u;
  let ty = lid / 16u;
  for (var i = 0u; i < 4u; i++) {
    let r = 4u * ty + i;
    if (r < rows) {
      for (var j = 0u; j < 4u; j++) {
        let c = 4u * tx + j;
        if (c < D) {
          storeOut(which, r, c, acc0[i][j]);
        }
        if (D > 64u) {
          storeOut(which, r, 64u + c, acc1[i][j]);
        }
      }
    }
  }
}
