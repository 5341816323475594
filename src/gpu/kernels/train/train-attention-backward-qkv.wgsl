// dq, dk, dv from the score gradients dS (train-attention-backward-scores.wgsl), one invocation
// per element of [b][t][heads * d]:
//   dq_t = sum_{j <= t} dS_tj k'_j,  dk_t = sum_{i >= t} dS_it q'_i,  dv_t = sum_{i >= t} W_it dy_i,
// with q' = q, k' = k for SOFTMAX (dS carries 1 / sqrt(d)) and q' = phi(q), k' = phi(k) for the
// linear forms, whose dq and dk are then multiplied by phi' (the chain rule through phi).
override SOFTMAX: bool = true;

@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(0) @binding(5) var<storage, read> dScores: array<f32>;
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

// phi'(x) for linear-feature-map.wgsl's maps: 1; sigmoid(x) (softplus); 1 or exp(x) (elu + 1).
fn phiPrime(x: f32) -> f32 {
  switch FEATURE_MAP {
    case 0u: {
      return 1.0;
    }
    case 1u: {
      return 1.0 / (1.0 + exp(-x));
    }
    default: {
      return select(exp(x), 1.0, x > 0.0);
    }
  }
}

fn featured(x: f32) -> f32 {
  if (SOFTMAX) {
    return x;
  }
  return phi(x);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = itemIndex(gid, groups);
  if (index >= elementCount()) {
    return;
  }
  let e = element(index);
  let T = shape.tokens;
  let t = e.t;
  let bhBase = (e.b * shape.heads + e.h) * T * T;
  var sq = 0.0;
  for (var j = 0u; j <= t; j++) {
    sq += dScores[bhBase + t * T + j] * featured(k[(e.b * T + j) * e.width + e.col]);
  }
  var sk = 0.0;
  var sv = 0.0;
  for (var i = t; i < T; i++) {
    let other = (e.b * T + i) * e.width + e.col;
    sk += dScores[bhBase + i * T + t] * featured(q[other]);
    sv += weights[bhBase + i * T + t] * dy[other];
  }
  if (!SOFTMAX) {
    sq *= phiPrime(q[index]);
    sk *= phiPrime(k[index]);
  }
  dq[index] = sq;
  dk[index] = sk;
  dv[index] = sv;
}
