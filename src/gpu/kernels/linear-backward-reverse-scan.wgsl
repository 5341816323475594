// Linear attention's backward pass (chunked), step 3: the exclusive suffix over chunks, in place,
//   R_b = Q_{b+1} + A_{b+1} R_{b+1},  R_last = 0,
// A_b = exp(cum of chunk b's last token), the chunk's whole decay (1 with the gate off): R_b is
// what the queries after chunk b ask of its keys, decayed to chunk b's end. The forward's prefix
// (linear-chunked-prefix.wgsl) run backwards: one thread per state element, a dispatch covering
// chunks [chunkBegin, chunkEnd) from the end and leaving its running sum in `carry`.

override WORKGROUP: u32 = 256u;
override STATE: u32 = 4160u; // D * (D + 1)

struct Params {
  chunks: u32,
  chunkBegin: u32,
  chunkEnd: u32,
  elements: u32, // heads * STATE
  tokens: u32,
  chunkSize: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> reverse: array<f32>;
@group(0) @binding(2) var<storage, read_write> carry: array<f32>;

fn chunkDecay(head: u32, b: u32) -> f32 {
  if (!GATED) {
    return 1.0;
  }
  let lastToken = min((b + 1u) * params.chunkSize, params.tokens) - 1u;
  return exp(gate(head * params.tokens + lastToken));
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
  if (params.chunkEnd < params.chunks) {
    run = carry[e];
  }
  for (var b = params.chunkEnd; b > params.chunkBegin; b--) {
    let i = (head * params.chunks + b - 1u) * STATE + x;
    let own = reverse[i];
    reverse[i] = run;
    run = fma(chunkDecay(head, b - 1u), run, own);
  }
  carry[e] = run;
}
