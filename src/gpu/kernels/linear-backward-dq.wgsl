// Linear attention's backward pass (chunked), step 4: d phi(q) (phi' is applied by
// linear-backward-finish.wgsl). For row i of chunk b, with S_b, Z_b the forward's state entering
// the chunk and dA_ij = decay(cum_i - cum_j) (dnum_i . v_j + dden_i) for j <= i in the chunk:
//   dphi(q_i) = decay(cum_i) (S_b dnum_i + Z_b dden_i) + sum_j dA_ij phi(k_j).
// One workgroup per (head, chunk); dA is staged in the tile.

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> states: array<f32>;
@group(0) @binding(5) var<storage, read> rowStats: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, dOut[(base + r) * D + x], r < n && x < D);
    }
    case 1u: {
      let scale = rowStats[base + r].x * decay(gate(base + r));
      return select(0.0, dOut[(base + r) * D + x] * scale, r < n && x < D);
    }
    default: {
      return tile[r * TILE + x];
    }
  }
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, v[(base + c) * D + x], c < n && x < D);
    }
    case 1u: {
      return select(0.0, states[state + (colBase + c) * D + x], colBase + c < D && x < D);
    }
    default: {
      return select(0.0, phi(k[(base + x) * D + colBase + c]), x < n && colBase + c < D);
    }
  }
}

fn storeRow(r: u32, c: u32, value: f32) {
  let zScale = decay(gate(base + r)) * rowStats[base + r].y;
  dq[(base + r) * D + c] = fma(zScale, states[state + D * D + c], value);
}

fn tileKernel(w: u32, lid: u32) {
  enterChunk(w, params);
  let tx = lid % 16u;
  let ty = lid / 16u;
  var b = tileProductOf(0u, D, lid);
  var rs: array<vec2<f32>, 4>;
  for (var i = 0u; i < 4u; i++) {
    let r = 4u * ty + i;
    rs[i] = vec2<f32>(0.0);
    if (r < n) {
      rs[i] = rowStats[base + r];
    }
    for (var j = 0u; j < 4u; j++) {
      let c = 4u * tx + j;
      let keep = c <= r && r < n;
      let da = decay(gate(base + r) - gate(base + c)) * fma(b[i][j], rs[i].x, rs[i].y);
      tile[r * TILE + c] = select(0.0, da, keep);
    }
  }
  workgroupBarrier();
  chunkColumns(lid, D, TILE);
}
