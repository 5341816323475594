// KV-cache decode, step 2 of 2: merges the splits of decode-kv-cache.wgsl for each head,
// y = sum_s exp(m_s - M) acc_s / sum_s exp(m_s - M) l_s with M = max_s m_s (a stable log-sum-exp).
// The splits are spread over the workgroup (a long cache has hundreds of them): the max and the
// sum are tree reductions, and thread (g, c) adds every G-th split of column c (G = WG / D).
override D: u32 = 64u;
override WG: u32 = 256u;

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

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [heads][D]


@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x;
  let hb = head * params.maxSplits * (D + 2u);
  let S = params.splits;
  var big = -3.0e38;
  for (var s = lid; s < S; s += WG) {
    big = max(big, partials[hb + s * (D + 2u)]);
  }
  big = workgroupMax(big, lid);
  var l = 0.0;
  for (var s = lid; s < S; s += WG) {
    l += exp(partials[hb + s * (D + 2u)] - big) * partials[hb + s * (D + 2u) + 1u];
  }
  l = workgroupSum(l, lid);
  let G = WG / D;
  let c = lid % D;
  let g = lid / D;
  var acc = 0.0;
  if (g < G) {
    for (var s = g; s < S; s += G) {
      let sb = hb + s * (D + 2u);
      acc += exp(partials[sb] - big) * partials[sb + 2u + c];
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  if (lid < D) {
    var total = 0.0;
    for (var u = 0u; u < G; u++) {
      total += red[u * D + lid];
    }
    out[head * D + lid] = total / l;
  }
}
