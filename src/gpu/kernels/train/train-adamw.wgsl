// One AdamW step per parameter (Loshchilov and Hutter 2019; PyTorch's AdamW): decoupled weight
// decay p *= 1 - lr * wd (where decay[i] is 1), moments m, v, and the bias-corrected update
// p -= lr * (m / c1) / (sqrt(v / c2) + eps) with c1 = 1 - beta1^t, c2 = 1 - beta2^t.
struct Settings {
  count: u32,
  learningRate: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  correction1: f32,
  correction2: f32,
}

@group(0) @binding(0) var<uniform> settings: Settings;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> decay: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = itemIndex(gid, groups);
  if (i >= settings.count) {
    return;
  }
  let g = grads[i];
  let lr = settings.learningRate;
  var p = params[i] * (1.0 - lr * settings.weightDecay * decay[i]);
  let mi = settings.beta1 * m[i] + (1.0 - settings.beta1) * g;
  let vi = settings.beta2 * v[i] + (1.0 - settings.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  p -= lr * (mi / settings.correction1) / (sqrt(vi / settings.correction2) + settings.eps);
  params[i] = p;
}
