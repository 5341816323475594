// Layer norm over each row (Ba et al. 2016): xhat = (x - mean) / sqrt(var + LN_EPS),
// y = xhat * gain + bias; xhat and 1 / sqrt(var + LN_EPS) are kept for the backward pass.
// One invocation per row.
override LN_EPS: f32;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> xhat: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = itemIndex(gid, groups);
  if (r >= shape.rows) {
    return;
  }
  let w = shape.width;
  let base = r * w;
  var mean = 0.0;
  for (var c = 0u; c < w; c++) {
    mean += x[base + c];
  }
  mean /= f32(w);
  var variance = 0.0;
  for (var c = 0u; c < w; c++) {
    let centred = x[base + c] - mean;
    variance += centred * centred;
  }
  let s = inverseSqrt(variance / f32(w) + LN_EPS);
  rstd[r] = s;
  for (var c = 0u; c < w; c++) {
    let h = (x[base + c] - mean) * s;
    xhat[base + c] = h;
    y[base + c] = h * gain[c] + bias[c];
  }
}
