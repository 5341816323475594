// Chunked linear attention, phase 2 of 3 (Buckman & Gelada 2024): the EXCLUSIVE
// prefix over chunks, in place: S_b = sum_{m<b} P_m and Z_b = sum_{m<b} z_m.
// A sequential loop over chunks, parallel over the D (D + 1) state elements of every head (the
// GLA-style choice: n D^2 adds, no scan tree). Consecutive threads own consecutive elements, so
// every step is one coalesced read and write. A dispatch covers chunks [chunkBegin, chunkEnd) and
// leaves the inclusive running sum in `carry` for the next one, so long sequences split into
// bounded dispatches. With the gate on (gate-on.wgsl, gated-chunked), the prefix decays:
// S_{b+1} = A_b S_b + P_b, A_b = exp(cum of chunk b's last token) <= 1, the chunk's whole decay.

override WORKGROUP: u32 = 256u;
override STATE: u32 = 4160u; // D * (D + 1)

struct Params {
  chunks: u32,
  chunkBegin: u32,
  chunkEnd: u32,
  // state elements of all heads in the group: heads * STATE
  elements: u32,
  // With the gate on: where chunk b's last token is, and which head of the head group this
  // state group starts at (the log-decays are laid out per head group).
  tokens: u32,
  chunkSize: u32,
  headBase: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> states: array<f32>;
@group(0) @binding(2) var<storage, read_write> carry: array<f32>;

// A_b: the decay of chunk b as a whole (1 with the gate off).
fn chunkDecay(head: u32, b: u32) -> f32 {
  if (!GATED) {
    return 1.0;
  }
  let last = min((b + 1u) * params.chunkSize, params.tokens) - 1u;
  return exp(gate((params.headBase + head) * params.tokens + last));
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = gid.x + gid.y * groups.x * WORKGROUP;
  if (e >= params.elements) {
    return;
  }
  let head = e / STATE;
  let x = e % STATE;
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
  carry[e] = run;
}
