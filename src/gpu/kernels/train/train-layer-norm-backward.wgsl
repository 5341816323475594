// Layer norm's backward pass, one invocation per row: with dxhat = dy * gain,
// dx += rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) (added: dx holds the residual
// stream's gradient), and dy * xhat per element, whose column sums are the gain's gradient
// (train-column-sum.wgsl; the bias's gradient is the column sums of dy).
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> xhat: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> dyXhat: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = itemIndex(gid, groups);
  if (r >= shape.rows) {
    return;
  }
  let w = shape.width;
  let base = r * w;
  var meanD = 0.0;
  var meanDX = 0.0;
  for (var c = 0u; c < w; c++) {
    let dh = dy[base + c] * gain[c];
    meanD += dh;
    meanDX += dh * xhat[base + c];
    dyXhat[base + c] = dy[base + c] * xhat[base + c];
  }
  meanD /= f32(w);
  meanDX /= f32(w);
  let s = rstd[r];
  for (var c = 0u; c < w; c++) {
    dx[base + c] += s * (dy[base + c] * gain[c] - meanD - xhat[base + c] * meanDX);
  }
}
