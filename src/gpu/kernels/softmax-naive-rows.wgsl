// softmax-naive, step 2 of 3: each row of the score matrix becomes softmax probabilities in place,
// over its causal part j <= i. Stable: subtract the row max before exp. One workgroup per row.
override WG: u32 = 256u;

// Params (binding 0): softmax-naive-common.wgsl.
@group(0) @binding(1) var<storage, read_write> scores: array<f32>;


@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let item = workItem(grid);  // (local head) * T + row
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
