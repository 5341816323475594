// The MLP's non-linearity, elementwise (train-activation-common.wgsl): GELU or ReLU.
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
    act[i] = 0.5 * x * (1.0 + geluTanh(x));
  }
}
