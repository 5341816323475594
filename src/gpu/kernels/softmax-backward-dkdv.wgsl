// Causal softmax attention's backward pass, step 3 of 3 (FlashAttention-2, Dao 2023): dK and dV.
// One workgroup owns 64 keys of one head and walks the query tiles from its own block to the end,
// recomputing the transposed probabilities from the saved log-sum-exp of each query row:
//   P^T = exp(s K Q^T - lse), dV += P^T dO,  dS^T = P^T * (V dO^T - D),  dK += s dS^T Q.
// Thread (ty, tx) owns keys 4 ty + i and queries 4 tx + j of a tile.

// D, SCALE, Params, the q, k, v bindings, the blocks (enterRows, enterKeys) and the column
// products and stores: softmax-train-common.wgsl.

@group(0) @binding(4) var<storage, read> dOut: array<f32>;
// [heads][tokens]: (log-sum-exp, D_i)
@group(0) @binding(5) var<storage, read> stats: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;

var<private> queryBase: u32; // head * T + first query of the tile
var<private> queriesLeft: u32;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, k[(keyBase + r) * D + x], r < keysLeft && x < D);
    }
    case 1u: {
      return select(0.0, v[(keyBase + r) * D + x], r < keysLeft && x < D);
    }
    default: {
      return tile[r * TILE + x];
    }
  }
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  switch which {
    case 0u: {
      return select(0.0, q[(queryBase + c) * D + x], c < queriesLeft && x < D);
    }
    case 1u: {
      return select(0.0, dOut[(queryBase + c) * D + x], c < queriesLeft && x < D);
    }
    case 2u: {
      let ok = x < queriesLeft && colBase + c < D;
      return select(0.0, dOut[(queryBase + x) * D + colBase + c], ok);
    }
    default: {
      let ok = x < queriesLeft && colBase + c < D;
      return select(0.0, q[(queryBase + x) * D + colBase + c], ok);
    }
  }
}

// 0: dK (scaled by s), 1: dV.
fn storeOut(which: u32, r: u32, c: u32, value: f32) {
  if (which == 0u) {
    dk[(keyBase + r) * D + c] = value * SCALE;
  } else {
    dv[(keyBase + r) * D + c] = value;
  }
}

fn tileKernel(w: u32, lid: u32) {
  let T = params.tokens;
  let k0 = enterBlock(w);
  let tx = lid % 16u;
  let ty = lid / 16u;
  enterKeys(k0);

  var dk0 = zeroTile();
  var dk1 = zeroTile();
  var dv0 = zeroTile();
  var dv1 = zeroTile();
  for (var t0 = k0; t0 < T; t0 += TILE) {
    queryBase = headBase + t0;
    queriesLeft = T - t0;
    var s = tileProductOf(0u, D, lid);
    var dp = tileProductOf(1u, D, lid);
    var lse = vec4<f32>(0.0);
    var delta = vec4<f32>(0.0);
    for (var j = 0u; j < 4u; j++) {
      if (4u * tx + j < queriesLeft) {
        let st = stats[queryBase + 4u * tx + j];
        lse[j] = st.x;
        delta[j] = st.y;
      }
    }
    var ds: array<vec4<f32>, 4>;
    for (var i = 0u; i < 4u; i++) {
      let r = 4u * ty + i;
      for (var j = 0u; j < 4u; j++) {
        let query = t0 + 4u * tx + j;
        let keep = k0 + r <= query && query < T && r < keysLeft;
        let p = select(0.0, exp(s[i][j] * SCALE - lse[j]), keep);
        tile[r * TILE + 4u * tx + j] = p;
        ds[i][j] = p * (dp[i][j] - delta[j]);
      }
    }
    workgroupBarrier();
    tileProductColumns(2u, lid, &dv0, &dv1);
    for (var i = 0u; i < 4u; i++) {
      for (var j = 0u; j < 4u; j++) {
        tile[(4u * ty + i) * TILE + 4u * tx + j] = ds[i][j];
      }
    }
    workgroupBarrier();
    tileProductColumns(3u, lid, &dk0, &dk1);
  }
  storeColumns(0u, lid, keysLeft, dk0, dk1);
  storeColumns(1u, lid, keysLeft, dv0, dv1);
}
