// Causal softmax attention's forward pass for training: the output and, per query row, the
// log-sum-exp of its scaled scores, which the backward kernels use to recompute the probabilities
// (softmax-backward-dq.wgsl, softmax-backward-dkdv.wgsl; FlashAttention-2, Dao 2023).
// One workgroup owns 64 query rows of one head and walks the key tiles up to its last row twice:
// first the row statistics (every thread keeps a running max and sum over its own keys, merged
// at the end), then the output, P = exp(s - lse) being exact, so nothing is rescaled. That costs
// one more Q K^T product than a one-pass forward: this kernel is for training, where the
// statistics are needed; the forward-only forms stay as they are.

// D, SCALE, Params, the q, k, v bindings, the blocks (enterRows, enterKeys) and the column
// products and stores: softmax-train-common.wgsl.

@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// [heads][tokens]: (log-sum-exp, D_i); this kernel writes the first
@group(0) @binding(5) var<storage, read_write> stats: array<vec2<f32>>;

var<workgroup> lseRow: array<f32, 64>;

fn loadA(which: u32, r: u32, x: u32) -> f32 {
  if (which == 0u) {
    return select(0.0, q[(rowBase + r) * D + x], r < rowsLeft && x < D);
  }
  return tile[r * TILE + x];
}

fn storeOut(which: u32, r: u32, c: u32, value: f32) {
  out[(rowBase + r) * D + c] = value;
}

fn loadB(which: u32, c: u32, x: u32) -> f32 {
  if (which == 0u) {
    return select(0.0, k[(keyBase + c) * D + x], c < keysLeft && x < D);
  }
  return select(0.0, v[(keyBase + x) * D + colBase + c], x < keysLeft && colBase + c < D);
}

fn tileKernel(w: u32, lid: u32) {
  let q0 = enterRows(w);
  let keyEnd = min(q0 + TILE, params.tokens);
  let tx = lid % 16u;
  let ty = lid / 16u;

  // 1. Row statistics: a running max m and sum l over this thread's keys, per row.
  var m = vec4<f32>(-3.0e38);
  var l = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < keyEnd; k0 += TILE) {
    enterKeys(k0);
    var s = tileProductOf(0u, D, lid);
    for (var i = 0u; i < 4u; i++) {
      for (var j = 0u; j < 4u; j++) {
        let key = k0 + 4u * tx + j;
        if (key <= q0 + 4u * ty + i) {
          let x = s[i][j] * SCALE;
          let mNew = max(m[i], x);
          l[i] = l[i] * exp(m[i] - mNew) + exp(x - mNew);
          m[i] = mNew;
        }
      }
    }
  }
  // Merge the 16 threads of each row: lse = M + log(sum_t l_t exp(m_t - M)).
  for (var i = 0u; i < 4u; i++) {
    tile[(4u * ty + i) * 16u + tx] = m[i];
    tile[1024u + (4u * ty + i) * 16u + tx] = l[i];
  }
  workgroupBarrier();
  if (lid < 64u) {
    var mMax = -3.0e38;
    for (var t = 0u; t < 16u; t++) {
      mMax = max(mMax, tile[lid * 16u + t]);
    }
    var sum = 0.0;
    for (var t = 0u; t < 16u; t++) {
      sum += tile[1024u + lid * 16u + t] * exp(tile[lid * 16u + t] - mMax);
    }
    let valid = lid < rowsLeft;
    let lse = select(0.0, mMax + log(sum), valid);
    lseRow[lid] = lse;
    if (valid) {
      stats[rowBase + lid].x = lse;
    }
  }
  workgroupBarrier();

  // 2. Output: P = exp(s - lse) on and below the diagonal, O += P V.
  var o0 = zeroTile();
  var o1 = zeroTile();
  for (var k0 = 0u; k0 < keyEnd; k0 += TILE) {
    enterKeys(k0);
    var s = tileProductOf(0u, D, lid);
    for (var i = 0u; i < 4u; i++) {
      let r = 4u * ty + i;
      for (var j = 0u; j < 4u; j++) {
        let key = k0 + 4u * tx + j;
        let keep = key <= q0 + r && r < rowsLeft;
        tile[r * TILE + 4u * tx + j] = select(0.0, exp(s[i][j] * SCALE - lseRow[r]), keep);
      }
    }
    workgroupBarrier();
    tileProductColumns(1u, lid, &o0, &o1);
  }
  storeColumns(0u, lid, rowsLeft, o0, o1);
}
