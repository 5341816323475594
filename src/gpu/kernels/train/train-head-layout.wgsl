// Moves a tensor between the trainer's layout, [batch][tokens][heads][width] (a row per token, head
// h in columns h * width ..), and the attention kernels' layout, [batch][heads][tokens][width] (a
// batch is more heads): TO_HEADS reads the first and writes the second, otherwise the reverse.
// width is the head dimension (q, k, v, outputs and their gradients) or 1 (log-decays).
// One invocation per element.
struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  width: u32,
}

override TO_HEADS: bool = true;

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = itemIndex(gid, groups);
  let w = shape.width;
  let T = shape.tokens;
  let H = shape.heads;
  if (index >= shape.batch * T * H * w) {
    return;
  }
  // index in the heads layout: ((b H + h) T + t) w + e.
  let e = index % w;
  let t = (index / w) % T;
  let bh = index / (w * T);
  let h = bh % H;
  let b = bh / H;
  let rows = ((b * T + t) * H + h) * w + e;
  if (TO_HEADS) {
    output[index] = input[rows];
  } else {
    output[rows] = input[index];
  }
}
