// dpre = dact * act'(pre), elementwise, for train-activation.wgsl's GELU (0) or ReLU (1).
@group(0) @binding(1) var<storage, read> dAct: array<f32>;
@group(0) @binding(2) var<storage, read> pre: array<f32>;
@group(0) @binding(3) var<storage, read_write> dPre: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  if (i >= shape.count) {
    return;
  }
  let x = pre[i];
  var slope = select(0.0, 1.0, x > 0.0);
  if (ACTIVATION != 1u) {
    let t = geluTanh(x);
    slope = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * x * x);
  }
  dPre[i] = dAct[i] * slope;
}
