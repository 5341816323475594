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

struct Shape {
  batch: u32,
  tokens: u32,
  heads: u32,
  headDim: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
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
  let dyBase = (b * T + i) * width + h * d;
  let rowBase = (bh * T + i) * T;
  var rowdot = 0.0;
  for (var j = 0u; j <= i; j++) {
    rowdot += weights[rowBase + j] * rowDot(dyBase, (b * T + j) * width + h * d, d);
  }
  let scale = inverseSqrt(f32(d));
  let den = denominators[item];
  for (var j = 0u; j <= i; j++) {
    let dW = rowDot(dyBase, (b * T + j) * width + h * d, d);
    let w = weights[rowBase + j];
    if (SOFTMAX) {
      dScores[rowBase + j] = w * (dW - rowdot) * scale;
    } else {
      var dA = dW;
      var a = w;
      if (NORMALIZE) {
        dA = (dW - rowdot) / den;
        a = w * den;
      }
      if (GATED) {
        dScores[rowBase + j] = dA * exp(cumulative[bh * T + i] - cumulative[bh * T + j]);
        decayTerms[rowBase + j] = dA * a;
      } else {
        dScores[rowBase + j] = dA;
      }
    }
  }
  for (var j = i + 1u; j < T; j++) {
    dScores[rowBase + j] = 0.0;
    if (GATED) {
      decayTerms[rowBase + j] = 0.0;
    }
  }
}
