// x[r][c] = tokenEmbedding[token r][c] + positionEmbedding[r mod T][c]. One invocation per element.
struct Shape {
  rows: u32,
  tokens: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> tokenIds: array<i32>;
@group(0) @binding(2) var<storage, read> tokenEmbedding: array<f32>;
@group(0) @binding(3) var<storage, read> positionEmbedding: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  if (i >= shape.rows * shape.width) {
    return;
  }
  let r = i / shape.width;
  let c = i % shape.width;
  let token = u32(tokenIds[r]);
  x[i] = tokenEmbedding[token * shape.width + c] + positionEmbedding[(r % shape.tokens) * shape.width + c];
}
