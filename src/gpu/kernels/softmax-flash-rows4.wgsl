// Shared by softmax-flash-wide.wgsl, -sliced.wgsl and -sliced-narrow.wgsl (composed by
// src/gpu/wgsl.ts): a thread's scores for four rows and eight keys (or the wide and narrow
// kernels' output for four rows and two quads) as named vec4 values, the online-softmax steps on
// them, and the output's P V updates, resume and final write.

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

// Output: O += P V for four keys (v0, v1: their values in the thread's two output quads, as the
// columns of 4 x 4 matrices; pa .. pd: the four rows' p for those keys).
fn addColumnPairs(a: Rows4, v0: mat4x4<f32>, v1: mat4x4<f32>, pa: vec4<f32>, pb: vec4<f32>, pc: vec4<f32>, pd: vec4<f32>) -> Rows4 {
  return Rows4(
    addColumns(a.a0, v0, pa), addColumns(a.a1, v1, pa),
    addColumns(a.b0, v0, pb), addColumns(a.b1, v1, pb),
    addColumns(a.c0, v0, pc), addColumns(a.c1, v1, pc),
    addColumns(a.d0, v0, pd), addColumns(a.d1, v1, pd),
  );
}

// Output, the diagonal tile: one key (values vj0, vj1; the rows' p) added only to the rows that may
// see it (keep), so a NaN in a later key's value cannot reach an earlier row through p = 0.
fn addKeyPairs(a: Rows4, p: vec4<f32>, vj0: vec4<f32>, vj1: vec4<f32>, keep: vec4<bool>) -> Rows4 {
  return Rows4(
    select(a.a0, fma(vec4<f32>(p.x), vj0, a.a0), keep.x),
    select(a.a1, fma(vec4<f32>(p.x), vj1, a.a1), keep.x),
    select(a.b0, fma(vec4<f32>(p.y), vj0, a.b0), keep.y),
    select(a.b1, fma(vec4<f32>(p.y), vj1, a.b1), keep.y),
    select(a.c0, fma(vec4<f32>(p.z), vj0, a.c0), keep.z),
    select(a.c1, fma(vec4<f32>(p.z), vj1, a.c1), keep.z),
    select(a.d0, fma(vec4<f32>(p.w), vj0, a.d0), keep.w),
    select(a.d1, fma(vec4<f32>(p.w), vj1, a.d1), keep.w),
  );
}

// Row i's output (quads tx and tx + TX): normalised, or (chunk left) unnormalised with the row's
// (max, sum) beside it.
fn finishPair(i: u32, T: u32, base: u32, sbase: u32, tx: u32, save: bool, mr: f32, lr: f32, a0: vec4<f32>, a1: vec4<f32>) {
  if (i < T) {
    let ob = base + i * D4 + tx;
    if (save) {
      out[ob] = a0;
      out[ob + TX] = a1;
      if (tx == 0u) {
        state[sbase + i] = vec2<f32>(mr, lr);
      }
    } else {
      let inv = 1.0 / lr;
      out[ob] = a0 * inv;
      out[ob + TX] = a1 * inv;
    }
  }
}

// The group's four rows (positions i), with their running max m and summed parts l.
fn finishPairs(i: vec4<u32>, T: u32, base: u32, sbase: u32, tx: u32, save: bool, m: vec4<f32>, l: vec4<f32>, a: Rows4) {
  let lt = rowSum(l);
  finishPair(i.x, T, base, sbase, tx, save, m.x, lt.x, a.a0, a.a1);
  finishPair(i.y, T, base, sbase, tx, save, m.y, lt.y, a.b0, a.b1);
  finishPair(i.z, T, base, sbase, tx, save, m.z, lt.z, a.c0, a.c1);
  finishPair(i.w, T, base, sbase, tx, save, m.w, lt.w, a.d0, a.d1);
}

// Resuming a chunk: the unnormalised output of rows last (quads tx and tx + TX).
fn loadPairs(last: vec4<u32>, base: u32, tx: u32) -> Rows4 {
  let ob = vec4<u32>(base) + last * D4 + vec4<u32>(tx);
  return Rows4(
    out[ob.x], out[ob.x + TX],
    out[ob.y], out[ob.y + TX],
    out[ob.z], out[ob.z + TX],
    out[ob.w], out[ob.w + TX],
  );
}
