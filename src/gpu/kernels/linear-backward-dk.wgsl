// Linear attention's backward pass (chunked), step 6: d phi(k) (phi' is applied by
// linear-backward-finish.wgsl). For key j of chunk b, with R_b, r_b the reverse state and e the
// chunk's last token:
//   dphi(k_j) = decay(cum_e - cum_j) (R_b v_j + r_b) + sum_{i >= j in the chunk} dA_ij phi(q_i),
// dA_ij = decay(cum_i - cum_j) (dnum_i . v_j + dden_i). One workgroup per (head, chunk); thread
// rows are keys, dA^T is staged in the tile.

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> rowStats: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> reverse: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, v[(base + r) * D + x], r < n && x < D);
    }
    case 1u: {
      return tile[r * TILE + x];
    }
    default: {
      let toEnd = decay(gate(last) - gate(base + r));
      return select(0.0, v[(base + r) * D + x] * toEnd, r < n && x < D);
    }
  }
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, dOut[(base + c) * D + x], c < n && x < D);
    }
    case 1u: {
      return select(0.0, phi(q[(base + x) * D + colBase + c]), x < n && colBase + c < D);
    }
    default: {
      return select(0.0, reverse[state + (colBase + c) * D + x], x < D && colBase + c < D);
    }
  }
}

fn storeRow(r: u32, c: u32, value: f32) {
  let toEnd = decay(gate(last) - gate(base + r));
  dk[(base + r) * D + c] = fma(toEnd, reverse[state + D * D + c], value);
}

fn tileKernel(w: u32, lid: u32) {
  enterChunk(w, params);
  let tx = lid % 16u;
  let ty = lid / 16u;
  var b = tileProductOf(0u, D, lid);
  var rs: vec4<f32>;
  var ds: vec4<f32>;
  for (var j = 0u; j < 4u; j++) {
    let c = 4u * tx + j;
    if (c < n) {
      let st = rowStats[base + c];
      rs[j] = st.x;
      ds[j] = st.y;
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = 4u * ty + i; // key j
    for (var j = 0u; j < 4u; j++) {
      let c = 4u * tx + j; // query i
      let keep = r <= c && c < n;
      let da = decay(gate(base + c) - gate(base + r)) * fma(b[i][j], rs[j], ds[j]);
      tile[r * TILE + c] = select(0.0, da, keep);
    }
  }
  workgroupBarrier();
  chunkColumns(lid, TILE, D);
}
