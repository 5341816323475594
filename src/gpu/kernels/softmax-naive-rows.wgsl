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

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> scores: array<f32>;


@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let item = workItem(wid, nwg);  // (local head) * T + row
  if (item == NO_ITEM) {
    return;
  }
  let T = params.tokens;
  let i = item % T;
  let rowBase = item * T;
  let n = i + 1u;

  var m = -3.0e38;
  for (var j = lid; j < n; j += WG) {
    m = max(m, scores[rowBase + j]);
  }
  let rowMax = workgroupMax(m, lid);

  var sum = 0.0;
  for (var j = lid; j < n; j += WG) {
    let p = exp(scores[rowBase + j] - rowMax);
    scores[rowBase + j] = p;
    sum += p;
  }
  let inv = 1.0 / workgroupSum(sum, lid);
  for (var j = lid; j < n; j += WG) {
    scores[rowBase + j] *= inv;
  }
}
