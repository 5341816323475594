// The attention kernels' shape (binding 0) and index arithmetic, composed before every
// train-attention-*.wgsl kernel by src/gpu/train/kernels.ts. q, k, v, y and their gradients are
// [batch][tokens][heads * headDim] (head h in columns h * headDim ..); the materialised weights and
// score gradients [batch][heads][tokens][tokens]; the cumulative log-decays
// [batch][heads][tokens]; the log-decays and their gradients [batch][tokens][heads].
struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  headDim: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;

// Where token t of sequence b, head h starts in q, k, v, y and their gradients.
fn headOffset(b: u32, t: u32, h: u32) -> u32 {
  return (b * shape.tokens + t) * shape.heads * shape.headDim + h * shape.headDim;
}

// Query row i of sequence b and head h (bh = b * heads + h): one invocation of the row kernels.
struct QueryRow {
  bh: u32,
  b: u32,
  h: u32,
  i: u32,
  // Where token i of head h starts in q and dy (headOffset).
  base: u32,
  // Where row i starts in the T x T matrices.
  rowBase: u32,
  // Where (b, h)'s cumulative log-decays start.
  decayBase: u32,
}

fn queryRowCount() -> u32 {
  return shape.batch * shape.heads * shape.tokens;
}

fn queryRow(item: u32) -> QueryRow {
  let T = shape.tokens;
  let bh = item / T;
  let i = item % T;
  let b = bh / shape.heads;
  let h = bh % shape.heads;
  return QueryRow(bh, b, h, i, headOffset(b, i, h), (bh * T + i) * T, bh * T);
}

// One element of [batch][tokens][heads * headDim]: one invocation of the element kernels.
struct Element {
  b: u32,
  t: u32,
  h: u32,
  col: u32,
  // heads * headDim, the row length.
  width: u32,
}

fn elementCount() -> u32 {
  return shape.batch * shape.tokens * shape.heads * shape.headDim;
}

fn element(index: u32) -> Element {
  let width = shape.heads * shape.headDim;
  let r = index / width;
  let col = index % width;
  return Element(r / shape.tokens, r % shape.tokens, col / shape.headDim, col, width);
}

// The gated kernels' (sequence, head) pairs: one invocation each.
fn sequenceHeadCount() -> u32 {
  return shape.batch * shape.heads;
}

// Where token t of (sequence, head) bh sits in the [batch][tokens][heads] log-decays.
fn logDecayIndex(bh: u32, t: u32) -> u32 {
  let b = bh / shape.heads;
  let h = bh % shape.heads;
  return (b * shape.tokens + t) * shape.heads + h;
}
