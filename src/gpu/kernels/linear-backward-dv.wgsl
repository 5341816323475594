// Linear attention's backward pass (chunked), step 5: dv. For key j of chunk b, with R_b the
// reverse state (linear-backward-reverse-scan.wgsl) and e the chunk's last token:
//   dv_j = decay(cum_e - cum_j) R_b^T phi(k_j) + sum_{i >= j in the chunk} A_ij dnum_i,
// A_ij = decay(cum_i - cum_j) phi(q_i) . phi(k_j). One workgroup per (head, chunk); thread rows
// are keys, A^T is staged in the tile.

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> rowStats: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> reverse: array<f32>;
@group(0) @binding(6) var<storage, read_write> dv: array<f32>;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, phi(k[(base + r) * D + x]), r < n && x < D);
    }
    case 1u: {
      return tile[r * TILE + x];
    }
    default: {
      let toEnd = decay(gate(last) - gate(base + r));
      return select(0.0, phi(k[(base + r) * D + x]) * toEnd, r < n && x < D);
    }
  }
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, phi(q[(base + c) * D + x]), c < n && x < D);
    }
    case 1u: {
      let ok = x < n && colBase + c < D;
      return select(0.0, dOut[(base + x) * D + colBase + c] * rowStats[base + x].x, ok);
    }
    default: {
      return select(0.0, reverse[state + x * D + colBase + c], x < D && colBase + c < D);
    }
  }
}

fn storeRow(r: u32, c: u32, value: f32) {
  dv[(base + r) * D + c] = value;
}

fn tileKernel(w: u32, lid: u32) {
  enterChunk(w, params);
  let tx = lid % 16u;
  let ty = lid / 16u;
  var s = tileProductOf(0u, D, lid);
  for (var i = 0u; i < 4u; i++) {
    let r = 4u * ty + i; // key j
    for (var j = 0u; j < 4u; j++) {
      let c = 4u * tx + j; // query i
      let keep = r <= c && c < n;
      tile[r * TILE + c] = select(0.0, s[i][j] * decay(gate(base + c) - gate(base + r)), keep);
    }
  }
  workgroupBarrier();
  chunkColumns(lid, TILE, D);
}
