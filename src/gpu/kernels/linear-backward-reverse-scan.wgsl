// Linear attention's backward pass (chunked), step 3: the exclusive suffix over chunks, in place,
//   R_b = Q_{b+1} + A_{b+1} R_{b+1},  R_last = 0,
// A_b = exp(cum of chunk b's last token), the chunk's whole decay (1 with the gate off): R_b is
// what the queries after chunk b ask of its keys, decayed to chunk b's end. The forward's prefix
// (linear-chunked-prefix.wgsl) run backwards: one thread per state element, a dispatch covering
// chunks [chunkBegin, chunkEnd) from the end and leaving its running sum in `carry`. Params (one
// head group of all heads: headBase 0), the uniform, `carry`, A_b and the entry point:
// chunk-state-scan.wgsl.

@group(0) @binding(1) var<storage, read_write> reverse: array<f32>;

fn scanElement(e: u32, head: u32, x: u32) -> f32 {
  var run = 0.0;
  if (params.chunkEnd < params.chunks) {
    run = carry[e];
  }
  for (var b = params.chunkEnd; b > params.chunkBegin; b--) {
    let i = (head * params.chunks + b - 1u) * STATE + x;
    let own = reverse[i];
    reverse[i] = run;
    run = fma(chunkDecay(head, b - 1u), run, own);
  }
  return run;
}
