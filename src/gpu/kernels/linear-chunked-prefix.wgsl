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

// Elements i, i + stride, i + 2 stride, i + 3 stride of the states.
fn loadStates4(i: u32, stride: u32) -> vec4<f32> {
  return vec4<f32>(states[i], states[i + stride], states[i + 2u * stride], states[i + 3u * stride]);
}

// The decays A of chunks b .. b + 3.
fn decays4(head: u32, b: u32) -> vec4<f32> {
  return vec4<f32>(chunkDecay(head, b), chunkDecay(head, b + 1u), chunkDecay(head, b + 2u), chunkDecay(head, b + 3u));
}

// Four chunks of the scan: each element's exclusive sum stored, the running sum advanced.
fn storeScan4(i: u32, stride: u32, run: f32, p: vec4<f32>, a: vec4<f32>) -> f32 {
  states[i] = run;
  let r1 = fma(a.x, run, p.x);
  states[i + stride] = r1;
  let r2 = fma(a.y, r1, p.y);
  states[i + 2u * stride] = r2;
  let r3 = fma(a.z, r2, p.z);
  states[i + 3u * stride] = r3;
  return fma(a.w, r3, p.w);
}

fn scanElement(e: u32, head: u32, x: u32) -> f32 {
  var run = 0.0;
  if (params.chunkBegin > 0u) {
    run = carry[e];
  }
  // Thirty-two chunks per step: their loads are independent, so thirty-two memory latencies
  // overlap (an H200 at T = 65,536, c = 64: 1.06 ms with four per step, 0.30 ms with sixteen).
  // They are held in named vec4 registers, not arrays (NVIDIA's compiler kept function-scope arrays
  // in local memory; docs/PERFORMANCE.md).
  let stride = STATE;
  var b = params.chunkBegin;
  for (; b + 32u <= params.chunkEnd; b += 32u) {
    let i = (head * params.chunks + b) * STATE + x;
    // Every load (the decays' too) before the first store: the compiler cannot know that the
    // log-decays and the states do not alias, so a load after a store would wait for it.
    let s4 = 4u * stride;
    let p0 = loadStates4(i, stride);
    let p1 = loadStates4(i + s4, stride);
    let p2 = loadStates4(i + 2u * s4, stride);
    let p3 = loadStates4(i + 3u * s4, stride);
    let p4 = loadStates4(i + 4u * s4, stride);
    let p5 = loadStates4(i + 5u * s4, stride);
    let p6 = loadStates4(i + 6u * s4, stride);
    let p7 = loadStates4(i + 7u * s4, stride);
    let a0 = decays4(head, b);
    let a1 = decays4(head, b + 4u);
    let a2 = decays4(head, b + 8u);
    let a3 = decays4(head, b + 12u);
    let a4 = decays4(head, b + 16u);
    let a5 = decays4(head, b + 20u);
    let a6 = decays4(head, b + 24u);
    let a7 = decays4(head, b + 28u);
    run = storeScan4(i, stride, run, p0, a0);
    run = storeScan4(i + s4, stride, run, p1, a1);
    run = storeScan4(i + 2u * s4, stride, run, p2, a2);
    run = storeScan4(i + 3u * s4, stride, run, p3, a3);
    run = storeScan4(i + 4u * s4, stride, run, p4, a4);
    run = storeScan4(i + 5u * s4, stride, run, p5, a5);
    run = storeScan4(i + 6u * s4, stride, run, p6, a6);
    run = storeScan4(i + 7u * s4, stride, run, p7, a7);
  }
  for (; b < params.chunkEnd; b++) {
    let i = (head * params.chunks + b) * STATE + x;
    let own = states[i];
    states[i] = run;
    run = fma(chunkDecay(head, b), run, own);
  }
  return run;
}
