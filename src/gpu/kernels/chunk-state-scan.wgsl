// Shared by linear-chunked-prefix.wgsl (the forward's prefix over chunks) and
// linear-backward-reverse-scan.wgsl (the backward's suffix), composed after the gate: one thread
// per state element of every head of the group, a dispatch covering chunks [chunkBegin, chunkEnd)
// and leaving its running sum in `carry` for the next. The kernel defines scanElement(e, head, x)
// for element x of head `head` (e = head * STATE + x), which returns that running sum.

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
  carry[e] = scanElement(e, e / STATE, e % STATE);
}
