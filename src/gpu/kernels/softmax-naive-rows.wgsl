// softmax-naive, step 2 of 3: each row of the score matrix becomes softmax probabilities in place,
// over its causal part j <= i. Stable: subtract the row max before exp. One workgroup per row.
override WG: u32 = 256u;

struct Params {
  tokens: u32,
  heads: u32,
  offset: u32,
  count: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  pad3: u32,
}

@group(0) @binding(0) var<storage, read_write> scores: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= params.count) {
    return;
  }
  let item = params.offset + w;  // (local head) * T + row
  let T = params.tokens;
  let i = item % T;
  let rowBase = item * T;
  let n = i + 1u;

  var m = -3.0e38;
  for (var j = lid; j < n; j += WG) {
    m = max(m, scores[rowBase + j]);
  }
  red[lid] = m;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] = max(red[lid], red[lid + stride]);
    }
    workgroupBarrier();
  }
  let rowMax = red[0];
  workgroupBarrier();

  var sum = 0.0;
  for (var j = lid; j < n; j += WG) {
    let p = exp(scores[rowBase + j] - rowMax);
    scores[rowBase + j] = p;
    sum += p;
  }
  red[lid] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] += red[lid + stride];
    }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  for (var j = lid; j < n; j += WG) {
    scores[rowBase + j] *= inv;
  }
}
