// Gradients of the embeddings: a token's row sums dx over the positions holding that token, a
// position's row sums dx over the batch. One invocation per output element, each summing on its
// own (no atomics): (vocab + tokens) x width invocations.
struct Shape {
  rows: u32,
  tokens: u32,
  width: u32,
  vocab: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> tokenIds: array<i32>;
@group(0) @binding(2) var<storage, read> dx: array<f32>;
@group(0) @binding(3) var<storage, read_write> dTokenEmbedding: array<f32>;
@group(0) @binding(4) var<storage, read_write> dPositionEmbedding: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  let w = shape.width;
  if (i >= (shape.vocab + shape.tokens) * w) {
    return;
  }
  let row = i / w;
  let c = i % w;
  var sum = 0.0;
  if (row < shape.vocab) {
    for (var r = 0u; r < shape.rows; r++) {
      if (u32(tokenIds[r]) == row) {
        sum += dx[r * w + c];
      }
    }
    dTokenEmbedding[row * w + c] = sum;
  } else {
    let t = row - shape.vocab;
    for (var r = t; r < shape.rows; r += shape.tokens) {
      sum += dx[r * w + c];
    }
    dPositionEmbedding[t * w + c] = sum;
  }
}
