// Chunked linear attention, phase 2 of 3 (Buckman & Gelada 2024): the EXCLUSIVE
// prefix over chunks, in place: S_b = sum_{m<b} P_m and Z_b = sum_{m<b} z_m.
// A sequential loop over chunks, parallel over the D (D + 1) state elements of every head (the
// GLA-style choice: n D^2 adds, no scan tree). Consecutive threads own consecutive elements, so
// every step is one coalesced read and write. A dispatch covers chunks [chunkBegin, chunkEnd) and
// leaves the inclusive running sum in `carry` for the next one, so long sequences split into
// bounded dispatches. With the gate on (gate-on.wgsl, gated-chunked), the prefix decays:
// S_{b+1} = A_b S_b + P_b, A_b = exp(cum of chunk b's last token) <= 1, the chunk's whole decay.
// Params, the uniform, `carry`, A_b and the entry point: chunk-state-scan.wgsl.

@group(0) @binding(1) var<storage, read_write> states: array<f32>;

fn scanElement(e: u32, head: u32, x: u32) -> f32 {
  var run = 0.0;
  if (params.chunkBegin > 0u) {
    run = carry[e];
  }
  // Sixteen chunks per step: their loads are independent, so sixteen memory latencies overlap
  // (an H200 at T = 65,536, c = 64: 1.06 ms with four per step, 0.30 ms with sixteen; the array
  // is indexed by literal-bounded loops only, so it stays in registers).
  let stride = STATE;
  var b = params.chunkBegin;
  for (; b + 16u <= params.chunkEnd; b += 16u) {
    let i = (head * params.chunks + b) * STATE + x;
    // Every load (the decays' too) before the first store: the compiler cannot know that the
    // log-decays and the states do not alias, so a load after a store would wait for it.
    var p: array<f32, 16>;
    var a: array<f32, 16>;
    for (var j = 0u; j < 16u; j++) {
      p[j] = states[i + j * stride];
      a[j] = chunkDecay(head, b + j);
    }
    for (var j = 0u; j < 16u; j++) {
      states[i + j * stride] = run;
      run = fma(a[j], run, p[j]);
    }
  }
  for (; b < params.chunkEnd; b++) {
    let i = (head * params.chunks + b) * STATE + x;
    let own = states[i];
    states[i] = run;
    run = fma(chunkDecay(head, b), run, own);
  }
  return run;
}
