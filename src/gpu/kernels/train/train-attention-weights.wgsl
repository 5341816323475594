// Causal attention weights W[b][h][i][j], materialised (the trainer's sequences are short), one
// invocation per query row, so that y_i = sum_{j <= i} W_ij v_j:
//   SOFTMAX: W_ij = softmax_j(q_i . k_j / sqrt(d)).
//   otherwise (linear attention, Katharopoulos et al. 2020): a_ij = e_ij phi(q_i) . phi(k_j),
//   e_ij = exp(G_i - G_j) when GATED (G the cumulative log-decays) else 1, and W_ij = a_ij / den_i
//   with den_i = sum_j a_ij + EPS when NORMALIZE (den_i is kept for the backward pass) else a_ij.
// q and k are [b][t][heads * d] (head h in columns h*d .. h*d + d - 1). Entries above the diagonal
// are written as zeros.
override SOFTMAX: bool = true;
override GATED: bool = false;
override NORMALIZE: bool = true;

struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  headDim: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> cumulative: array<f32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;
@group(0) @binding(5) var<storage, read_write> denominators: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let item = itemIndex(gid, groups);
  let T = shape.tokens;
  let H = shape.heads;
  let d = shape.headDim;
  if (item >= shape.batch * H * T) {
    return;
  }
  let bh = item / T;
  let i = item % T;
  let b = bh / H;
  let h = bh % H;
  let width = H * d;
  let qBase = (b * T + i) * width + h * d;
  let rowBase = (bh * T + i) * T;
  if (SOFTMAX) {
    let scale = inverseSqrt(f32(d));
    var best = -3.4e38;
    for (var j = 0u; j <= i; j++) {
      let kBase = (b * T + j) * width + h * d;
      var s = 0.0;
      for (var x = 0u; x < d; x++) {
        s += q[qBase + x] * k[kBase + x];
      }
      s *= scale;
      weights[rowBase + j] = s;
      best = max(best, s);
    }
    var sum = 0.0;
    for (var j = 0u; j <= i; j++) {
      let e = exp(weights[rowBase + j] - best);
      weights[rowBase + j] = e;
      sum += e;
    }
    for (var j = 0u; j <= i; j++) {
      weights[rowBase + j] /= sum;
    }
    denominators[item] = 1.0;
  } else {
    var den = EPS;
    for (var j = 0u; j <= i; j++) {
      let kBase = (b * T + j) * width + h * d;
      var s = 0.0;
      for (var x = 0u; x < d; x++) {
        s += phi(q[qBase + x]) * phi(k[kBase + x]);
      }
      if (GATED) {
        s *= exp(cumulative[bh * T + i] - cumulative[bh * T + j]);
      }
      weights[rowBase + j] = s;
      den += s;
    }
    if (NORMALIZE) {
      for (var j = 0u; j <= i; j++) {
        weights[rowBase + j] /= den;
      }
      denominators[item] = den;
    } else {
      denominators[item] = 1.0;
    }
  }
  for (var j = i + 1u; j < T; j++) {
    weights[rowBase + j] = 0.0;
  }
}
