// Linear attention's backward pass (chunked), step 2: what each chunk b sends back to the
// earlier chunks, Q_b = sum_{i in b} decay(cum_i) phi(q_i) [dnum_i, dden_i]^T (D x (D + 1)), the
// reverse-direction twin of the forward's chunk summaries (cum_i: log-decays summed from the
// chunk's start to i). One workgroup per (head, chunk, 64 x 64 tile of the D x D part); the
// workgroups of column tile 0 also sum the last column.

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> dOut: array<f32>;
@group(0) @binding(3) var<storage, read> rowStats: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> reverse: array<f32>;

var<private> r0: u32;
var<private> c0: u32;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  let ok = x < n && r0 + r < D;
  return select(0.0, decay(gate(base + x)) * phi(q[(base + x) * D + r0 + r]), ok);
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  let ok = x < n && c0 + c < D;
  return select(0.0, dOut[(base + x) * D + c0 + c] * rowStats[base + x].x, ok);
}

fn tileKernel(w: u32, lid: u32) {
  let side = (D + 63u) / 64u;
  let t = w % (side * side);
  enterChunk(w / (side * side), params);
  r0 = (t / side) * 64u;
  c0 = (t % side) * 64u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  var acc = tileProductOf(0u, TILE, lid);
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + 4u * ty + i;
    for (var j = 0u; j < 4u; j++) {
      let c = c0 + 4u * tx + j;
      if (r < D && c < D) {
        reverse[state + r * D + c] = acc[i][j];
      }
    }
  }
  if (c0 == 0u && lid < 64u && r0 + lid < D) {
    let r = r0 + lid;
    var s = 0.0;
    for (var x = 0u; x < n; x++) {
      s += decay(gate(base + x)) * phi(q[(base + x) * D + r]) * rowStats[base + x].y;
    }
    reverse[state + D * D + r] = s;
  }
}
