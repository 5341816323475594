// Linear attention in its attention (quadratic) form, tiled (Katharopoulos et al. 2020):
//   y_i = sum_{j<=i} (phi(q_i).phi(k_j)) v_j,  divided by sum_{j<=i} phi(q_i).phi(k_j) + eps if NORMALIZE.
// One workgroup owns BQ = 4 TY query rows of one head (16 TY threads as a TY x 16 grid) and walks
// key tiles of 64 from key 0 to its last row, so tiles above the diagonal are never touched.
// Unlike softmax there is no running max and no rescaling: numerator and denominator accumulate
// across tiles directly. Thread (ty, tx) owns a 4 x 4 register tile: query rows 4 ty + i and keys
// 4 tx + j for the scores, output columns 4 (tx + 16 u) + j for the numerator.
//
// Every register array is an array of vec4 indexed only by loops with literal bounds: NVIDIA's
// Vulkan compiler keeps such arrays in registers. Scalar 2-D arrays indexed through override
// bounds went to local memory there (300 cycles per FMA on an H200).
// phi(Q) and phi(K) slices are stored transposed ([feature][row / 4]), so the score loop reads two
// vec4s per 16 FMAs with no bank conflicts. The same tiles as linear-chunked-output.wgsl.

// Tile overrides, workgroup tiles, stageQ and stageK: linear-attention-tiles.wgsl.

struct Params {
  tokens: u32,
  // This dispatch covers workgroups [workgroupOffset, workgroupOffset + count) of the whole grid.
  workgroupOffset: u32,
  blocksPerHead: u32, // ceil(T / BQ)
  heads: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = params.workgroupOffset + wid.x;
  let T = params.tokens;
  let D4 = D / 4u;
  // Heaviest blocks (most keys below the diagonal) first, heads interleaved: a short tail.
  let head = w % params.heads;
  let q0 = (params.blocksPerHead - 1u - w / params.heads) * BQ;
  let base4 = head * T * D4;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let myRow = q0 + 4u * ty; // first of this thread's 4 rows
  let keyEnd = min(q0 + BQ, T);

  var acc: array<vec4<f32>, 8>; // [4 u + i]: row 4 ty + i, columns 4 (tx + 16 u) ..
  for (var x = 0u; x < 8u; x++) {
    acc[x] = vec4<f32>(0.0);
  }
  var den = vec4<f32>(0.0); // rows 4 ty + i
  var s: array<vec4<f32>, 4>; // [i]: row 4 ty + i, keys 4 tx ..

  for (var k0 = 0u; k0 < keyEnd; k0 += BK) {
    for (var i = 0u; i < 4u; i++) {
      s[i] = vec4<f32>(0.0);
    }
    for (var d0 = 0u; d0 < D; d0 += DS) {
      stageQ(base4, q0, d0, T, lid);
      stageK(base4, k0, d0, T, lid);
      workgroupBarrier();
      scoreStep(&s, tx, ty);
      workgroupBarrier();
    }
    // Causal mask, inclusive (j <= i), stored transposed; keys past T are masked by the same test.
    for (var j = 0u; j < 4u; j++) {
      let key = k0 + 4u * tx + j;
      var p: vec4<f32>;
      for (var i = 0u; i < 4u; i++) {
        p[i] = select(0.0, s[i][j], key <= myRow + i);
      }
      pT[(4u * tx + j) * TY + ty] = p;
    }
    // Numerator and denominator += P V_tile (linear-attention-tiles.wgsl).
    accumulateValues(&acc, &den, base4, k0, keyEnd, myRow, 0u, T, lid);
  }
  writeRows(acc, den, base4, myRow, T, tx);
}
