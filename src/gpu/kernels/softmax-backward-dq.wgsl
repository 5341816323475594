// Causal softmax attention's backward pass, step 2 of 3 (FlashAttention-2, Dao 2023): dQ.
// One workgroup owns 64 query rows of one head and walks the key tiles up to its last row,
// recomputing the probabilities from the saved log-sum-exp instead of storing the T x T matrix:
//   P = exp(s Q K^T - lse), dP = dO V^T, dS = P * (dP - D),  dQ += s dS K   (s = 1 / sqrt(d)).

// D, SCALE, Params, the q, k, v bindings, the blocks (enterRows, enterKeys) and the column
// products and stores: softmax-train-common.wgsl.

@group(0) @binding(4) var<storage, read> dOut: array<f32>;
// [heads][tokens]: (log-sum-exp, D_i)
@group(0) @binding(5) var<storage, read> stats: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, q[(rowBase + r) * D + x], r < rowsLeft && x < D);
    }
    case 1u: {
      return select(0.0, dOut[(rowBase + r) * D + x], r < rowsLeft && x < D);
    }
    default: {
      return tile[r * TILE + x];
    }
  }
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, k[(keyBase + c) * D + x], c < keysLeft && x < D);
    }
    case 1u: {
      return select(0.0, v[(keyBase + c) * D + x], c < keysLeft && x < D);
    }
    default: {
      return select(0.0, k[(keyBase + x) * D + colBase + c], x < keysLeft && colBase + c < D);
    }
  }
}

fn storeOut(which: u32, r: u32, c: u32, value: f32) {
  dq[(rowBase + r) * D + c] = value * SCALE;
}

fn tileKernel(w: u32, lid: u32) {
  let q0 = enterRows(w);
  let keyEnd = min(q0 + TILE, params.tokens);
  let tx = lid % 16u;
  let ty = lid / 16u;
  var lse = vec4<f32>(0.0);
  var delta = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) {
    if (4u * ty + i < rowsLeft) {
      let st = stats[rowBase + 4u * ty + i];
      lse[i] = st.x;
      delta[i] = st.y;
    }
  }

  var acc0 = zeroTile();
  var acc1 = zeroTile();
  for (var k0 = 0u; k0 < keyEnd; k0 += TILE) {
    enterKeys(k0);
    var s = tileProductOf(0u, D, lid);
    var dp = tileProductOf(1u, D, lid);
    for (var i = 0u; i < 4u; i++) {
      let r = 4u * ty + i;
      for (var j = 0u; j < 4u; j++) {
        let key = k0 + 4u * tx + j;
        let keep = key <= q0 + r && r < rowsLeft;
        let p = exp(s[i][j] * SCALE - lse[i]);
        tile[r * TILE + 4u * tx + j] = select(0.0, p * (dp[i][j] - delta[i]), keep);
      }
    }
    workgroupBarrier();
    tileProductColumns(2u, lid, &acc0, &acc1);
  }
  storeColumns(0u, lid, rowsLeft, acc0, acc1);
}
