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

@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> cumulative: array<f32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;
@group(0) @binding(5) var<storage, read_write> denominators: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let item = itemIndex(gid, groups);
  if (item >= queryRowCount()) {
    return;
  }
  let row = queryRow(item);
  let i = row.i;
  let d = shape.headDim;
  if (SOFTMAX) {
    let scale = inverseSqrt(f32(d));
    var best = -3.4e38;
    for (var j = 0u; j <= i; j++) {
      let kBase = headOffset(row.b, j, row.h);
      var s = 0.0;
      for (var x = 0u; x < d; x++) {
        s += q[row.base + x] * k[kBase + x];
      }
      s *= scale;
      weights[row.rowBase + j] = s;
      best = max(best, s);
    }
    var sum = 0.0;
    for (var j = 0u; j <= i; j++) {
      let e = exp(weights[row.rowBase + j] - best);
      weights[row.rowBase + j] = e;
      sum += e;
    }
    for (var j = 0u; j <= i; j++) {
      weights[row.rowBase + j] /= sum;
    }
    denominators[item] = 1.0;
  } else {
    var den = EPS;
    for (var j = 0u; j <= i; j++) {
      let kBase = headOffset(row.b, j, row.h);
      var s = 0.0;
      for (var x = 0u; x < d; x++) {
        s += phi(q[row.base + x]) * phi(k[kBase + x]);
      }
      if (GATED) {
        s *= exp(cumulative[row.decayBase + i] - cumulative[row.decayBase + j]);
      }
      weights[row.rowBase + j] = s;
      den += s;
    }
    if (NORMALIZE) {
      for (var j = 0u; j <= i; j++) {
        weights[row.rowBase + j] /= den;
      }
      denominators[item] = den;
    } else {
      denominators[item] = 1.0;
    }
  }
  for (var j = i + 1u; j < shape.tokens; j++) {
    weights[row.rowBase + j] = 0.0;
  }
}
