// The backward pass of train-attention-weights.wgsl, one invocation per query row: with
// dW_ij = dy_i . v_j and rowdot_i = sum_j W_ij dW_ij, the gradient of each pair's score:
//   SOFTMAX: dS_ij = W_ij (dW_ij - rowdot_i) / sqrt(d)   (with respect to q_i . k_j);
//   linear:  dA_ij = (dW_ij - rowdot_i) / den_i when NORMALIZE, else dW_ij (w.r.t. a_ij), and
//            dS_ij = dA_ij e_ij                           (w.r.t. phi(q_i) . phi(k_j));
//   GATED also R_ij = dA_ij a_ij, the pair's share of dG_i (+) and dG_j (-).
// Entries above the diagonal are written as zeros.
override SOFTMAX: bool = true;
override GATED: bool = false;
override NORMALIZE: bool = true;

@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read> denominators: array<f32>;
@group(0) @binding(5) var<storage, read> cumulative: array<f32>;
@group(0) @binding(6) var<storage, read_write> dScores: array<f32>;
@group(0) @binding(7) var<storage, read_write> decayTerms: array<f32>;

fn rowDot(dyBase: u32, vBase: u32, d: u32) -> f32 {
  var s = 0.0;
  for (var x = 0u; x < d; x++) {
    s += dy[dyBase + x] * v[vBase + x];
  }
  return s;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let item = itemIndex(gid, groups);
  if (item >= queryRowCount()) {
    return;
  }
  let row = queryRow(item);
  let d = shape.headDim;
  var rowdot = 0.0;
  for (var j = 0u; j <= row.i; j++) {
    rowdot += weights[row.rowBase + j] * rowDot(row.base, headOffset(row.b, j, row.h), d);
  }
  let scale = inverseSqrt(f32(d));
  let den = denominators[item];
  for (var j = 0u; j <= row.i; j++) {
    let dW = rowDot(row.base, headOffset(row.b, j, row.h), d);
    let w = weights[row.rowBase + j];
    if (SOFTMAX) {
      dScores[row.rowBase + j] = w * (dW - rowdot) * scale;
    } else {
      var dA = dW;
      var a = w;
      if (NORMALIZE) {
        dA = (dW - rowdot) / den;
        a = w * den;
      }
      if (GATED) {
        dScores[row.rowBase + j] = dA * exp(cumulative[row.decayBase + row.i] - cumulative[row.decayBase + j]);
        decayTerms[row.rowBase + j] = dA * a;
      } else {
        dScores[row.rowBase + j] = dA;
      }
    }
  }
  for (var j = row.i + 1u; j < shape.tokens; j++) {
    dScores[row.rowBase + j] = 0.0;
    if (GATED) {
      decayTerms[row.rowBase + j] = 0.0;
    }
  }
}
