// Softmax cross-entropy per row against an integer target (rows with target < 0 are not scored):
// the row's loss log(sum exp(logits)) - logits[target], whether its arg-max is the target, and
// dLogits = (softmax - onehot) * scale, scale = 1 / (rows scored) so the loss is their mean.
// One invocation per row.
struct Shape {
  rows: u32,
  vocab: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(5) var<storage, read_write> rowCorrect: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = itemIndex(gid, groups);
  if (r >= shape.rows) {
    return;
  }
  let V = shape.vocab;
  let base = r * V;
  let wanted = targets[r];
  if (wanted < 0) {
    for (var c = 0u; c < V; c++) {
      dLogits[base + c] = 0.0;
    }
    rowLoss[r] = 0.0;
    rowCorrect[r] = 0.0;
    return;
  }
  var best = logits[base];
  var argmax = 0u;
  for (var c = 1u; c < V; c++) {
    if (logits[base + c] > best) {
      best = logits[base + c];
      argmax = c;
    }
  }
  var sum = 0.0;
  for (var c = 0u; c < V; c++) {
    sum += exp(logits[base + c] - best);
  }
  let t = u32(wanted);
  rowLoss[r] = log(sum) + best - logits[base + t];
  rowCorrect[r] = select(0.0, 1.0, argmax == t);
  for (var c = 0u; c < V; c++) {
    let p = exp(logits[base + c] - best) / sum;
    dLogits[base + c] = (p - select(0.0, 1.0, c == t)) * shape.scale;
  }
}
