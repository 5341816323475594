// Causal softmax attention's backward pass, step 1 of 3 (FlashAttention-2, Dao 2023):
// D_i = dO_i . O_i for every row, the term the softmax's Jacobian subtracts
// (dS = P * (dP - D)). One thread per (head, row); Params, the uniform and the entry point:
// row-threads.wgsl, thread-items.wgsl.

override D: u32 = 64u;

@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> dOut: array<f32>;
// [heads][tokens]: (log-sum-exp, D_i); this kernel writes the second
@group(0) @binding(3) var<storage, read_write> stats: array<vec2<f32>>;

fn threadItem(row: u32) {
  var s = 0.0;
  for (var x = 0u; x < D; x++) {
    s = fma(dOut[row * D + x], out[row * D + x], s);
  }
  stats[row].y = s;
}
