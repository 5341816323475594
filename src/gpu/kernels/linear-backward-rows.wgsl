// Linear attention's backward pass (chunked), step 1: per row, what the normaliser contributes.
// With y_i = num_i / den_i, den_i = phi(q_i) . z_i + eps, the gradient splits into
//   dnum_i = dO_i / den_i  and  dden_i = -(dO_i . y_i) / den_i,
// after which the rest is unnormalised linear attention with values [v, 1]. den_i is recomputed
// as the forward does: decay(cum_i) phi(q_i) . Z_b (the state entering chunk b) plus the row sums
// of the chunk's own decayed scores. Writes (1 / den_i, dden_i), or (1, 0) when not normalised.
// One workgroup per (head, chunk).

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> out: array<f32>;
@group(0) @binding(4) var<storage, read> dOut: array<f32>;
@group(0) @binding(5) var<storage, read> states: array<f32>;
@group(0) @binding(6) var<storage, read_write> rowStats: array<vec2<f32>>;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  return select(0.0, phi(q[(base + r) * D + x]), r < n && x < D);
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  return select(0.0, phi(k[(base + c) * D + x]), c < n && x < D);
}

fn tileKernel(w: u32, lid: u32) {
  enterChunk(w, params);
  if (!NORMALIZE) {
    if (lid < n) {
      rowStats[base + lid] = vec2<f32>(1.0, 0.0);
    }
    return;
  }
  let tx = lid % 16u;
  let ty = lid / 16u;
  var s = tileProductOf(0u, D, lid);
  for (var i = 0u; i < 4u; i++) {
    let r = 4u * ty + i;
    for (var j = 0u; j < 4u; j++) {
      let c = 4u * tx + j;
      let keep = c <= r && r < n;
      tile[r * TILE + c] = select(0.0, s[i][j] * decay(gate(base + r) - gate(base + c)), keep);
    }
  }
  workgroupBarrier();
  if (lid < n) {
    let row = base + lid;
    var den = 0.0;
    for (var c = 0u; c < TILE; c++) {
      den += tile[lid * TILE + c];
    }
    var inter = 0.0;
    var dyy = 0.0;
    for (var x = 0u; x < D; x++) {
      inter = fma(phi(q[row * D + x]), states[state + D * D + x], inter);
      dyy = fma(dOut[row * D + x], out[row * D + x], dyy);
    }
    den += decay(gate(row)) * inter + EPS;
    rowStats[row] = vec2<f32>(1.0 / den, -dyy / den);
  }
}
