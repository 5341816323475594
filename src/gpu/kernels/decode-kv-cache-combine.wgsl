// KV-cache decode, step 2 of 2: merges the splits of decode-kv-cache.wgsl for each head,
// y = sum_s exp(m_s - M) acc_s / sum_s exp(m_s - M) l_s with M = max_s m_s (a stable log-sum-exp).
override D: u32 = 64u;
override WG: u32 = 64u;

struct Params {
  tokens: u32,
  capacity: u32,
  splits: u32,
  maxSplits: u32,
  scale: f32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;  // [heads][D]
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let hb = head * params.maxSplits * (D + 2u);
  var big = -3.0e38;
  for (var s = 0u; s < params.splits; s++) {
    big = max(big, partials[hb + s * (D + 2u)]);
  }
  var l = 0.0;
  for (var s = 0u; s < params.splits; s++) {
    l += exp(partials[hb + s * (D + 2u)] - big) * partials[hb + s * (D + 2u) + 1u];
  }
  for (var c = lid; c < D; c += WG) {
    var acc = 0.0;
    for (var s = 0u; s < params.splits; s++) {
      let sb = hb + s * (D + 2u);
      acc += exp(partials[sb] - big) * partials[sb + 2u + c];
    }
    out[head * D + c] = acc / l;
  }
}
