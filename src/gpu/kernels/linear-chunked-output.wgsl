// Chunked linear attention, phase 3 of 3 (Buckman & Gelada 2024): per chunk b,
//   num = phi(Q_b) S_b + (phi(Q_b) phi(K_b)^T masked by tril) V_b,
//   den = phi(Q_b) Z_b + rowsum(masked scores),   y = num / (den + eps)  (or num if not NORMALIZE),
// where S_b, Z_b are the exclusive prefix of the chunk summaries (linear-chunked-prefix.wgsl).
//
// One workgroup owns BQ = 4 TY query rows of one head (16 TY threads as a TY x 16 grid) and walks
// key tiles of 64 from the first key of its first row's chunk. Thread (ty, tx) owns a 4 x 4
// register tile: query rows 4 ty + i and keys 4 tx + j for the scores, output columns
// 4 (tx + 16 u) + j for the numerator. A block may hold several chunks (c < BQ): the mask keeps
// key j for row i when chunkStart(i) <= j <= i, and each thread takes S and Z of its own rows'
// chunk (c is a multiple of 4, so a thread's 4 rows share one). The state product phi(Q) S reads S
// straight from memory, during the first key tile, from the phi(Q) slices already staged.
//
// With the gate on (gate-on.wgsl, gated-chunked; cum: the log-decays summed from the chunk's
// start), row i takes exp(cum_i) phi(q_i) S_b and each kept score is scaled by exp(cum_i - cum_j):
// every exponent is <= 0.
//
// Every register array is an array of vec4 indexed only by loops with literal bounds: NVIDIA's
// Vulkan compiler keeps such arrays in registers. Scalar 2-D arrays indexed through override
// bounds went to local memory there (300 cycles per FMA on an H200).
// phi(Q) and phi(K) slices are stored transposed ([feature][row / 4]), so the score loop reads two
// vec4s per 16 FMAs with no bank conflicts.

// Tile overrides, workgroup tiles, stageQ and stageK: linear-attention-tiles.wgsl.

@group(0) @binding(0) var<uniform> params: Params;
// QKV: f32, or f16 for linear-chunked-f16 (linear-inputs-*.wgsl); read as f32 either way.
@group(0) @binding(1) var<storage, read> q: array<vec4<QKV>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<QKV>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<QKV>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
// [heads in group][chunks][D * D state S_b, then D normaliser Z_b]
@group(0) @binding(5) var<storage, read> states: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let blk = chunkBlock(wid);
  let D4 = D / 4u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let myRow = blk.q0 + 4u * ty; // first of this thread's 4 rows
  let myChunk = min(myRow / blk.C, params.chunks - 1u);
  let myChunkStart = myChunk * blk.C;
  let stateBase = (blk.headInGroup * params.chunks + myChunk) * (D * (D + 1u) / 4u);
  let kStart = (blk.q0 / blk.C) * blk.C;
  let keyEnd = min(blk.q0 + BQ, blk.T);

  var acc: array<vec4<f32>, 8>; // [4 u + i]: row 4 ty + i, columns 4 (tx + 16 u) ..
  for (var x = 0u; x < 8u; x++) {
    acc[x] = vec4<f32>(0.0);
  }
  var den = vec4<f32>(0.0); // rows 4 ty + i
  var s: array<vec4<f32>, 4>; // [i]: row 4 ty + i, keys 4 tx ..
  // With the gate on: cum of this thread's rows, and their decay since the chunk began.
  var cq = vec4<f32>(0.0);
  if (GATED) {
    for (var i = 0u; i < 4u; i++) {
      if (myRow + i < blk.T) {
        cq[i] = gate(blk.head * blk.T + myRow + i);
      }
    }
  }
  let eq = exp(min(cq, vec4<f32>(0.0)));

  for (var k0 = kStart; k0 < keyEnd; k0 += BK) {
    for (var i = 0u; i < 4u; i++) {
      s[i] = vec4<f32>(0.0);
    }
    for (var d0 = 0u; d0 < D; d0 += DS) {
      stageQ(blk.base4, blk.q0, d0, blk.T, lid);
      stageK(blk.base4, k0, d0, blk.T, lid);
      workgroupBarrier();
      scoreStep(&s, tx, ty);
      if (k0 == kStart) {
        // The state entering the chunk: num += phi(Q) S_b, den += phi(Q) Z_b.
        for (var f = 0u; f < DS; f++) {
          let a = select(qT[f * TY + ty], qT[f * TY + ty] * eq, GATED);
          let srow = stateBase + (d0 + f) * D4;
          for (var u = 0u; u < 2u; u++) {
            let g = tx + 16u * u;
            if (g < D4) {
              let b = states[srow + g];
              for (var i = 0u; i < 4u; i++) {
                acc[4u * u + i] = fma(vec4<f32>(a[i]), b, acc[4u * u + i]);
              }
            }
          }
        }
        if (NORMALIZE) {
          for (var f = 0u; f < DS; f += 4u) {
            let z = states[stateBase + D * D4 + (d0 + f) / 4u];
            for (var j = 0u; j < 4u; j++) {
              let a = select(qT[(f + j) * TY + ty], qT[(f + j) * TY + ty] * eq, GATED);
              den = fma(a, vec4<f32>(z[j]), den);
            }
          }
        }
      }
      workgroupBarrier();
    }
    // Mask (inclusive causality, and only keys of the row's own chunk), stored transposed.
    for (var j = 0u; j < 4u; j++) {
      let key = k0 + 4u * tx + j;
      let keep = key >= myChunkStart;
      var ck = 0.0;
      if (GATED && key < blk.T) {
        ck = gate(blk.head * blk.T + key);
      }
      var p: vec4<f32>;
      for (var i = 0u; i < 4u; i++) {
        // With the gate on, exp(cum_i - cum_j) <= 1 for a kept pair (j <= i in one chunk).
        let score = select(s[i][j], s[i][j] * exp(min(cq[i] - ck, 0.0)), GATED);
        p[i] = select(0.0, score, keep && key <= myRow + i);
      }
      pT[(4u * tx + j) * TY + ty] = p;
    }
    // Numerator and denominator += P V_tile, keys of the row's own chunk only (linear-attention-tiles.wgsl).
    accumulateValues(&acc, &den, blk.base4, k0, keyEnd, myRow, myChunkStart, blk.T, lid);
  }
  writeRows(acc, den, blk.base4, myRow, blk.T, tx);
}
