// out[c] = sum over rows of values[r][c]: the gradients of gains and biases shared by every row.
// One invocation per column.
struct Shape {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let c = itemIndex(gid, groups);
  if (c >= shape.cols) {
    return;
  }
  var sum = 0.0;
  for (var r = 0u; r < shape.rows; r++) {
    sum += values[r * shape.cols + c];
  }
  out[c] = sum;
}
