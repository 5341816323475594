// Shared by softmax-flash-wide.wgsl and softmax-flash-sliced.wgsl (composed by src/gpu/wgsl.ts):
// a thread's scores for four rows and eight keys (or the wide kernel's output for four rows and
// two quads) as named vec4 values, and the online-softmax steps on them.

// Four rows of a thread, two vec4 each: scores (keys tx + TX j and tx + TX (4 + j), j < 4) or
// the wide kernel's output (quads tx and tx + TX). Named members, never an array: the driver
// keeps them in registers.
struct Rows4 {
  a0: vec4<f32>,
  a1: vec4<f32>,
  b0: vec4<f32>,
  b1: vec4<f32>,
  c0: vec4<f32>,
  c1: vec4<f32>,
  d0: vec4<f32>,
  d1: vec4<f32>,
}

// Keys past a row's last key (kl4, kh4: the thread's keys; last: the four rows' last keys) get NEG.
fn maskScores(s: Rows4, kl4: vec4<u32>, kh4: vec4<u32>, last: vec4<u32>) -> Rows4 {
  let n = vec4<f32>(NEG);
  return Rows4(
    select(n, s.a0, kl4 <= vec4<u32>(last.x)), select(n, s.a1, kh4 <= vec4<u32>(last.x)),
    select(n, s.b0, kl4 <= vec4<u32>(last.y)), select(n, s.b1, kh4 <= vec4<u32>(last.y)),
    select(n, s.c0, kl4 <= vec4<u32>(last.z)), select(n, s.c1, kh4 <= vec4<u32>(last.z)),
    select(n, s.d0, kl4 <= vec4<u32>(last.w)), select(n, s.d1, kh4 <= vec4<u32>(last.w)),
  );
}

fn tileMax(s: Rows4) -> vec4<f32> {
  return vec4<f32>(
    max(hmax(s.a0), hmax(s.a1)),
    max(hmax(s.b0), hmax(s.b1)),
    max(hmax(s.c0), hmax(s.c1)),
    max(hmax(s.d0), hmax(s.d1)),
  );
}

// exp2(s - m) per row.
fn probabilities(s: Rows4, m: vec4<f32>) -> Rows4 {
  return Rows4(
    exp2(s.a0 - vec4<f32>(m.x)), exp2(s.a1 - vec4<f32>(m.x)),
    exp2(s.b0 - vec4<f32>(m.y)), exp2(s.b1 - vec4<f32>(m.y)),
    exp2(s.c0 - vec4<f32>(m.z)), exp2(s.c1 - vec4<f32>(m.z)),
    exp2(s.d0 - vec4<f32>(m.w)), exp2(s.d1 - vec4<f32>(m.w)),
  );
}

fn rowSums(e: Rows4) -> vec4<f32> {
  return vec4<f32>(hsum(e.a0 + e.a1), hsum(e.b0 + e.b1), hsum(e.c0 + e.c1), hsum(e.d0 + e.d1));
}

fn scaleRows(a: Rows4, f: vec4<f32>) -> Rows4 {
  return Rows4(a.a0 * f.x, a.a1 * f.x, a.b0 * f.y, a.b1 * f.y, a.c0 * f.z, a.c1 * f.z, a.d0 * f.w, a.d1 * f.w);
}
