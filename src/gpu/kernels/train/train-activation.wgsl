// The MLP's non-linearity, elementwise. ACTIVATION 0: GELU, tanh approximation (Hendrycks and
// Gimpel 2016, as GPT-2); 1: ReLU.
override ACTIVATION: u32 = 0u;

struct Shape {
  count: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read_write> act: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  if (i >= shape.count) {
    return;
  }
  let x = pre[i];
  if (ACTIVATION == 1u) {
    act[i] = max(x, 0.0);
  } else {
    // tanh's argument clamped: tanh(15) is 1 in f32, and some drivers' tanh overflows beyond ~89.
    let t = tanh(clamp(0.7978845608028654 * (x + 0.044715 * x * x * x), -15.0, 15.0));
    act[i] = 0.5 * x * (1.0 + t);
  }
}
